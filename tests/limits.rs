//! The input limits on the native path (serde → `Value` → readers), the same as the JS conversion's:
//! nesting deeper than 32 levels, strings over 1 MiB, arrays and objects over 200,000 items, paths of
//! more than 32 segments, and over 128 MiB of implied group paths are refused with an `invalid_input`
//! error naming the limit; a repeated key keeps its last value at its first place (as `JSON.parse`); and
//! a 100,000-project world compiles and answers (not timed here: see notes/guarantees.md).

use job_token_scope::gitlab::input::{InboundInput, OutboundInput, ProjectInput, Visibility};
use job_token_scope::gitlab::{RequestInput, World, WorldInput};
use job_token_scope::value::{Value, MAX_DEPTH, MAX_ITEMS, MAX_STRING};
use job_token_scope::{parse, Error, ErrorCode};
use serde_json::json;

fn world(json: serde_json::Value) -> Result<World, Error> {
    World::from_input(parse::<WorldInput, _>(json)?)
}

fn invalid(result: Result<World, Error>, path: &str, says: &str) {
    let error = result.expect_err("must be refused");
    assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
    assert_eq!(error.path(), path, "{error}");
    assert!(error.message().contains(says), "{error}");
}

fn project(path: String) -> ProjectInput {
    ProjectInput {
        path,
        visibility: Visibility::Private,
        features: Default::default(),
        inbound: InboundInput::default(),
        outbound: OutboundInput::default(),
    }
}

/// How deep a value goes before it ends (or is refused).
fn depth<'v>(value: &'v Value<'v>) -> (usize, &'v Value<'v>) {
    match value {
        Value::Array(items) if items.len() == 1 => {
            let (d, end) = depth(&items[0]);
            (d + 1, end)
        }
        other => (0, other),
    }
}

#[test]
fn nesting_past_32_levels_is_refused_natively_too() {
    // From text: 100 levels (under serde_json's own recursion limit of 128).
    let text = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let value: Value = serde_json::from_str(&text).unwrap();
    let (levels, end) = depth(&value);
    assert_eq!(levels, MAX_DEPTH);
    assert_eq!(
        end.kind(),
        "a value nested deeper than 32 levels (the limit)"
    );
    // From a serde_json::Value built in memory, deeper than serde_json would parse.
    let mut deep = json!(1);
    for _ in 0..1_000 {
        deep = json!([deep]);
    }
    let value: Value = parse(deep).unwrap();
    assert_eq!(depth(&value).0, MAX_DEPTH);
    // 10,000 levels of text: serde_json's recursion limit answers first, as invalid_input.
    let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let error = serde_json::from_str::<serde_json::Value>(&text).unwrap_err();
    assert!(error.to_string().contains("recursion limit"), "{error}");
    let mut de = serde_json::Deserializer::from_str(&text);
    let error = parse::<WorldInput, _>(&mut de).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    // Where a shape is read, the shape's own error comes first.
    invalid(
        world(json!({ "projects": [[[[[[["deep"]]]]]]] })),
        "projects[0]",
        "found an array",
    );
}

#[test]
fn strings_over_1_mib_are_refused() {
    let long = format!("acme/{}", "a".repeat(MAX_STRING));
    invalid(
        world(json!({ "projects": [{ "path": long }] })),
        "projects[0].path",
        "a string longer than 1 MiB (the limit)",
    );
    let at_limit = format!("acme/{}", "a".repeat(MAX_STRING - 5));
    assert!(world(json!({ "projects": [{ "path": at_limit }] })).is_ok());
    let key = "k".repeat(MAX_STRING + 1);
    let mut object = serde_json::Map::new();
    object.insert(key, json!(1));
    object.insert("projects".into(), json!([]));
    invalid(
        world(serde_json::Value::Object(object)),
        "",
        "a key longer than 1 MiB",
    );
}

#[test]
fn lists_and_objects_over_200000_items_are_refused() {
    let entries: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("acme/p{i}")).collect();
    invalid(
        world(json!({ "projects": [{ "path": "acme/api", "inbound": { "projects": entries } }] })),
        "projects[0].inbound.projects",
        "an array of more than 200000 items (the limit)",
    );
    let users: serde_json::Map<String, serde_json::Value> = (0..=MAX_ITEMS)
        .map(|i| (format!("user{i}"), json!({})))
        .collect();
    invalid(
        world(json!({ "projects": [], "users": users })),
        "users",
        "an object with more than 200000 keys (the limit)",
    );
    // At the limit: read (then validation says the allowlist is over GitLab's 200).
    let entries: Vec<String> = (0..MAX_ITEMS).map(|i| format!("acme/p{i}")).collect();
    let w =
        world(json!({ "projects": [{ "path": "acme/api", "inbound": { "projects": entries } }] }))
            .unwrap();
    assert!(w
        .validate()
        .iter()
        .any(|p| p.code == "allowlist_limit_exceeded"));
}

