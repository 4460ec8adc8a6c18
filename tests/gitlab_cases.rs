//! Runs the rule tables in `tests/cases/gitlab/` against the native engine, one `#[test]` per file
//! (`cargo test --test gitlab_cases -- --exact inbound`). The Node suite
//! (`tests/js/gitlab_cases.test.mjs`) runs the same files against the built package. Format:
//! `tests/cases/README.md`; a key it does not describe fails the case.

mod support;

use job_token_scope::gitlab::{
    AuthLog, EditInput, EnforcementPlan, PlanOptions, RequestInput, World, WorldInput,
};
use job_token_scope::value::{FromValue, Path, Value as Input};
use job_token_scope::{parse, Decision, Error};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use support::tables::{
    compare_error, operation, present, run_table, sorted_problems, unknown_expect_keys, TableFile,
};

rule_tables!("gitlab", run_file;
    anonymous_level,
    case_insensitive,
    compact,
    edit,
    enforcement,
    errors,
    fine_grained,
    gitlab_access,
    gitlab_edits,
    gitlab_messages,
    gitlab_releases,
    groups,
    inbound,
    limits,
    outbound,
    roles,
    same_project,
    scope,
    validate,
    versions,
);

/// A file of `tests/cases/gitlab/`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// What the file covers.
    #[allow(dead_code)]
    about: String,
    /// The default world of its cases.
    #[serde(default, deserialize_with = "present")]
    world: Option<Value>,
    cases: Vec<Value>,
}

impl TableFile for Table {
    fn cases(&self) -> &[Value] {
        &self.cases
    }
}

/// One case: exactly one of `request`, `edit`, `validate`, `scope`, `compact`, `plan`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    name: String,
    /// The GitLab file (and spec example) the case is taken from.
    #[allow(dead_code)]
    source: Option<String>,
    /// Replaces the world's `version` (any JSON value: a wrong type is an error case).
    #[serde(default, deserialize_with = "present")]
    version: Option<Value>,
    /// Replaces the file's world.
    #[serde(default, deserialize_with = "present")]
    world: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    request: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    edit: Option<Value>,
    validate: Option<bool>,
    scope: Option<String>,
    compact: Option<Compact>,
    plan: Option<Plan>,
    /// Its shape depends on the operation: its keys are checked against [`expect_keys`].
    expect: Value,
}

/// A case's `compact`: `compactGitlabAllowlist(world, project, limit?)`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Compact {
    project: String,
    limit: Option<usize>,
}

/// A case's `plan`: `planGitlabEnforcement(world, log, options?)`. Both are the engine's own input,
/// left to it (it refuses unknown keys itself).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Plan {
    log: Value,
    #[serde(default, deserialize_with = "present")]
    options: Option<Value>,
}

/// The keys one project of a plan's `expect.projects` may hold.
const PLAN_PROJECT_KEYS: &[&str] = &[
    "enforcedToday",
    "breaks",
    "proposed",
    "admitsAlso",
    "gitlab",
];

/// The keys `expect` may hold for an operation (tests/cases/README.md).
fn expect_keys(op: &str) -> &'static [&'static str] {
    match op {
        "request" | "edit" => &[
            "allowed",
            "reason",
            "message",
            "trace",
            "error",
            "errorPath",
        ],
        "validate" => &["problems", "error", "errorPath"],
        "scope" => &[
            "reachable",
            "reachableBy",
            "inboundEnforced",
            "entries",
            "limit",
            "groupEntries",
            "groupLimit",
            "error",
            "errorPath",
        ],
        "compact" => &["projects", "groups", "admitsAlso", "error", "errorPath"],
        "plan" => &[
            "projects",
            "unknown",
            "summary",
            "version",
            "error",
            "errorPath",
        ],
        _ => unreachable!(),
    }
}

impl Case {
    fn operation(&self) -> Result<&'static str, String> {
        operation(&[
            ("request", self.request.is_some()),
            ("edit", self.edit.is_some()),
            ("validate", self.validate.is_some()),
            ("scope", self.scope.is_some()),
            ("compact", self.compact.is_some()),
            ("plan", self.plan.is_some()),
        ])
    }
}

