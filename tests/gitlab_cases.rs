//! Runs every rule table in `tests/cases/gitlab/` against the native engine. The Node suite
//! (`tests/js/cases.test.mjs`) runs the same files against the built package.

mod support;

use job_token_scope::gitlab::{EditInput, RequestInput, World, WorldInput};
use job_token_scope::{parse, Decision, Error};
use serde_json::{json, Map, Value};
use support::tables::{compare_error, operation, run_tables, sorted_problems};

fn world_of(file: &Value, case: &Value) -> Value {
    let mut world = case
        .get("world")
        .or(file.get("world"))
        .cloned()
        .unwrap_or(Value::Null);
    if let (Some(version), Some(obj)) = (case.get("version"), world.as_object_mut()) {
        obj.insert("version".into(), version.clone());
    }
    world
}

fn compile(world: Value) -> Result<World, Error> {
    World::from_input(parse::<WorldInput, _>(world)?)
}

/// Runs one case; `Ok(actual)` is compared with `expect`, `Err` is a thrown error.
fn run(world: Value, case: &Value) -> Result<Value, Error> {
    let world = compile(world)?;
    match operation(case, &["request", "edit", "validate", "scope", "compact"]) {
        "request" => {
            let request: RequestInput = parse(case["request"].clone())?;
            let query = world.query(&request)?;
            let decision = world.explain(&query);
            // check() and explain() must agree: they are one decision procedure.
            assert_eq!(
                world.check(&query),
                decision.allowed,
                "check disagrees with explain"
            );
            if request.user.is_none() {
                let fast = world.check_paths(
                    &request.source,
                    &request.target,
                    request.permission.as_deref(),
                )?;
                assert_eq!(fast, decision.allowed, "check_paths disagrees with explain");
            }
            Ok(decision_json(&decision))
        }
        "edit" => {
            let edit: EditInput = parse(case["edit"].clone())?;
            Ok(decision_json(&world.check_edit(&edit)?))
        }
        "validate" => {
            let problems = world.validate();
            Ok(
                json!({ "problems": problems.iter().map(|p| json!({"code": p.code, "path": p.path})).collect::<Vec<_>>() }),
            )
        }
        "scope" => {
            let project = case["scope"].as_str().expect("scope names a project");
            let scope = world.resolve_scope(project)?;
            let pairs = |list: &[job_token_scope::gitlab::Reach]| {
                list.iter()
                    .map(|r| json!([r.project, r.reason]))
                    .collect::<Vec<_>>()
            };
            Ok(json!({
                "reachable": pairs(&scope.reachable),
                "reachableBy": pairs(&scope.reachable_by),
                "inboundEnforced": scope.inbound_enforced,
                "entries": scope.entries,
                "limit": scope.limit,
                "groupEntries": scope.group_entries,
                "groupLimit": scope.group_limit,
            }))
        }
        "compact" => {
            let spec = &case["compact"];
            let project = spec["project"].as_str().expect("compact.project");
            let limit = spec
                .get("limit")
                .and_then(Value::as_u64)
                .map(|n| n as usize);
            let out = world.compact(project, limit)?;
            let sorted = |entries: &[job_token_scope::gitlab::CompactEntry]| {
                let mut paths: Vec<String> = entries.iter().map(|e| e.path.clone()).collect();
                paths.sort();
                paths
            };
            let admits: Map<String, Value> = out
                .admits_also
                .0
                .iter()
                .map(|(group, projects)| {
                    let mut projects = projects.clone();
                    projects.sort();
                    (group.clone(), json!(projects))
                })
                .collect();
            Ok(
                json!({ "projects": sorted(&out.projects), "groups": sorted(&out.groups), "admitsAlso": admits }),
            )
        }
        _ => unreachable!(),
    }
}

fn decision_json(decision: &Decision) -> Value {
    json!({
        "allowed": decision.allowed,
        "reason": decision.reason,
        "message": decision.message,
        "trace": decision.trace.iter().map(|s| json!([s.step, s.outcome])).collect::<Vec<_>>(),
    })
}

/// A list of strings, or an object of lists, with every list sorted.
fn sorted_lists(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items = items.clone();
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), sorted_lists(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Compares the keys `expect` gives; returns what differs.
fn compare(expect: &Value, got: &Result<Value, Error>) -> Option<String> {
    let Ok(got) = got else {
        return compare_error(expect, got);
    };
    if expect.get("error").is_some() {
        return compare_error(expect, &Ok(got.clone()));
    }
    let mut diffs = Vec::new();
    for (key, want) in expect.as_object().expect("expect is an object") {
        let have = &got[key.as_str()];
        let same = match key.as_str() {
            "problems" => sorted_problems(want) == sorted_problems(have),
            // Compaction output is compared as sets: order carries no meaning.
            "projects" | "groups" | "admitsAlso" => sorted_lists(want) == *have,
            _ => want == have,
        };
        if !same {
            diffs.push(format!("{key}: expected {want}, got {have}"));
        }
    }
    if diffs.is_empty() {
        return None;
    }
    let context = got
        .get("message")
        .map(|m| format!(" (message: {m})"))
        .unwrap_or_default();
    Some(format!("{}{context}", diffs.join("; ")))
}

#[test]
fn gitlab_rule_tables() {
    run_tables("gitlab", |table, case| {
        compare(&case["expect"], &run(world_of(table, case), case))
    });
}
