//! The gate's routes, claims and decisions, natively.

use serde_json::json;

use super::Gate;
use crate::value::{Path, Value};

const NOW: f64 = 1_800_000_000.0;

fn value(json: serde_json::Value) -> Value<'static> {
    crate::parse::<Value, _>(json).unwrap()
}

fn config(extra: serde_json::Value) -> serde_json::Value {
    let mut config = json!({
        "issuer": "https://gitlab.example.com",
        "audience": "https://artifacts.example.com",
        "world": { "version": "18.3", "projects": [
            { "path": "acme/ci" },
            { "path": "acme/tools/deploy" },
            { "path": "other/x" },
            { "path": "acme/api", "inbound": {
                "projects": [ "acme/ci", { "path": "acme/fine", "defaultPermissions": false, "policies": ["read_packages"] } ],
                "groups": [ { "path": "acme/tools" } ] } },
            { "path": "acme/fine" }
        ] },
        "routes": [
            { "method": "GET", "path": "/projects/:target/packages/*", "permission": "read_packages" },
            { "method": "POST", "path": "/deploy", "target": "acme/api", "permission": "admin_deployments" }
        ]
    });
    for (key, v) in extra.as_object().unwrap() {
        config[key] = v.clone();
    }
    config
}

fn gate(extra: serde_json::Value) -> Gate {
    crate::parse::<Gate, _>(config(extra)).unwrap()
}

/// The config's world as a snapshot, and the config without it.
fn snapshot_of(config: &serde_json::Value) -> (Vec<u8>, serde_json::Value) {
    let input = crate::parse::<crate::gitlab::WorldInput, _>(config["world"].clone()).unwrap();
    let bytes = crate::gitlab::World::from_input(input).unwrap().to_bytes();
    let mut rest = config.clone();
    rest.as_object_mut().unwrap().remove("world");
    (bytes, rest)
}

/// The gate of `config` with its world given as `policy`, the bytes of a snapshot.
fn gate_from_snapshot(config: &serde_json::Value, bytes: &[u8]) -> Result<Gate, crate::Error> {
    Gate::from_config(&value(config.clone()), &Path::ROOT, Some(&mut { bytes }))
}

fn claims(project: &str) -> Value<'static> {
    value(json!({
        "iss": "https://gitlab.example.com", "aud": "https://artifacts.example.com",
        "exp": NOW + 300.0, "nbf": NOW - 5.0, "iat": NOW - 5.0,
        "project_path": project, "ref": "main", "ref_type": "branch", "ref_protected": "true",
        "pipeline_source": "push"
    }))
}

