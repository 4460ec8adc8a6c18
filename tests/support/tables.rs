//! Reads and runs the rule tables of one platform (`tests/cases/<platform>/*.json`), and the
//! comparisons both platforms' runners share. The Node suites read the same files.
//!
//! Tables are read strictly: each runner gives a typed file and case (`#[serde(deny_unknown_fields)]`),
//! so a misspelled key (`"verison"`) fails, naming the file, the case and the key, instead of being
//! ignored. Each runner lists its tables in [`rule_tables!`](crate::rule_tables): one `#[test]` per
//! file (`cargo test --test gitlab_cases -- --exact inbound`), and a test that every file is listed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use job_token_scope::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One `#[test]` per table file of `$platform`, each calling `$run("<file stem>")`, and the test
/// `every_table_file_has_a_test`, which fails when the directory holds a `.json` file this list
/// does not name (so a new table cannot be silently skipped).
#[macro_export]
macro_rules! rule_tables {
    ($platform:literal, $run:path; $($table:ident),+ $(,)?) => {
        /// The table files (stems) of this platform that have a test below.
        const TABLES: &[&str] = &[$(stringify!($table)),+];

        $(
            #[test]
            fn $table() {
                $run(stringify!($table));
            }
        )+

        #[test]
        fn every_table_file_has_a_test() {
            $crate::support::tables::assert_listed($platform, TABLES);
        }
    };
}

/// A table file's top level, typed by its runner: everything but `cases` is the runner's own.
pub trait TableFile: DeserializeOwned {
    /// The file's cases, still untyped: each is read on its own, so an error can name the case.
    fn cases(&self) -> &[Value];
}

/// For an optional key whose value may be anything, `null` included: present (even as `null`) is
/// `Some`, absent is `None` (with `#[serde(default, deserialize_with = "present")]`).
pub fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

fn dir(platform: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(platform)
}

/// The stems of the `.json` files in `tests/cases/<platform>/`, sorted.
pub fn table_files(platform: &str) -> BTreeSet<String> {
    let dir = dir(platform);
    fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Fails unless `listed` names exactly the `.json` files of `tests/cases/<platform>/`.
pub fn assert_listed(platform: &str, listed: &[&str]) {
    let files = table_files(platform);
    let listed: BTreeSet<String> = listed.iter().map(|s| s.to_string()).collect();
    let unlisted: Vec<_> = files.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&files).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "tests/cases/{platform}/: files without a test (add them to rule_tables!): {unlisted:?}; \
         tests without a file: {missing:?}"
    );
}

/// Reads a table file's text into its typed top level; the error names the file (and the key).
pub fn read_table<T: TableFile>(file: &str, text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("{file}: {e}"))
}

/// How a case is named in failures: `case "<name>"`, or its index when it has no name.
pub fn case_label(index: usize, raw: &Value) -> String {
    match raw.get("name").and_then(Value::as_str) {
        Some(name) => format!("case {name:?}"),
        None => format!("case #{index} (unnamed)"),
    }
}

/// Reads one case into its typed form; the error names the file, the case and the key.
pub fn read_case<C: DeserializeOwned>(file: &str, index: usize, raw: &Value) -> Result<C, String> {
    serde_json::from_value(raw.clone())
        .map_err(|e| format!("{file} / {}: {e}", case_label(index, raw)))
}

/// Reads `tests/cases/<platform>/<stem>.json` strictly and calls `check(table, case)` for every
/// case; `check` returns what differs from the case's `expect`. Fails with every difference (and
/// every case that cannot be read) at once, each prefixed with the file and the case.
pub fn run_table<T: TableFile, C: DeserializeOwned>(
    platform: &str,
    stem: &str,
    check: impl Fn(&T, &C) -> Option<String>,
) {
    let file = format!("{platform}/{stem}.json");
    let path = dir(platform).join(format!("{stem}.json"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let table: T = read_table(&file, &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(!table.cases().is_empty(), "{file}: no cases");
    let (mut names, mut failures) = (BTreeSet::new(), Vec::new());
    for (i, raw) in table.cases().iter().enumerate() {
        let label = case_label(i, raw);
        let case: C = match read_case(&file, i, raw) {
            Ok(case) => case,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if !names.insert(label.clone()) {
            failures.push(format!("{file} / {label}: duplicate case name"));
        }
        if let Some(diff) = check(&table, &case) {
            failures.push(format!("{file} / {label}: {diff}"));
        }
    }
    let ran = table.cases().len();
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{file}: {ran} cases passed");
}

/// The keys of `expect` (an object) that `known` does not name, as an error naming them.
pub fn unknown_expect_keys(expect: &Value, known: &[&str]) -> Option<String> {
    let Some(map) = expect.as_object() else {
        return Some(format!("expect is not an object: {expect}"));
    };
    let unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|key| !known.contains(key))
        .collect();
    (!unknown.is_empty()).then(|| {
        format!(
            "unknown key(s) in expect: {}; expected one of {}",
            unknown.join(", "),
            known.join(", ")
        )
    })
}

/// Compares a thrown error with `expect.error` (the code) and `expect.errorPath` (where).
pub fn compare_error(expect: &Value, got: &Result<Value, Error>) -> Option<String> {
    match (expect.get("error"), got) {
        (Some(code), Err(err)) if code != err.code().as_str() => Some(format!(
            "threw {} ({err}), expected {code}",
            err.code().as_str()
        )),
        (Some(_), Err(err)) => {
            let path = expect.get("errorPath").and_then(Value::as_str)?;
            (!err.to_string().starts_with(&format!("{path}: ")))
                .then(|| format!("error \"{err}\" does not start with \"{path}: \""))
        }
        (Some(code), Ok(v)) => Some(format!("expected error {code}, got {v}")),
        (None, Err(err)) => Some(format!("threw {} ({err})", err.code().as_str())),
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

/// The one operation a case holds: `ops` pairs each operation key with whether the case has it.
pub fn operation<'a>(ops: &[(&'a str, bool)]) -> Result<&'a str, String> {
    let found: Vec<&str> = ops
        .iter()
        .filter(|(_, has)| *has)
        .map(|(op, _)| *op)
        .collect();
    match found[..] {
        [op] => Ok(op),
        _ => Err(format!(
            "a case needs exactly one operation of {}, found {found:?}",
            ops.iter().map(|(op, _)| *op).collect::<Vec<_>>().join("/")
        )),
    }
}