fn run_file(stem: &str) {
    run_table("gitlab", stem, |table: &Table, case: &Case| {
        let op = match case.operation() {
            Ok(op) => op,
            Err(e) => return Some(e),
        };
        if let Some(e) = unknown_expect_keys(&case.expect, expect_keys(op)) {
            return Some(e);
        }
        let got = run(world_of(table, case), op, case);
        if op == "plan" {
            return compare_plan(&case.expect, &got);
        }
        compare(&case.expect, &got)
    });
}

fn world_of(table: &Table, case: &Case) -> Value {
    let mut world = case
        .world
        .as_ref()
        .or(table.world.as_ref())
        .cloned()
        .unwrap_or(Value::Null);
    if let (Some(version), Some(obj)) = (&case.version, world.as_object_mut()) {
        obj.insert("version".into(), version.clone());
    }
    world
}

fn compile(world: Value) -> Result<World, Error> {
    World::from_input(parse::<WorldInput, _>(world)?)
}

/// Runs one case; `Ok(actual)` is compared with `expect`, `Err` is a thrown error.
fn run(world: Value, op: &str, case: &Case) -> Result<Value, Error> {
    let world = compile(world)?;
    let value = |v: &Option<Value>| v.clone().unwrap_or(Value::Null);
    match op {
        "request" => {
            let request: RequestInput = parse(value(&case.request))?;
            let query = world.query(&request)?;
            let decision = query.explain();
            // check() and explain() must agree: they are one decision procedure.
            assert_eq!(
                query.check(),
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
            let edit: EditInput = parse(value(&case.edit))?;
            Ok(decision_json(&world.check_edit(&edit)?))
        }
        "validate" => {
            let problems = world.validate();
            Ok(
                json!({ "problems": problems.iter().map(|p| json!({"code": p.code, "path": p.path})).collect::<Vec<_>>() }),
            )
        }
        "scope" => {
            let project = case.scope.as_deref().unwrap_or_default();
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
            let spec = case.compact.as_ref().expect("a compact case");
            let out = world.compact(&spec.project, spec.limit)?;
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
        "plan" => {
            let spec = case.plan.as_ref().expect("a plan case");
            let read = |value: &Value, name: &str| -> Result<Input<'static>, Error> {
                Input::deserialize(value).map_err(|e| Error::invalid(name, e.to_string()))
            };
            let log = AuthLog::from_value(&read(&spec.log, "log")?, &Path::named("log"))?;
            let options = match &spec.options {
                Some(options) => {
                    PlanOptions::from_value(&read(options, "options")?, &Path::named("options"))?
                }
                None => PlanOptions::default(),
            };
            Ok(plan_json(&world.plan_enforcement(&log, &options)?))
        }
        _ => unreachable!(),
    }
}

/// A plan as the tables compare it: per project, the break sources in order, entry paths and
/// `admitsAlso` sorted; `unknown` as [source, target] pairs.
fn plan_json(plan: &EnforcementPlan) -> Value {
    let paths = |entries: &[job_token_scope::gitlab::CompactEntry]| {
        let mut paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        paths.sort();
        json!(paths)
    };
    let sorted = |list: &[String]| {
        let mut list = list.to_vec();
        list.sort();
        json!(list)
    };
    let projects: Map<String, Value> = plan
        .projects
        .iter()
        .map(|p| {
            let gitlab = p.gitlab.as_ref().map(|g| {
                json!({ "projects": paths(&g.projects), "groups": paths(&g.groups),
                        "admitsAlso": sorted(&g.admits_also), "error": g.error })
            });
            let project = json!({
                "enforcedToday": p.enforced_today,
                "breaks": p.breaks.iter().map(|b| b.source.as_str()).collect::<Vec<_>>(),
                "proposed": { "projects": paths(&p.proposed.projects), "groups": paths(&p.proposed.groups) },
                "admitsAlso": sorted(&p.admits_also),
                "gitlab": gitlab,
            });
            (p.project.clone(), project)
        })
        .collect();
    json!({
        "version": plan.version.to_string(),
        "projects": projects,
        "unknown": plan.unknown.iter().map(|u| json!([u.source, u.target])).collect::<Vec<_>>(),
        "summary": { "projects": plan.summary.projects, "breaking": plan.summary.breaking, "breaks": plan.summary.breaks },
    })
}

/// Compares a plan with `expect`: `projects` must name exactly the projects planned, each compared
/// on the keys it gives (lists of entries sorted); the other keys as they are.
fn compare_plan(expect: &Value, got: &Result<Value, Error>) -> Option<String> {
    let Ok(got) = got else {
        return compare_error(expect, got);
    };
    if expect.get("error").is_some() {
        return compare_error(expect, &Ok(got.clone()));
    }
    let mut diffs = Vec::new();
    for (key, want) in expect.as_object().expect("expect is an object") {
        let have = &got[key.as_str()];
        if key != "projects" {
            if want != have {
                diffs.push(format!("{key}: expected {want}, got {have}"));
            }
            continue;
        }
        let (Some(want), Some(have)) = (want.as_object(), have.as_object()) else {
            diffs.push(format!("projects: expected an object, got {want}"));
            continue;
        };
        let planned: Vec<&String> = have.keys().collect();
        if want.keys().collect::<Vec<_>>() != planned {
            diffs.push(format!(
                "projects: expected {:?} planned, got {planned:?}",
                want.keys().collect::<Vec<_>>()
            ));
        }
        for (project, fields) in want {
            let Some(fields) = fields.as_object() else {
                diffs.push(format!("projects.{project}: expected an object"));
                continue;
            };
            for (field, want) in fields {
                if !PLAN_PROJECT_KEYS.contains(&field.as_str()) {
                    diffs.push(format!(
                        "projects.{project}: unknown key {field:?}; expected one of {PLAN_PROJECT_KEYS:?}"
                    ));
                    continue;
                }
                let have = &have.get(project).cloned().unwrap_or(Value::Null)[field.as_str()];
                let want = match field.as_str() {
                    "breaks" | "enforcedToday" => want.clone(),
                    _ => sorted_lists(want),
                };
                if want != *have {
                    diffs.push(format!(
                        "projects.{project}.{field}: expected {want}, got {have}"
                    ));
                }
            }
        }
    }
    (!diffs.is_empty()).then(|| diffs.join("; "))
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

/// The reader's strictness, shown: a misspelled key fails, naming the file, the case and the key.
#[test]
fn a_misspelled_key_fails_naming_file_case_and_key() {
    use support::tables::{read_case, read_table};

    let raw = json!({ "name": "ci may read", "verison": "17.0", "validate": true, "expect": {} });
    let err = read_case::<Case>("gitlab/x.json", 3, &raw).err().unwrap();
    assert!(
        err.starts_with("gitlab/x.json / case \"ci may read\": unknown field `verison`"),
        "{err}"
    );
    let text = r#"{ "about": "", "wrold": {}, "cases": [] }"#;
    let err = read_table::<Table>("gitlab/x.json", text).err().unwrap();
    assert!(
        err.starts_with("gitlab/x.json: unknown field `wrold`"),
        "{err}"
    );
    let raw = json!({ "name": "c", "compact": { "project": "a/b", "limt": 1 }, "expect": {} });
    let err = read_case::<Case>("gitlab/x.json", 0, &raw).err().unwrap();
    assert!(err.contains("unknown field `limt`"), "{err}");
    let raw = json!({ "name": "c", "plan": { "log": [], "optoins": {} }, "expect": {} });
    let err = read_case::<Case>("gitlab/x.json", 0, &raw).err().unwrap();
    assert!(err.contains("unknown field `optoins`"), "{err}");
    let plan = json!({ "projects": { "acme/api": { "breaks": [] } } });
    let got: Result<Value, Error> = Ok(json!({ "projects": { "acme/api": { "breaks": [] } } }));
    assert_eq!(compare_plan(&plan, &got), None);
    let typo = json!({ "projects": { "acme/api": { "braeks": [] } } });
    let diff = compare_plan(&typo, &got).unwrap();
    assert!(diff.contains("unknown key \"braeks\""), "{diff}");
    let expect = json!({ "allowed": true, "reasn": "same_project" });
    let err = unknown_expect_keys(&expect, expect_keys("request")).unwrap();
    assert!(err.contains("reasn"), "{err}");
}
