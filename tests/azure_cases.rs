//! Runs every rule table in `tests/cases/azure/` against the native engine. The Node suite
//! (`tests/js/cases.test.mjs`) runs the same files against the built package.

use std::fs;
use std::path::Path;

use job_token_scope::azure::{AzureConfig, AzurePipeline, AzureResource};
use job_token_scope::{parse, Decision, Error};
use serde_json::{json, Value};

/// Objects merge key by key; anything else replaces.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

fn config_of(file: &Value, case: &Value) -> Value {
    let mut config = case
        .get("config")
        .or(file.get("config"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(patch) = case.get("patch") {
        merge(&mut config, patch);
    }
    config
}

fn pipeline(config: Value) -> Result<AzurePipeline, Error> {
    AzurePipeline::from_config(parse::<AzureConfig, _>(config)?)
}

fn trace_pairs(trace: &[job_token_scope::TraceStep]) -> Value {
    json!(trace
        .iter()
        .map(|s| json!([s.step, s.outcome]))
        .collect::<Vec<_>>())
}

fn run(config: Value, case: &Value) -> Result<Value, Error> {
    let ops: Vec<&str> = ["scope", "resource", "validate"]
        .into_iter()
        .filter(|op| case.get(*op).is_some())
        .collect();
    assert_eq!(
        ops.len(),
        1,
        "a case needs exactly one operation, got {ops:?}"
    );
    let pipeline = pipeline(config)?;
    match ops[0] {
        "scope" => {
            let scope = pipeline.resolve_scope();
            let mut value = serde_json::to_value(&scope).unwrap();
            value["trace"] = trace_pairs(&scope.trace);
            Ok(value)
        }
        "resource" => {
            let resource: AzureResource = parse(case["resource"].clone())?;
            let decision: Decision = pipeline.check_access(&resource);
            Ok(
                json!({ "allowed": decision.allowed, "reason": decision.reason, "message": decision.message, "trace": trace_pairs(&decision.trace) }),
            )
        }
        "validate" => {
            let problems: Vec<Value> = pipeline
                .validate()
                .iter()
                .map(|p| json!({ "code": p.code, "path": p.path }))
                .collect();
            Ok(json!({ "problems": problems }))
        }
        _ => unreachable!(),
    }
}

fn sorted_problems(value: &Value) -> Vec<String> {
    let mut list: Vec<String> = value
        .as_array()
        .expect("problems is a list")
        .iter()
        .map(|p| format!("{} at {}", p["code"], p["path"]))
        .collect();
    list.sort();
    list
}

fn compare(expect: &Value, got: &Result<Value, Error>) -> Option<String> {
    match (expect.get("error"), got) {
        (Some(code), Err(err)) if code == err.code.as_str() => {
            let path = expect.get("errorPath").and_then(Value::as_str)?;
            (!err.to_string().starts_with(&format!("{path}: ")))
                .then(|| format!("error \"{err}\" does not start with \"{path}: \""))
        }
        (Some(code), Err(err)) => Some(format!(
            "threw {} ({err}), expected {code}",
            err.code.as_str()
        )),
        (Some(code), Ok(v)) => Some(format!("expected error {code}, got {v}")),
        (None, Err(err)) => Some(format!("threw {} ({err})", err.code.as_str())),
        (None, Ok(got)) => {
            let diffs: Vec<String> = expect
                .as_object()
                .expect("expect is an object")
                .iter()
                .filter(|(key, want)| match key.as_str() {
                    "problems" => sorted_problems(want) != sorted_problems(&got[key.as_str()]),
                    _ => **want != got[key.as_str()],
                })
                .map(|(key, want)| format!("{key}: expected {want}, got {}", got[key.as_str()]))
                .collect();
            (!diffs.is_empty()).then(|| diffs.join("; "))
        }
    }
}

#[test]
fn azure_rule_tables() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/azure");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("tests/cases/azure exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut ran, mut failures) = (0, Vec::new());
    for file in &files {
        let table: Value = serde_json::from_str(&fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for case in table["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no cases"))
        {
            let got = run(config_of(&table, case), case);
            if let Some(diff) = compare(&case["expect"], &got) {
                failures.push(format!(
                    "{name} / {}: {diff}",
                    case["name"].as_str().unwrap_or("(unnamed)")
                ));
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
    eprintln!("{ran} Azure cases passed");
}
