//! Runs the rule tables of one platform (`tests/cases/<platform>/*.json`) case by case, and the
//! comparisons both platforms' runners share. The Node suites read the same files.

use std::fs;
use std::path::Path;

use job_token_scope::Error;
use serde_json::Value;

/// Calls `check(table, case)` for every case of every table of `platform`; `check` returns what
/// differs from the case's `expect`. Fails with every difference at once.
pub fn run_tables(platform: &str, check: impl Fn(&Value, &Value) -> Option<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(platform);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut ran, mut failures) = (0, Vec::new());
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let table: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for case in table["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no cases"))
        {
            if let Some(diff) = check(&table, case) {
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
    eprintln!("{ran} {platform} cases passed");
}

/// Compares a thrown error with `expect.error` (the code) and `expect.errorPath` (where).
pub fn compare_error(expect: &Value, got: &Result<Value, Error>) -> Option<String> {
    match (expect.get("error"), got) {
        (Some(code), Err(err)) if code != err.code.as_str() => Some(format!(
            "threw {} ({err}), expected {code}",
            err.code.as_str()
        )),
        (Some(_), Err(err)) => {
            let path = expect.get("errorPath").and_then(Value::as_str)?;
            (!err.to_string().starts_with(&format!("{path}: ")))
                .then(|| format!("error \"{err}\" does not start with \"{path}: \""))
        }
        (Some(code), Ok(v)) => Some(format!("expected error {code}, got {v}")),
        (None, Err(err)) => Some(format!("threw {} ({err})", err.code.as_str())),
        (None, Ok(_)) => None,
    }
}

/// Problems as sorted `(code, path)` pairs: compared as a multiset.
pub fn sorted_problems(value: &Value) -> Vec<(String, String)> {
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

/// The one operation key a case holds, of those its platform knows.
pub fn operation<'a>(case: &Value, known: &[&'a str]) -> &'a str {
    let ops: Vec<&str> = known
        .iter()
        .copied()
        .filter(|op| case.get(*op).is_some())
        .collect();
    assert_eq!(
        ops.len(),
        1,
        "a case needs exactly one operation, got {ops:?}"
    );
    ops[0]
}
