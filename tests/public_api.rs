//! No panic is reachable from the public Rust API: every public function is called with forged
//! input — names and paths of every kind, positions past the end, permissions by any index, JSON of
//! any shape for every input type — over generated worlds. A query can only be made by a world, so
//! a position from one world cannot reach another's rules.

mod support;

use job_token_scope::azure::{AzureConfig, AzurePipeline, AzureResource};
use job_token_scope::gate::Gate;
use job_token_scope::gitlab::version::Version;
use job_token_scope::gitlab::{
    AuthLog, AuthLogEntry, EditInput, Permission, PlanOptions, PlanStrategy, RequestInput,
    WorldInput,
};
use job_token_scope::value::{FromValue, Path, Value};
use job_token_scope::{parse, Error};
use proptest::prelude::*;
use serde_json::{json, Value as Json};
use support::worlds::{compile, world, PROJECTS};

/// Strings a caller could pass: the world's paths in odd spellings, near misses, empty, slashes,
/// whitespace, non-ASCII, long.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(PROJECTS).prop_map(str::to_owned),
        prop::sample::select(PROJECTS).prop_map(|p| format!(" /{}/ ", p.to_uppercase())),
        prop::sample::select(
            &[
                "",
                "/",
                "//",
                " ",
                "acme",
                "acme//api",
                "é/ü",
                "\u{3000}",
                "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6"
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-zA-Z/ ._-]{0,40}",
        "\\PC{0,12}",
    ]
}

/// Any JSON value, a few levels deep, with keys the inputs know and some they do not.
fn json_value() -> impl Strategy<Value = Json> {
    let key = prop::sample::select(
        &[
            "path",
            "projects",
            "groups",
            "inbound",
            "outbound",
            "enabled",
            "version",
            "users",
            "source",
            "target",
            "permission",
            "user",
            "action",
            "entry",
            "kind",
            "policies",
            "defaultPermissions",
            "visibility",
            "features",
            "organization",
            "project",
            "pipeline",
            "name",
            "repositories",
            "issuer",
            "audience",
            "routes",
            "method",
            "world",
            "fullPath",
            "ciJobTokenAuthLogs",
            "nodes",
            "originProject",
            "lastAuthorizedAt",
            "strategy",
            "limit",
            "x",
            "",
        ][..],
    )
    .prop_map(str::to_owned);
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<f64>().prop_map(|n| json!(n)),
        (-3i64..300).prop_map(|n| json!(n)),
        name().prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|fields| Json::Object(fields.into_iter().collect())),
        ]
    })
}

/// Reads `json` as `T`: an `Error` or a value, never a panic.
fn read<T: FromValue>(json: &Json) -> Result<T, Error> {
    parse::<T, _>(json.clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn a_world_answers_any_forged_question(
        input in world(),
        source in name(),
        target in name(),
        permission in prop::option::of(prop_oneof![
            prop::sample::select(Permission::all().map(Permission::name).collect::<Vec<_>>()).prop_map(str::to_owned),
            name(),
        ]),
        positions in (0usize..20, 0usize..20, prop::option::of(0usize..64)),
        limit in prop::option::of(0usize..300),
        edit in json_value(),
    ) {
        let world = compile(input);
        let (s, t, p) = positions;
        let _ = world.project_id(&source).map(|id| id.index());
        let _ = world.check_indices(s, t, p);
        let _ = world.check_indices(usize::MAX, usize::MAX, Some(usize::MAX));
        if let Some(query) = world.query_by_index(s, t, p.and_then(Permission::from_index)) {
            prop_assert!(s < world.projects().len() && t < world.projects().len());
            let decision = query.explain();
            prop_assert_eq!(query.check(), decision.allowed);
            prop_assert_eq!(query.clone().with_user(source.clone()).source(), query.source());
            let verdict = query.verdict();
            prop_assert_eq!(verdict.reason.as_str(), decision.reason);
            let _ = format!("{query:?}");
        }
        let _ = world.check_paths(&source, &target, permission.as_deref());
        let request = RequestInput { source: source.clone(), target: target.clone(), permission: permission.clone(), user: Some(target.clone()) };
        if let Ok(query) = world.query(&request) {
            let _ = query.explain();
        }
        let _ = world.resolve_scope(&source);
        let _ = world.compact(&target, limit);
        // Plans of forged logs: names of every kind, each strategy, any limit.
        let log = AuthLog(vec![
            AuthLogEntry { source: source.clone(), target: target.clone(), last_authorized_at: None },
            AuthLogEntry { source: target.clone(), target: source.clone(), last_authorized_at: Some(source.clone()) },
        ]);
        for strategy in [PlanStrategy::LeastPrivilege, PlanStrategy::Gitlab] {
            let options = PlanOptions { projects: None, strategy, limit };
            let _ = world.plan_enforcement(&log, &options);
            let options = PlanOptions { projects: Some(vec![source.clone(), target.clone()]), strategy, limit: limit.map(|l| l * 1_000_000) };
            let _ = world.plan_enforcement(&log, &options);
        }
        let _ = world.validate();
        if let Ok(edit) = read::<EditInput>(&edit) {
            let _ = world.check_edit(&edit);
        }
        for action in ["add", "remove", "enable", "disable", "setPolicies"] {
            let edit = json!({ "user": source, "project": target, "action": action, "entry": source, "policies": [target] });
            if let Ok(edit) = read::<EditInput>(&edit) {
                let _ = world.check_edit(&edit);
            }
        }
    }

    #[test]
    fn any_json_is_read_or_refused_as_every_input(value in json_value(), text in name(), index in any::<usize>()) {
        if let Ok(input) = read::<WorldInput>(&value) {
            if let Ok(world) = job_token_scope::gitlab::World::from_input(input) {
                let _ = world.validate();
            }
        }
        let _ = read::<RequestInput>(&value);
        let _ = read::<EditInput>(&value);
        let _ = read::<AuthLog>(&value);
        let _ = read::<PlanOptions>(&value);
        if let Ok(config) = read::<AzureConfig>(&value) {
            if let Ok(pipeline) = AzurePipeline::from_config(config) {
                let _ = pipeline.resolve_scope();
                let _ = pipeline.validate();
                if let Ok(resource) = read::<AzureResource>(&value) {
                    let _ = pipeline.check_access(&resource);
                }
            }
        }
        let _ = read::<Gate>(&value);
        let _ = Version::parse(&text, "version");
        let _ = Permission::from_name(&text);
        let _ = Permission::from_index(index);
        let error = Error::invalid(text.repeat(200), text.repeat(300));
        prop_assert!(error.path().len() <= 1100 && error.message().len() <= 1100);
    }

    #[test]
    fn a_gate_answers_any_forged_request(method in name(), path in name(), claims in json_value(), now in any::<f64>()) {
        let gate: Gate = parse(json!({
            "issuer": "https://gitlab.example.com",
            "audience": "https://registry.example.com",
            "world": { "version": "18.3", "projects": [{ "path": "acme/ci" }, { "path": "acme/api", "inbound": { "projects": ["acme/ci"] } }] },
            "routes": [{ "method": "GET", "path": "/projects/:target/packages/*", "permission": "read_packages" }],
        })).unwrap();
        let _ = gate.route(&method, &path);
        let _ = gate.spelling(&path);
        let value: Value = serde_json::from_value(claims).unwrap();
        let _ = gate.check_header(&value);
        let _ = gate.authorize(&method, &format!("/projects/{path}/packages/x"), &value, now);
        let _ = Path::ROOT;
    }
}
