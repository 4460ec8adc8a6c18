//! The string unions of the package's types (`src/wasm/index.d.ts`; `src/wasm/gate.d.ts` has none)
//! are the engine's codes: reasons, problem codes, error codes, trace outcomes.
//!
//! Two checks per union. (1) Where the engine has a list, the union equals it: `Reason::ALL`,
//! `AzureReason::ALL`, `ErrorCode::ALL`, the problem-code constants of `gitlab::validate`, and the
//! `Outcome` variants. (2) For every union, the codes the rule tables expect (`tests/cases/`, which
//! the case runners hold the engine to) equal it: no case expects an undeclared code, and every
//! declared code is answered by some case. Edit reasons and Azure problem codes are string literals
//! in private modules, with no list to compare with: for them, (2) is the check.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use job_token_scope::azure::AzureReason;
use job_token_scope::gitlab::{validate, Reason};
use job_token_scope::{ErrorCode, Outcome};
use serde_json::Value;

type Set = BTreeSet<String>;

fn read(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn index_dts() -> String {
    read("src/wasm/index.d.ts")
}

/// The members of the union that follows `anchor` in `text`, up to the next `;`: each must be a
/// string literal (`"a" | "b"`), and none may repeat. `//` comments are skipped.
fn literal_union(text: &str, anchor: &str) -> Set {
    let start = text
        .find(anchor)
        .unwrap_or_else(|| panic!("`{anchor}` not found"))
        + anchor.len();
    let end = start
        + text[start..]
            .find(';')
            .unwrap_or_else(|| panic!("`{anchor}`: no `;`"));
    let body: String = text[start..end]
        .lines()
        .map(|line| line.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let mut set = Set::new();
    for member in body.split('|').map(str::trim).filter(|m| !m.is_empty()) {
        let literal = member
            .strip_prefix('"')
            .and_then(|m| m.strip_suffix('"'))
            .filter(|m| !m.contains('"'))
            .unwrap_or_else(|| panic!("`{anchor}`: `{member}` is not a string literal"));
        assert!(
            set.insert(literal.to_owned()),
            "`{anchor}`: \"{literal}\" twice"
        );
    }
    assert!(!set.is_empty(), "`{anchor}`: an empty union");
    set
}

/// `export type <name> = "a" | "b" ...;`
fn type_union(dts: &str, name: &str) -> Set {
    literal_union(dts, &format!("export type {name} ="))
}

/// The union of `field` in `interface <name> { ... }`.
fn field_union(dts: &str, interface: &str, field: &str) -> Set {
    let anchor = format!("interface {interface} ");
    let at = dts
        .find(&anchor)
        .unwrap_or_else(|| panic!("`{anchor}` not found"));
    let body = &dts[at..at + dts[at..].find('}').expect("the interface's end")];
    literal_union(body, &format!("{field}:"))
}

fn set<S: ToString>(items: impl IntoIterator<Item = S>) -> Set {
    items.into_iter().map(|s| s.to_string()).collect()
}

/// Names what one side has and the other lacks.
fn assert_same(what: &str, declared: &Set, engine: &Set, engine_name: &str) {
    let undeclared: Vec<_> = engine.difference(declared).collect();
    let unknown: Vec<_> = declared.difference(engine).collect();
    assert!(
        undeclared.is_empty() && unknown.is_empty(),
        "{what} in src/wasm/index.d.ts differs from {engine_name}:\n  \
         missing from the .d.ts: {undeclared:?}\n  not in {engine_name}: {unknown:?}"
    );
}

// ───────── the engine's lists ─────────

fn error_codes() -> Set {
    set(ErrorCode::ALL.map(ErrorCode::as_str))
}

/// `Outcome`'s variants as they serialize. (A new variant is caught by the tables' traces.)
fn outcomes() -> Set {
    [Outcome::Pass, Outcome::Fail, Outcome::Skip]
        .map(|o| match serde_json::to_value(o).unwrap() {
            Value::String(s) => s,
            other => panic!("Outcome serializes as {other}"),
        })
        .into_iter()
        .collect()
}

fn gitlab_problem_codes() -> Set {
    set([
        validate::ALLOWLIST_LIMIT_EXCEEDED,
        validate::DUPLICATE_ENTRY,
        validate::SELF_ENTRY,
        validate::UNKNOWN_ENTRY,
        validate::GROUPS_UNSUPPORTED,
        validate::OUTBOUND_REMOVED,
        validate::POLICIES_UNSUPPORTED,
        validate::UNKNOWN_POLICY,
        validate::DEPRECATED_POLICY,
        validate::INSTANCE_SETTING_UNSUPPORTED,
    ])
}

/// Every union of a reason or code in the .d.ts is one this file checks (a new one must be added).
#[test]
fn every_reason_and_code_union_is_checked() {
    const CHECKED: &[&str] = &[
        "GitlabReason",
        "GitlabEditReason",
        "GitlabProblemCode",
        "AzureReason",
        "AzureProblemCode",
    ];
    for file in ["src/wasm/index.d.ts", "src/wasm/gate.d.ts"] {
        let text = read(file);
        for (at, _) in text.match_indices("export type ") {
            let name: String = text[at + "export type ".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.ends_with("Reason") || name.ends_with("Code") {
                assert!(
                    file.ends_with("index.d.ts") && CHECKED.contains(&name.as_str()),
                    "{file}: `{name}` is not checked by tests/codes.rs"
                );
            }
        }
    }
}

#[test]
fn gitlab_reason_is_reason_all() {
    let engine = set(Reason::ALL.map(Reason::as_str));
    assert_eq!(engine.len(), Reason::ALL.len(), "Reason::ALL repeats");
    assert_same(
        "GitlabReason",
        &type_union(&index_dts(), "GitlabReason"),
        &engine,
        "gitlab::Reason::ALL",
    );
}

#[test]
fn azure_reason_is_azure_reason_all() {
    let engine = set(AzureReason::ALL.map(AzureReason::as_str));
    assert_eq!(
        engine.len(),
        AzureReason::ALL.len(),
        "AzureReason::ALL repeats"
    );
    assert_same(
        "AzureReason",
        &type_union(&index_dts(), "AzureReason"),
        &engine,
        "azure::AzureReason::ALL",
    );
}

#[test]
fn gitlab_problem_code_is_the_validate_constants() {
    assert_same(
        "GitlabProblemCode",
        &type_union(&index_dts(), "GitlabProblemCode"),
        &gitlab_problem_codes(),
        "gitlab::validate's problem codes",
    );
}

#[test]
fn error_code_is_error_code_all() {
    assert_same(
        "JobTokenScopeError.code",
        &field_union(&index_dts(), "JobTokenScopeError", "code"),
        &error_codes(),
        "ErrorCode::ALL",
    );
}

#[test]
fn outcome_is_outcome() {
    assert_same(
        "Outcome",
        &type_union(&index_dts(), "Outcome"),
        &outcomes(),
        "decision::Outcome",
    );
}

// ───────── the codes the rule tables expect ─────────

/// What the tables of `tests/cases/` expect, by union.
#[derive(Default)]
struct Expected {
    gitlab_reasons: Set,
    gitlab_edit_reasons: Set,
    gitlab_problems: Set,
    azure_reasons: Set,
    azure_problems: Set,
    errors: Set,
    /// The outcomes of every expected trace.
    outcomes: Set,
    /// Codes only checked to be declared, by union: the reasons of scope reaches, and the bad-input
    /// catalogue's (which need not cover every code).
    also: Vec<(&'static str, String)>,
}

fn tables(platform: &str) -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(platform);
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no tables in {}", dir.display());
    paths
        .iter()
        .map(|p| {
            serde_json::from_str(&fs::read_to_string(p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect()
}

fn cases(table: &Value) -> &[Value] {
    table["cases"].as_array().map_or(&[], Vec::as_slice)
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn problem_codes(expect: &Value) -> impl Iterator<Item = String> + '_ {
    expect["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| text(&p["code"]))
}

fn trace_outcomes(expect: &Value) -> impl Iterator<Item = String> + '_ {
    expect["trace"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| text(&pair[1]))
}

fn expected() -> Expected {
    let mut out = Expected::default();
    for table in tables("gitlab") {
        for case in cases(&table) {
            let expect = &case["expect"];
            out.errors.extend(text(&expect["error"]));
            out.outcomes.extend(trace_outcomes(expect));
            if case.get("request").is_some() {
                out.gitlab_reasons.extend(text(&expect["reason"]));
            } else if case.get("edit").is_some() {
                out.gitlab_edit_reasons.extend(text(&expect["reason"]));
            } else if case.get("validate").is_some() {
                out.gitlab_problems.extend(problem_codes(expect));
            } else if case.get("scope").is_some() {
                for key in ["reachable", "reachableBy"] {
                    for pair in expect[key].as_array().into_iter().flatten() {
                        // Every reach's reason is one of a request's: it must be declared.
                        out.also.push(("GitlabReason", text(&pair[1]).unwrap()));
                    }
                }
            }
        }
    }
    for table in tables("azure") {
        for case in cases(&table) {
            let expect = &case["expect"];
            out.errors.extend(text(&expect["error"]));
            out.outcomes.extend(trace_outcomes(expect));
            if case.get("resource").is_some() {
                out.azure_reasons.extend(text(&expect["reason"]));
            } else if case.get("validate").is_some() {
                out.azure_problems.extend(problem_codes(expect));
            }
        }
    }
    for table in tables("bad") {
        for case in cases(&table) {
            let call = case["call"].as_str().unwrap_or_default();
            let azure = call.contains("Azure");
            match case["expect"].as_str().unwrap_or_default() {
                "ok" => {
                    let union = match call {
                        "checkGitlabEdit" => "GitlabEditReason",
                        _ if azure => "AzureReason",
                        _ => "GitlabReason",
                    };
                    out.also.extend(text(&case["reason"]).map(|r| (union, r)));
                }
                "problem" => {
                    let union = if azure {
                        "AzureProblemCode"
                    } else {
                        "GitlabProblemCode"
                    };
                    out.also.extend(text(&case["problem"]).map(|p| (union, p)));
                }
                code => out.also.push(("JobTokenScopeError.code", code.to_owned())),
            }
        }
    }
    out
}

#[test]
fn the_rule_tables_answer_every_declared_code_and_no_other() {
    let dts = index_dts();
    let expected = expected();
    let unions = [
        (
            "GitlabReason",
            type_union(&dts, "GitlabReason"),
            &expected.gitlab_reasons,
        ),
        (
            "GitlabEditReason",
            type_union(&dts, "GitlabEditReason"),
            &expected.gitlab_edit_reasons,
        ),
        (
            "GitlabProblemCode",
            type_union(&dts, "GitlabProblemCode"),
            &expected.gitlab_problems,
        ),
        (
            "AzureReason",
            type_union(&dts, "AzureReason"),
            &expected.azure_reasons,
        ),
        (
            "AzureProblemCode",
            type_union(&dts, "AzureProblemCode"),
            &expected.azure_problems,
        ),
        (
            "JobTokenScopeError.code",
            field_union(&dts, "JobTokenScopeError", "code"),
            &expected.errors,
        ),
        ("Outcome", type_union(&dts, "Outcome"), &expected.outcomes),
    ];
    let mut failures = Vec::new();
    for (name, declared, tables) in &unions {
        let undeclared: Vec<_> = tables.difference(declared).collect();
        let unanswered: Vec<_> = declared.difference(tables).collect();
        if !undeclared.is_empty() {
            failures.push(format!(
                "{name}: the rule tables expect codes the .d.ts lacks: {undeclared:?}"
            ));
        }
        if !unanswered.is_empty() {
            failures.push(format!(
                "{name}: no case of tests/cases/ answers {unanswered:?} (add one, or drop it from the .d.ts)"
            ));
        }
    }
    for (name, code) in &expected.also {
        let (_, declared, _) = unions.iter().find(|(n, _, _)| n == name).unwrap();
        if !declared.contains(code) {
            failures.push(format!(
                "{name}: tests/cases/ expects \"{code}\", which the .d.ts lacks"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_union_reader_reads_literals_only() {
    let dts =
        "export type A =\n  | \"x\" | \"y\" // a comment\n  | \"z\";\nexport type AB = \"w\";\n\
               export interface E extends Error {\n  code: \"p\" | \"q\";\n}\n";
    assert_eq!(type_union(dts, "A"), set(["x", "y", "z"]));
    assert_eq!(type_union(dts, "AB"), set(["w"]));
    assert_eq!(field_union(dts, "E", "code"), set(["p", "q"]));
    for bad in [
        "export type A = \"x\" | string;",
        "export type A = \"x\" | \"x\";",
        "export type A = `read_${B}`;",
    ] {
        assert!(
            std::panic::catch_unwind(|| type_union(bad, "A")).is_err(),
            "{bad} was read"
        );
    }
}