fn with(claims: Value<'static>, key: &str, v: serde_json::Value) -> Value<'static> {
    let Value::Object(mut fields) = claims else {
        unreachable!()
    };
    fields.retain(|(k, _)| k != key);
    if !v.is_null() {
        fields.push((key.to_owned().into(), value(v)));
    }
    Value::Object(fields)
}

#[test]
fn routes_capture_url_encoded_targets_and_the_rest() {
    let gate = gate(json!({}));
    let (route, matched) = gate
        .route("get", "/projects/acme%2Fapi/packages/npm/x.tgz")
        .unwrap();
    assert_eq!(matched.target, "acme/api");
    assert_eq!(
        matched.segment,
        Some(1),
        "the path's second segment held the target"
    );
    assert_eq!(route.permission().map(|p| p.name()), Some("read_packages"));
    assert_eq!(gate.route("POST", "/deploy").unwrap().1.target, "acme/api");
    assert_eq!(gate.route("POST", "/deploy").unwrap().1.segment, None);
    assert!(gate.route("GET", "/deploy").is_none());
    assert!(gate.route("POST", "/deploy/extra").is_none());
    assert!(
        gate.route("GET", "/projects/acme%2/packages/x").is_none(),
        "broken escape"
    );
    assert!(
        gate.route("GET", "/projects//packages/x").is_none(),
        "empty target"
    );
}

#[test]
fn decisions_come_from_the_world() {
    let gate = gate(json!({}));
    let get = |project: &str, target: &str| {
        gate.authorize(
            "GET",
            &format!("/projects/{target}/packages/p"),
            &claims(project),
            NOW,
        )
    };
    let allowed = get("acme/ci", "acme%2Fapi");
    assert_eq!(
        (allowed.status, allowed.reason),
        (200, "allowlisted_project")
    );
    assert_eq!(allowed.source.as_deref(), Some("acme/ci"));
    assert_eq!(
        get("acme/tools/deploy", "acme%2Fapi").reason,
        "allowlisted_group"
    );
    let denied = get("other/x", "acme%2Fapi");
    assert_eq!(
        (denied.status, denied.reason),
        (403, "not_in_inbound_allowlist")
    );
    assert_eq!(
        denied.message,
        "Authentication by CI/CD job token not allowed from x to api."
    );
    assert_eq!(
        get("acme/fine", "acme%2Fapi").status,
        200,
        "read_packages is in its policies"
    );
    let deploy = gate.authorize("POST", "/deploy", &claims("acme/fine"), NOW);
    assert_eq!(
        (deploy.status, deploy.reason),
        (403, "permission_not_granted")
    );
    assert_eq!(get("nowhere/x", "acme%2Fapi").reason, "unknown_project");
    assert_eq!(
        gate.authorize("GET", "/nope", &claims("acme/ci"), NOW)
            .status,
        404
    );
}

#[test]
fn claims_are_checked_with_the_skew() {
    let gate = gate(json!({}));
    let path = "/projects/acme%2Fapi/packages/p";
    let status = |c: Value| gate.authorize("GET", path, &c, NOW);
    let base = claims("acme/ci");
    for (key, v, why) in [
        ("iss", json!("https://evil.example.com"), "wrong issuer"),
        ("aud", json!("https://other.example.com"), "wrong audience"),
        ("aud", json!(["a", "b"]), "audience not in list"),
        ("exp", json!(NOW - 61.0), "expired beyond skew"),
        ("exp", json!(null), "no exp"),
        ("exp", json!("soon"), "exp not a number"),
        ("nbf", json!(NOW + 61.0), "not yet valid"),
        ("iat", json!(NOW + 61.0), "issued in the future"),
        ("project_path", json!(null), "no project"),
    ] {
        let answer = status(with(base.clone(), key, v));
        assert_eq!(
            (answer.status, answer.reason),
            (401, "invalid_token"),
            "{why}"
        );
    }
    assert_eq!(
        status(with(
            base.clone(),
            "aud",
            json!(["x", "https://artifacts.example.com"])
        ))
        .status,
        200
    );
    assert_eq!(
        status(with(base.clone(), "exp", json!(NOW - 59.0))).status,
        200,
        "within skew"
    );
    assert_eq!(status(value(json!(["not", "an", "object"]))).status, 401);
}

#[test]
fn requirements_on_ref_and_pipeline() {
    let gate = gate(
        json!({ "require": { "refProtected": true, "refType": "branch", "refs": ["main"], "environments": ["production"], "pipelineSources": ["push"] } }),
    );
    let path = "/projects/acme%2Fapi/packages/p";
    let base = with(claims("acme/ci"), "environment", json!("production"));
    assert_eq!(gate.authorize("GET", path, &base, NOW).status, 200);
    for (key, v) in [
        ("ref_protected", json!("false")),
        ("ref_type", json!("tag")),
        ("ref", json!("dev")),
        ("environment", json!(null)),
        ("pipeline_source", json!("web")),
    ] {
        let answer = gate.authorize("GET", path, &with(base.clone(), key, v), NOW);
        assert_eq!(
            (answer.status, answer.reason),
            (403, "requirement_not_met"),
            "{key}"
        );
    }
}

#[test]
fn headers_accept_only_rs256_and_es256() {
    let gate = gate(json!({}));
    let accepted = gate
        .check_header(&value(json!({ "alg": "ES256", "kid": "k1", "typ": "JWT" })))
        .unwrap();
    assert_eq!(
        (accepted.alg, accepted.kid.as_deref()),
        ("ES256", Some("k1"))
    );
    for header in [
        json!({ "alg": "none" }),
        json!({ "alg": "HS256" }),
        json!({ "kid": "k" }),
        json!({ "alg": "RS256", "kid": 5 }),
        json!("RS256"),
    ] {
        assert_eq!(
            gate.check_header(&value(header.clone()))
                .unwrap_err()
                .status,
            401,
            "{header}"
        );
    }
}

#[test]
fn bad_configs_say_where() {
    let bad = |extra: serde_json::Value| {
        let mut config = json!({ "issuer": "i", "audience": "a", "world": { "projects": [] }, "routes": [ { "method": "GET", "path": "/:target" } ] });
        for (key, v) in extra.as_object().unwrap() {
            config[key] = v.clone();
        }
        crate::parse::<Gate, _>(config).unwrap_err().to_string()
    };
    assert!(bad(json!({ "routes": [] })).starts_with("routes: "));
    assert!(
        bad(json!({ "routes": [ { "method": "GET", "path": "/x" } ] })).starts_with("routes[0]: ")
    );
    assert!(
        bad(json!({ "routes": [ { "method": "GET", "path": "/:target/*/x" } ] }))
            .starts_with("routes[0].path: ")
    );
    assert!(bad(
        json!({ "routes": [ { "method": "GET", "path": "/:target", "permission": "read_all" } ] })
    )
    .starts_with("routes[0].permission: "));
    assert!(bad(json!({ "clockSkewSeconds": 100000 })).starts_with("clockSkewSeconds: "));
    assert!(bad(json!({ "world": { "projects": [ { "path": "x" } ] } }))
        .starts_with("world.projects[0].path: "));
    assert!(bad(json!({ "jwks": {} })).starts_with("jwks: unknown field"));
}

#[test]
fn a_gate_from_a_snapshot_answers_as_the_gate_from_its_world() {
    let with_world = gate(json!({}));
    let (bytes, rest) = snapshot_of(&config(json!({})));
    let with_policy = gate_from_snapshot(&rest, &bytes).unwrap();
    let paths = [
        "/projects/acme%2Fapi/packages/p",
        "/projects/ACME%2FApi/packages/p",
        "/projects/acme%2Fci/packages/p",
        "/projects/nowhere%2Fx/packages/p",
        "/deploy",
        "/nope",
    ];
    let projects = [
        "acme/ci",
        "acme/tools/deploy",
        "other/x",
        "acme/fine",
        "nowhere/x",
        "ACME/CI",
    ];
    for method in ["GET", "POST", "PUT"] {
        for path in paths {
            let (a, b) = (
                with_world.route(method, path),
                with_policy.route(method, path),
            );
            assert_eq!(a.is_some(), b.is_some(), "{method} {path}");
            if let (Some((_, a)), Some((_, b))) = (a, b) {
                assert_eq!((&a.target, a.segment), (&b.target, b.segment));
                assert_eq!(
                    with_world.spelling(&a.target),
                    with_policy.spelling(&b.target)
                );
            }
            for project in projects {
                let c = claims(project);
                assert_eq!(
                    with_world.authorize(method, path, &c, NOW),
                    with_policy.authorize(method, path, &c, NOW),
                    "{method} {path} from {project}"
                );
            }
        }
    }
}

#[test]
fn world_or_policy_exactly_one() {
    let full = config(json!({}));
    let (bytes, rest) = snapshot_of(&full);
    let both = gate_from_snapshot(&full, &bytes).unwrap_err();
    assert_eq!(both.code(), crate::ErrorCode::InvalidInput);
    assert!(
        both.message().contains("`world` or `policy`") && both.message().contains("not both"),
        "{both}"
    );
    let neither = crate::parse::<Gate, _>(rest.clone()).unwrap_err();
    assert_eq!(neither.code(), crate::ErrorCode::InvalidInput);
    assert!(
        neither.message().contains("needs `world`") && neither.message().contains("`policy`"),
        "{neither}"
    );
    // A `world` of null is no world (as JS's undefined): the snapshot is the world.
    let mut null_world = rest.clone();
    null_world["world"] = serde_json::Value::Null;
    assert!(gate_from_snapshot(&null_world, &bytes).is_ok());
}

#[test]
fn a_bad_snapshot_is_refused_at_policy() {
    let (bytes, rest) = snapshot_of(&config(json!({})));
    let mut changed = bytes.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    let cases: [(&str, &[u8]); 4] = [
        ("cut", &bytes[..bytes.len() - 4]),
        ("changed", &changed),
        ("empty", &[]),
        ("not a snapshot", b"{\"version\": \"18.3\"}"),
    ];
    for (what, bad) in cases {
        let error = gate_from_snapshot(&rest, bad).unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::InvalidInput, "{what}");
        assert_eq!(error.path(), "policy", "{what}");
        assert!(
            error
                .to_string()
                .starts_with("policy: not a snapshot this build can read: "),
            "{what}: {error}"
        );
        assert!(error.to_string().len() <= crate::error::MAX_ERROR_TEXT);
    }
    // The rest of the config is still checked.
    let mut no_routes = rest.clone();
    no_routes["routes"] = json!([]);
    let error = gate_from_snapshot(&no_routes, &bytes).unwrap_err();
    assert_eq!(error.path(), "routes");
}