#[test]
fn a_repeated_key_keeps_its_last_value_at_its_first_place() {
    let value: Value = serde_json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
    assert_eq!(
        value,
        Value::Object(vec![
            ("a".into(), Value::Number(3.0)),
            ("b".into(), Value::Number(2.0)),
        ])
    );
    let request: RequestInput = parse(&mut serde_json::Deserializer::from_str(
        r#"{"source": "acme/nope", "target": "acme/api", "source": "acme/ci"}"#,
    ))
    .unwrap();
    assert_eq!(request.source, "acme/ci");
    // 200,000 distinct keys read in linear time (a scan per key was quadratic).
    let text = format!(
        "{{{}}}",
        (0..MAX_ITEMS)
            .map(|i| format!("\"k{i}\": {i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let Value::Object(fields) = serde_json::from_str::<Value>(&text).unwrap() else {
        panic!("an object")
    };
    assert_eq!(fields.len(), MAX_ITEMS);
}

#[test]
fn paths_of_more_than_32_segments_are_refused() {
    let deep: Vec<String> = (0..33).map(|i| format!("s{i}")).collect();
    invalid(
        world(json!({ "projects": [{ "path": deep.join("/") }] })),
        "projects[0].path",
        "a path of more than 32 segments (the limit)",
    );
    invalid(
        world(
            json!({ "projects": [{ "path": "acme/api", "inbound": { "groups": [deep.join("/")] } }] }),
        ),
        "projects[0].inbound.groups[0]",
        "32 segments",
    );
    invalid(
        world(json!({ "projects": [], "users": { "alice": { deep.join("/"): "guest" } } })),
        &format!("users.alice.{}", deep.join("/")),
        "32 segments",
    );
    assert!(world(json!({ "projects": [{ "path": deep[..32].join("/") }] })).is_ok());
    // Half a million segments in one 1 MiB path: refused at once, not walked.
    invalid(
        world(json!({ "projects": [{ "path": "a/".repeat(MAX_STRING / 2) }] })),
        "projects[0].path",
        "32 segments",
    );
}

#[test]
fn implied_groups_over_128_mib_are_refused() {
    // 31 segments of 32 KiB: each project implies ~15.5 MiB of group paths; the ninth passes 128 MiB.
    let projects: Vec<ProjectInput> = (0..12)
        .map(|p| {
            let segments: Vec<String> = (0..31)
                .map(|s| format!("{p}-{s}-{}", "g".repeat(32 << 10)))
                .collect();
            project(format!("{}/x", segments.join("/")))
        })
        .collect();
    let error = World::from_input(WorldInput {
        version: None,
        instance: None,
        groups: Vec::new(),
        projects,
        users: Vec::new(),
    })
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(
        error.message().contains("more than 128 MiB (the limit)"),
        "{error}"
    );
    assert!(error.path().starts_with("projects["), "{error}");
}

#[test]
fn a_100000_project_world_compiles_and_answers() {
    let mut projects: Vec<ProjectInput> = (0..100_000)
        .map(|i| project(format!("org{}/team{}/p{i}", i % 100, i % 1000)))
        .collect();
    projects[0].inbound.projects = (1..=200)
        .map(|i| job_token_scope::gitlab::input::EntryInput {
            path: format!("org{}/team{}/p{i}", i % 100, i % 1000),
            default_permissions: true,
            policies: Vec::new(),
        })
        .collect();
    let world = World::from_input(WorldInput {
        version: Some(job_token_scope::gitlab::input::VersionText("17.5".into())),
        instance: None,
        groups: Vec::new(),
        projects,
        users: Vec::new(),
    })
    .unwrap();
    assert!(world
        .check_paths("org1/team1/p1", "org0/team0/p0", None)
        .unwrap());
    assert!(!world
        .check_paths("org1/team1/p1001", "org0/team0/p0", None)
        .unwrap());
    let scope = world.resolve_scope("org0/team0/p0").unwrap();
    assert_eq!(scope.reachable_by.len(), 200);
    assert!(world.validate().is_empty());
}
