//! Runs every rule table in `tests/cases/azure/` against the native engine. The Node suite
//! (`tests/js/cases.test.mjs`) runs the same files against the built package.

mod support;

use job_token_scope::azure::{AzureConfig, AzurePipeline, AzureResource};
use job_token_scope::{parse, Decision, Error};
use serde_json::{json, Value};
use support::tables::{compare_error, operation, run_tables, sorted_problems};

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
    let pipeline = pipeline(config)?;
    match operation(case, &["scope", "resource", "validate"]) {
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

fn compare(expect: &Value, got: &Result<Value, Error>) -> Option<String> {
    let Ok(got) = got else {
        return compare_error(expect, got);
    };
    if expect.get("error").is_some() {
        return compare_error(expect, &Ok(got.clone()));
    }
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

#[test]
fn azure_rule_tables() {
    run_tables("azure", |table, case| {
        compare(&case["expect"], &run(config_of(table, case), case))
    });
}
