//! Runs every rule table in `tests/cases/gitlab/` against the native engine. The Node suite
//! (`tests/js/cases.test.mjs`) runs the same files against the built package.

use std::fs;
use std::path::Path;

use job_token_scope::gitlab::{EditInput, RequestInput, World, WorldInput};
use job_token_scope::{parse, Decision, Error};
use serde_json::{json, Map, Value};

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
    let ops: Vec<&str> = ["request", "edit", "validate", "scope", "compact"]
        .into_iter()
        .filter(|op| case.get(*op).is_some())
        .collect();
    assert_eq!(
        ops.len(),
        1,
        "a case needs exactly one operation, got {ops:?}"
    );
    let world_value = world;
    match ops[0] {
        "request" => {
            let world = compile(world_value)?;
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
            let world = compile(world_value)?;
            let edit: EditInput = parse(case["edit"].clone())?;
            Ok(decision_json(&world.check_edit(&edit)?))
        }
        "validate" => {
            let problems = compile(world_value)?.validate();
            Ok(
                json!({ "problems": problems.iter().map(|p| json!({"code": p.code, "path": p.path})).collect::<Vec<_>>() }),
            )
        }
        "scope" => {
            let world = compile(world_value)?;
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
            }))
        }
        "compact" => {
            let world = compile(world_value)?;
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

fn sorted_problems(value: &Value) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = value
        .as_array()
        .expect("problems is a list")
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap().to_owned(),
                p["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    list.sort();
    list
}

/// Compares the keys `expect` gives; returns what differs.
fn compare(expect: &Value, got: &Result<Value, Error>) -> Option<String> {
    match (expect.get("error"), got) {
        (Some(code), Err(err)) => {
            if code != err.code.as_str() {
                return Some(format!(
                    "threw {} ({err}), expected {code}",
                    err.code.as_str()
                ));
            }
            if let Some(path) = expect.get("errorPath").and_then(Value::as_str) {
                if !err.to_string().starts_with(&format!("{path}: ")) {
                    return Some(format!("error \"{err}\" does not start with \"{path}: \""));
                }
            }
            None
        }
        (Some(code), Ok(v)) => Some(format!("expected error {code}, got {v}")),
        (None, Err(err)) => Some(format!("threw {} ({err})", err.code.as_str())),
        (None, Ok(got)) => {
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
                None
            } else {
                let context = got
                    .get("message")
                    .map(|m| format!(" (message: {m})"))
                    .unwrap_or_default();
                Some(format!("{}{context}", diffs.join("; ")))
            }
        }
    }
}

#[test]
fn gitlab_rule_tables() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/gitlab");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("tests/cases/gitlab exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut ran = 0;
    let mut failures = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let table: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for case in table["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no cases"))
        {
            let case_name = case["name"].as_str().unwrap_or("(unnamed)");
            let got = run(world_of(&table, case), case);
            if let Some(diff) = compare(&case["expect"], &got) {
                failures.push(format!("{name} / {case_name}: {diff}"));
            }
            ran += 1;
        }
    }
    assert!(ran > 0, "no cases found in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{ran} GitLab cases passed");
}
