//! Runs the rule tables in `tests/cases/azure/` against the native engine, one `#[test]` per file
//! (`cargo test --test azure_cases -- --exact access`). The Node suite
//! (`tests/js/azure_cases.test.mjs`) runs the same files against the built package; the cases of the
//! package's JavaScript (`matrix`, `whatif`, `import`) are read here as strictly, and run there. Format:
//! `tests/cases/azure/README.md`; a key it does not describe fails the case.

mod support;

use job_token_scope::azure::{AzureConfig, AzurePipeline, AzureResource};
use job_token_scope::{parse, Decision, Error};
use serde::Deserialize;
use serde_json::{json, Value};
use support::tables::{
    compare_error, operation, present, run_table, sorted_problems, unknown_expect_keys, TableFile,
};

rule_tables!("azure", run_file;
    access,
    errors,
    identity,
    import,
    matrix,
    products,
    public_projects,
    repositories,
    scope_classic_build,
    scope_classic_release,
    scope_yaml,
    validate,
);

/// A file of `tests/cases/azure/`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// What the file covers.
    #[allow(dead_code)]
    about: String,
    /// The default config of its cases.
    #[serde(default, deserialize_with = "present")]
    config: Option<Value>,
    cases: Vec<Value>,
}

impl TableFile for Table {
    fn cases(&self) -> &[Value] {
        &self.cases
    }
}

/// One case: exactly one of `scope`, `resource`, `validate`, `matrix`, `whatif`, `import`; at most one
/// of `config`, `patch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    name: String,
    /// The Microsoft document (or REST spec) the case is taken from.
    #[allow(dead_code)]
    source: Option<String>,
    /// Replaces the file's config.
    #[serde(default, deserialize_with = "present")]
    config: Option<Value>,
    /// Deep-merged into the file's config.
    #[serde(default, deserialize_with = "present")]
    patch: Option<Value>,
    scope: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    resource: Option<Value>,
    validate: Option<bool>,
    /// `azureMatrix(config, matrix)`: the options. This and the two below are the package's
    /// JavaScript over the engine's answers (src/wasm/azure-matrix.js, azure-import.js): the Node runner
    /// runs them; they are read strictly here.
    #[serde(default, deserialize_with = "present")]
    matrix: Option<Value>,
    /// `azureWhatIf(config, merge(config, whatif.patch), whatif.options)`.
    #[allow(dead_code)]
    whatif: Option<WhatIf>,
    /// `importAzureSettings(import.file, import.options)`.
    #[allow(dead_code)]
    import: Option<Import>,
    /// Its shape depends on the operation: its keys are checked against [`expect_keys`].
    expect: Value,
}

/// A what-if: the draft is the case's config with `patch` merged in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct WhatIf {
    patch: Value,
    #[serde(default, deserialize_with = "present")]
    options: Option<Value>,
}

/// An import: the file as Azure DevOps answers it, and the options.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Import {
    file: Value,
    #[serde(default, deserialize_with = "present")]
    options: Option<Value>,
}

/// The keys `expect` may hold for an operation (tests/cases/azure/README.md).
fn expect_keys(op: &str) -> &'static [&'static str] {
    match op {
        "scope" => &[
            "scope",
            "identity",
            "identityExists",
            "repositories",
            "trace",
            "error",
            "errorPath",
        ],
        "resource" => &[
            "allowed",
            "reason",
            "message",
            "trace",
            "error",
            "errorPath",
        ],
        "validate" => &["problems", "error", "errorPath"],
        "matrix" => &["rows", "columns", "cells", "error", "errorPath"],
        "whatif" => &["columns", "flips", "error", "errorPath"],
        "import" => &["kind", "patch", "notes", "error", "errorPath"],
        _ => unreachable!(),
    }
}

impl Case {
    fn operation(&self) -> Result<&'static str, String> {
        if self.config.is_some() && self.patch.is_some() {
            return Err("a case has at most one of config and patch".into());
        }
        operation(&[
            ("scope", self.scope.is_some()),
            ("resource", self.resource.is_some()),
            ("validate", self.validate.is_some()),
            ("matrix", self.matrix.is_some()),
            ("whatif", self.whatif.is_some()),
            ("import", self.import.is_some()),
        ])
    }
}

fn run_file(stem: &str) {
    run_table("azure", stem, |table: &Table, case: &Case| {
        let op = match case.operation() {
            Ok(op) => op,
            Err(e) => return Some(e),
        };
        if let Some(e) = unknown_expect_keys(&case.expect, expect_keys(op)) {
            return Some(e);
        }
        if ["matrix", "whatif", "import"].contains(&op) {
            // JavaScript in the package (no rule of their own): tests/js/azure_cases.test.mjs runs them.
            return None;
        }
        compare(&case.expect, &run(config_of(table, case), op, case))
    });
}

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

fn config_of(table: &Table, case: &Case) -> Value {
    let mut config = case
        .config
        .as_ref()
        .or(table.config.as_ref())
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(patch) = &case.patch {
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

fn run(config: Value, op: &str, case: &Case) -> Result<Value, Error> {
    let pipeline = pipeline(config)?;
    match op {
        "scope" => {
            let scope = pipeline.resolve_scope();
            let mut value = serde_json::to_value(&scope).unwrap();
            value["trace"] = trace_pairs(&scope.trace);
            Ok(value)
        }
        "resource" => {
            let resource: AzureResource = parse(case.resource.clone().unwrap_or_default())?;
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

/// The reader's strictness, shown: a misspelled key fails, naming the file, the case and the key.
#[test]
fn a_misspelled_key_fails_naming_file_case_and_key() {
    use support::tables::{read_case, read_table};

    let raw = json!({ "name": "yaml scope", "pacth": {}, "scope": true, "expect": {} });
    let err = read_case::<Case>("azure/x.json", 0, &raw).err().unwrap();
    assert!(
        err.starts_with("azure/x.json / case \"yaml scope\": unknown field `pacth`"),
        "{err}"
    );
    let text = r#"{ "about": "", "confg": {}, "cases": [] }"#;
    let err = read_table::<Table>("azure/x.json", text).err().unwrap();
    assert!(
        err.starts_with("azure/x.json: unknown field `confg`"),
        "{err}"
    );
    let expect = json!({ "scope": "project", "identty": "x" });
    let err = unknown_expect_keys(&expect, expect_keys("scope")).unwrap();
    assert!(err.contains("identty"), "{err}");
}
