//! Shared by the fuzz targets: generators of structured inputs (via `arbitrary`) written as JSON, so
//! that every generated input also goes through the readers, and the invariants each target asserts.
//!
//! Every target also accepts plain JSON (an input starting with `{`): the seed corpora are the worlds
//! and configs of tests/cases (`node fuzz/seed.mjs`), and libFuzzer mutates both kinds.

use arbitrary::Arbitrary;
use job_token_scope::azure::{AzureConfig, AzurePipeline, AzureResource};
use job_token_scope::gate::Gate;
use job_token_scope::gitlab::{
    AuthLog, AuthLogEntry, EditInput, List, Permission, PlanOptions, PlanStrategy, Query,
    RequestInput, World, WorldInput,
};
use job_token_scope::value::{FromValue, Path, Text, Value};
use job_token_scope::{parse, Decision, Outcome};
use serde_json::{json, Map, Value as Json};

// ───────── GitLab ─────────

/// Few segment names, so that paths share groups and collide in case.
const SEGMENTS: &[&str] = &[
    "acme", "Acme", "ACME", "ci", "api", "platform", "x", "y", "b c", "é", "a.b", "-",
];
const VERSIONS: &[&str] = &[
    "13.12", "14.1", "15.8", "15.9", "16.0", "17.0", "17.5", "17.11", "18.0", "18.2", "18.3",
    "18.99", "latest", "19.0", "19.4", "20.0", "18", "v18.3", "",
];
const POLICIES: &[&str] = &[
    "read_packages",
    "admin_packages",
    "read_jobs",
    "admin_deployments",
    "read_repositories",
    "admin_secure_files",
    "read_work_items",
    "bogus",
];
const ROLES: &[&str] = &[
    "guest",
    "planner",
    "reporter",
    "developer",
    "maintainer",
    "owner",
    "admin",
];
const VISIBILITIES: &[&str] = &["private", "internal", "public", "secret"];

fn pick<'a>(options: &[&'a str], i: u8) -> &'a str {
    options[i as usize % options.len()]
}

/// A path: segments from [`SEGMENTS`] with optional `/` and spaces around, or any string.
#[derive(Arbitrary, Debug, Clone)]
pub enum FuzzPath {
    Segments(Vec<u8>, u8),
    Raw(String),
}

impl FuzzPath {
    pub fn text(&self) -> String {
        match self {
            FuzzPath::Raw(raw) => raw.clone(),
            FuzzPath::Segments(segments, decoration) => {
                let mut path: Vec<&str> = segments
                    .iter()
                    .take(6)
                    .map(|&s| pick(SEGMENTS, s))
                    .collect();
                if path.is_empty() {
                    path.push("acme");
                }
                let mut text = path.join("/");
                if decoration & 1 != 0 {
                    text.insert(0, '/');
                }
                if decoration & 2 != 0 {
                    text.push('/');
                }
                if decoration & 4 != 0 {
                    text = format!(" {text} ");
                }
                text
            }
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub struct FuzzEntry {
    path: FuzzPath,
    as_object: bool,
    default_permissions: Option<bool>,
    policies: Option<Vec<u8>>,
}

impl FuzzEntry {
    fn json(&self) -> Json {
        if !self.as_object {
            return json!(self.path.text());
        }
        let mut entry = Map::new();
        entry.insert("path".into(), json!(self.path.text()));
        if let Some(d) = self.default_permissions {
            entry.insert("defaultPermissions".into(), json!(d));
        }
        if let Some(policies) = &self.policies {
            let names: Vec<&str> = policies
                .iter()
                .take(4)
                .map(|&p| pick(POLICIES, p))
                .collect();
            entry.insert("policies".into(), json!(names));
        }
        Json::Object(entry)
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub struct FuzzProject {
    path: FuzzPath,
    visibility: Option<u8>,
    inbound_enabled: Option<bool>,
    inbound_projects: Vec<FuzzEntry>,
    inbound_groups: Vec<FuzzEntry>,
    outbound_enabled: Option<bool>,
    outbound_projects: Vec<FuzzPath>,
}

impl FuzzProject {
    fn json(&self) -> Json {
        let mut project = Map::new();
        project.insert("path".into(), json!(self.path.text()));
        if let Some(v) = self.visibility {
            project.insert("visibility".into(), json!(pick(VISIBILITIES, v)));
        }
        let mut inbound = Map::new();
        if let Some(enabled) = self.inbound_enabled {
            inbound.insert("enabled".into(), json!(enabled));
        }
        let entries = |list: &[FuzzEntry]| -> Json {
            Json::Array(list.iter().take(5).map(FuzzEntry::json).collect())
        };
        if !self.inbound_projects.is_empty() {
            inbound.insert("projects".into(), entries(&self.inbound_projects));
        }
        if !self.inbound_groups.is_empty() {
            inbound.insert("groups".into(), entries(&self.inbound_groups));
        }
        if !inbound.is_empty() {
            project.insert("inbound".into(), Json::Object(inbound));
        }
        if self.outbound_enabled.is_some() || !self.outbound_projects.is_empty() {
            let projects: Vec<String> = self
                .outbound_projects
                .iter()
                .take(4)
                .map(FuzzPath::text)
                .collect();
            let mut outbound = Map::new();
            if let Some(enabled) = self.outbound_enabled {
                outbound.insert("enabled".into(), json!(enabled));
            }
            outbound.insert("projects".into(), json!(projects));
            project.insert("outbound".into(), Json::Object(outbound));
        }
        Json::Object(project)
    }
}

/// A GitLab world and the questions to ask it.
#[derive(Arbitrary, Debug, Clone)]
pub struct FuzzWorld {
    version: Option<u8>,
    enforce: Option<bool>,
    projects: Vec<FuzzProject>,
    users: Vec<(u8, Vec<(FuzzPath, u8)>)>,
    permissions: Vec<u8>,
    /// The project whose inbound limit is switched off for the monotonicity check.
    pub open: u8,
    pub compact_limit: Option<u8>,
}

const USERS: &[&str] = &["alice", "Bob", " carol "];

impl FuzzWorld {
    pub fn json(&self) -> Json {
        let mut world = Map::new();
        if let Some(v) = self.version {
            world.insert("version".into(), json!(pick(VERSIONS, v)));
        }
        if let Some(enforce) = self.enforce {
            world.insert("instance".into(), json!({ "enforceInboundScope": enforce }));
        }
        let projects: Vec<Json> = self
            .projects
            .iter()
            .take(10)
            .map(FuzzProject::json)
            .collect();
        world.insert("projects".into(), Json::Array(projects));
        if !self.users.is_empty() {
            let mut users = Map::new();
            for (user, roles) in self.users.iter().take(3) {
                let roles: Map<String, Json> = roles
                    .iter()
                    .take(4)
                    .map(|(place, role)| (place.text(), json!(pick(ROLES, *role))))
                    .collect();
                users.insert(pick(USERS, *user).to_owned(), Json::Object(roles));
            }
            world.insert("users".into(), Json::Object(users));
        }
        Json::Object(world)
    }

    pub fn permissions(&self) -> Vec<Option<Permission>> {
        let mut out = vec![None];
        out.extend(self.permissions.iter().take(3).map(|&p| {
            Permission::requestable().nth(p as usize % Permission::requestable().count())
        }));
        out
    }
}

/// Runs every question on a GitLab world given as JSON and asserts the invariants.
pub fn gitlab_world(
    world_json: Json,
    permissions: &[Option<Permission>],
    open: usize,
    compact_limit: Option<usize>,
) {
    let Ok(input) = parse::<WorldInput, _>(world_json.clone()) else {
        return;
    };
    let Ok(world) = World::from_input(input) else {
        return;
    };
    let users = [
        None,
        Some("alice".to_owned()),
        Some("BOB".to_owned()),
        Some("nobody".to_owned()),
    ];
    let n = world.projects().len().min(10);
    for s in 0..n {
        for t in 0..n {
            for &permission in permissions {
                for user in &users {
                    gitlab_query(&world, s, t, permission, user.clone());
                }
            }
        }
    }
    for p in 0..n {
        let path = world.project_at(p).unwrap().path.to_owned();
        let scope = world
            .resolve_scope(&path)
            .expect("a world's project has a scope");
        let mut expected_out = Vec::new();
        let mut expected_in = Vec::new();
        // Reached: allowed without a permission, or admitted by an entry that grants only its
        // policies (named by the kind of entry that admitted it).
        let reach = |s: usize, t: usize| {
            let d = query(&world, s, t, None, None).unwrap().explain();
            match d.reason {
                _ if d.allowed => Some(d.reason),
                "no_job_token_permission" => {
                    let source = world.project_at(s).unwrap().key;
                    let target = world.project_id(world.project_at(t).unwrap().path).unwrap();
                    let by_project =
                        (world.entries(target, List::InboundProjects)).any(|e| e.key() == source);
                    Some(if by_project {
                        "allowlisted_project"
                    } else {
                        "allowlisted_group"
                    })
                }
                _ => None,
            }
        };
        for other in 0..world.projects().len() {
            if other == p {
                continue;
            }
            if let Some(reason) = reach(p, other) {
                expected_out.push((world.project_at(other).unwrap().path.to_owned(), reason));
            }
            if let Some(reason) = reach(other, p) {
                expected_in.push((world.project_at(other).unwrap().path.to_owned(), reason));
            }
        }
        let got = |list: &[job_token_scope::gitlab::Reach]| -> Vec<(String, &str)> {
            list.iter().map(|r| (r.project.clone(), r.reason)).collect()
        };
        assert_eq!(got(&scope.reachable), expected_out, "reachable of {path}");
        assert_eq!(
            got(&scope.reachable_by),
            expected_in,
            "reachableBy of {path}"
        );
        for limit in [compact_limit, None] {
            compaction(&world, p, limit);
        }
    }
    planning(&world, &world_json, n.min(8), compact_limit);
    let _ = world.validate();
    // Edits never panic.
    for action in ["add", "remove", "enable", "disable", "setPolicies"] {
        for p in 0..n.min(3) {
            let edit = json!({ "user": "alice", "project": world.project_at(p).unwrap().path, "action": action,
                               "entry": world.project_at((p + 1) % n).unwrap().path, "policies": ["read_jobs"] });
            if let Ok(edit) = parse::<EditInput, _>(edit) {
                if let Ok(decision) = world.check_edit(&edit) {
                    decision_shape(&decision);
                }
            }
        }
    }
    // Switching a target's inbound limit off never denies more.
    if n > 0 {
        let target = open % n;
        let mut opened = world_json;
        if let Some(project) = opened["projects"]
            .get_mut(target)
            .and_then(Json::as_object_mut)
        {
            let inbound = project.entry("inbound").or_insert_with(|| json!({}));
            if let Some(inbound) = inbound.as_object_mut() {
                inbound.insert("enabled".into(), json!(false));
            }
            let wider = World::from_input(parse::<WorldInput, _>(opened).unwrap()).unwrap();
            for s in 0..n {
                for &permission in permissions {
                    let (Some(q), Some(w)) = (
                        query(&world, s, target, permission, None),
                        query(&wider, s, target, permission, None),
                    ) else {
                        continue;
                    };
                    assert!(
                        !q.check() || w.check(),
                        "switching inbound off denied {q:?}"
                    );
                }
            }
        }
    }
}

/// The query by positions, or `None` for a permission a request may not name.
fn query(
    world: &World,
    source: usize,
    target: usize,
    permission: Option<Permission>,
    user: Option<String>,
) -> Option<Query<'_>> {
    let query = world.query_by_index(source, target, permission)?;
    Some(match user {
        Some(user) => query.with_user(user),
        None => query,
    })
}

const ALLOWING: &[&str] = &[
    "same_project",
    "inbound_disabled",
    "allowlisted_project",
    "allowlisted_group",
    "no_inbound_check",
    "anonymous_level",
    "public_unrestricted",
    "edit_allowed",
    "same_project_default",
    "collection_scope",
    "granted",
];

fn decision_shape(d: &Decision) {
    assert_eq!(
        ALLOWING.contains(&d.reason),
        d.allowed,
        "reason {} vs allowed {}",
        d.reason,
        d.allowed
    );
    assert!(!d.message.is_empty());
    assert!(!d.trace.is_empty(), "empty trace");
}

fn gitlab_query(
    world: &World,
    s: usize,
    t: usize,
    permission: Option<Permission>,
    user: Option<String>,
) {
    let Some(q) = query(world, s, t, permission, user.clone()) else {
        return;
    };
    let d = q.explain();
    decision_shape(&d);
    assert_eq!(q.check(), d.allowed, "check vs explain {q:?}");
    assert_eq!(d.trace[0].step, "same_project");
    // Only the last step may decide a denial; every step before a denial passed or was skipped.
    if !d.allowed {
        let last = d.trace.last().unwrap();
        assert!(
            last.outcome == Outcome::Fail || last.step == "anonymous_level",
            "{d:?}"
        );
    }
    if s == t {
        assert!(d.allowed && d.reason == "same_project");
    }
    if user.is_none() {
        assert_eq!(
            world.check_indices(s, t, permission.map(Permission::index)),
            Some(d.allowed)
        );
        let v = q.verdict();
        assert_eq!(
            (v.allowed, v.reason.as_str(), &v.message),
            (d.allowed, d.reason, &d.message)
        );
        let shouted = world.project_at(s).unwrap().path.to_ascii_uppercase();
        let slashed = format!(
            "/{}/",
            world.project_at(t).unwrap().path.to_ascii_lowercase()
        );
        assert_eq!(
            world
                .check_paths(&shouted, &slashed, permission.map(Permission::name))
                .unwrap(),
            d.allowed,
            "paths compare case-insensitively"
        );
    }
}

/// Enforcement plans of a log where most pairs of the first projects used each other's tokens: every
/// proposal, applied and enforced, admits every logged use (the outbound limits set aside), and never
/// admits more than GitLab's greedy where that succeeds.
fn planning(world: &World, world_json: &Json, n: usize, limit: Option<usize>) {
    let mut log = Vec::new();
    for s in 0..n {
        for t in 0..n {
            if s != t && (s + 2 * t) % 3 != 0 {
                log.push(AuthLogEntry {
                    source: world.project_at(s).unwrap().path.to_owned(),
                    target: world.project_at(t).unwrap().path.to_owned(),
                    last_authorized_at: None,
                });
            }
        }
    }
    let log = AuthLog(log);
    let _ = world.plan_enforcement(
        &log,
        &PlanOptions {
            strategy: PlanStrategy::Gitlab,
            limit,
            projects: None,
        },
    );
    let Ok(plan) = world.plan_enforcement(
        &log,
        &PlanOptions {
            limit,
            ..PlanOptions::default()
        },
    ) else {
        return;
    };
    for p in &plan.projects {
        if let Some(g) = p.gitlab.as_ref().filter(|g| g.error.is_none()) {
            assert!(
                p.admits_also.len() <= g.admits_also.len(),
                "{}: more than GitLab's greedy",
                p.project
            );
        }
        let Some(t) = world.project_id(&p.project).map(|id| id.index()) else {
            panic!("a planned project outside the world");
        };
        let mut applied = world_json.clone();
        let paths = |list: &[job_token_scope::gitlab::CompactEntry]| -> Vec<Json> {
            list.iter().map(|e| json!(e.path)).collect()
        };
        applied["projects"][t]["inbound"] = json!({
            "enabled": true, "projects": paths(&p.proposed.projects), "groups": paths(&p.proposed.groups)
        });
        // The plan is about the inbound allowlist: a source's deprecated outbound limit (before 18.0)
        // refuses what it refuses today already, whatever the target lists.
        if let Some(projects) = applied["projects"].as_array_mut() {
            for project in projects.iter_mut().filter(|p| p.is_object()) {
                project["outbound"] = json!({ "enabled": false });
            }
        }
        let Ok(after) = parse::<WorldInput, _>(applied).map(World::from_input) else {
            continue;
        };
        let scope = after.unwrap().resolve_scope(&p.project).unwrap();
        for entry in log.0.iter().filter(|e| e.target == p.project) {
            assert!(
                scope.reachable_by.iter().any(|r| r.project == entry.source),
                "{} -> {}: not admitted by the proposal",
                entry.source,
                p.project
            );
        }
    }
}

/// Compaction fits the limit and admits every project the old allowlist admitted.
fn compaction(world: &World, p: usize, limit: Option<usize>) {
    let own = world.project_at(p).unwrap();
    let Ok(c) = world.compact(&own.path, limit) else {
        return;
    };
    let limit = limit.or(world.profile().project_limit).unwrap_or(0);
    assert!(
        c.projects.len() + c.groups.len() <= limit,
        "compaction exceeds {limit}"
    );
    let key = |path: &str| {
        path.trim_matches(|c: char| c == '/' || c.is_ascii_whitespace())
            .to_ascii_lowercase()
    };
    let within =
        |k: &str, g: &str| k == g || (k.starts_with(g) && k.as_bytes().get(g.len()) == Some(&b'/'));
    let new_projects: Vec<String> = c.projects.iter().map(|e| key(&e.path)).collect();
    let new_groups: Vec<String> = c.groups.iter().map(|e| key(&e.path)).collect();
    for q in world.projects() {
        let id = world.project_id(own.path).unwrap();
        let before = (world.entries(id, List::InboundProjects)).any(|e| e.key() == q.key)
            || (world.entries(id, List::InboundGroups)).any(|e| within(q.key, e.key()));
        let after = q.key == own.key
            || new_projects.iter().any(|p| p == q.key)
            || new_groups.iter().any(|g| within(q.key, g));
        assert!(!before || after, "compaction dropped {}", q.path);
    }
}

/// A JSON input: a world, or a case `{ world, request | edit | scope | compact }`.
pub fn gitlab_json(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<Json>(data) else {
        return;
    };
    let world = json.get("world").cloned().unwrap_or_else(|| json.clone());
    let permissions = [
        None,
        Permission::from_name("read_packages"),
        Permission::from_name("admin_deployments"),
    ];
    gitlab_world(world.clone(), &permissions, 0, Some(1));
    let Ok(compiled) = parse::<WorldInput, _>(world).and_then(World::from_input) else {
        return;
    };
    if let Some(request) = json.get("request") {
        if let Ok(query) =
            parse::<RequestInput, _>(request.clone()).and_then(|r| compiled.query(&r))
        {
            gitlab_query(
                &compiled,
                query.source().index(),
                query.target().index(),
                query.permission(),
                query.user().map(str::to_owned),
            );
        }
    }
    if let Some(edit) = json.get("edit") {
        if let Ok(Ok(d)) = parse::<EditInput, _>(edit.clone()).map(|e| compiled.check_edit(&e)) {
            decision_shape(&d);
        }
    }
}

// ───────── any JSON, read as every input shape ─────────

/// Bytes → serde_json → [`Value`] → every input shape → compile → every question.
/// The text door (`job_token_scope::json::parse`, what `GitlabPolicy.fromJSON` reads with) on the same
/// bytes, when they are UTF-8: never panics, and agrees with serde_json (through the same `Value` limits)
/// on what is JSON and on the value read, but for what serde_json does differently from `JSON.parse`,
/// which the text door follows: it refuses a lone surrogate escape (`"\ud800"`: the text door reads the
/// string or key as refused, as the object door does), a number past `f64` (`1e400`: refused as infinite)
/// and nesting past 128 (the text door checks any depth); it may round a long number one unit off in the
/// last place (without its `float_roundtrip` feature).
fn text_door_agrees(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = job_token_scope::json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert!(same_value(a, b), "text door {a:?}\nserde door {b:?}"),
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => {
            let e = e.to_string();
            assert!(
                ["surrogate", "number out of range", "recursion limit"]
                    .iter()
                    .any(|d| e.contains(d)),
                "the text door read {text:?}, serde_json refused it: {e}"
            );
        }
        (Err(e), Ok(v)) => panic!("the text door refused {text:?} ({e}), serde_json read {v:?}"),
    }
    if let Err(e) = ours {
        assert_eq!(e.code(), job_token_scope::ErrorCode::InvalidInput);
        assert!(e.message().starts_with("invalid JSON at line "), "{e}");
    }
}

/// Equal values, numbers within one unit in the last place.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x - y).abs() <= x.abs().max(y.abs()) * f64::EPSILON
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_value(vx, vy))
        }
        _ => a == b,
    }
}

pub fn any_json(data: &[u8]) {
    text_door_agrees(data);
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    // The whole input, and each of its fields, as every shape.
    let mut candidates = vec![value.clone()];
    if let Value::Object(fields) = &value {
        candidates.extend(fields.iter().map(|(_, v)| v.clone()));
    }
    for v in &candidates {
        if let Ok(input) = WorldInput::from_value(v, &Path::ROOT) {
            if let Ok(world) = World::from_input(input) {
                let _ = world.validate();
                let n = world.projects().len();
                for p in 0..n.min(4) {
                    let path = world.project_at(p).unwrap().path.to_owned();
                    let _ = world.resolve_scope(&path).unwrap();
                    let _ = world.compact(&path, None);
                    let _ = world.compact(&path, Some(1));
                    for other in &candidates {
                        if let Ok(log) = AuthLog::from_value(other, &Path::ROOT) {
                            let _ = world.plan_enforcement(&log, &PlanOptions::default());
                        }
                        if let Ok(options) = PlanOptions::from_value(other, &Path::ROOT) {
                            let _ = world.plan_enforcement(&AuthLog::default(), &options);
                        }
                    }
                    for t in 0..n.min(4) {
                        if let Some(q) = query(
                            &world,
                            p,
                            t,
                            Permission::from_index(6),
                            Some("alice".into()),
                        ) {
                            let _ = q.explain();
                        }
                    }
                }
                for other in &candidates {
                    if let Ok(Ok(q)) =
                        RequestInput::from_value(other, &Path::ROOT).map(|r| world.query(&r))
                    {
                        decision_shape(&q.explain());
                    }
                    if let Ok(Ok(d)) =
                        EditInput::from_value(other, &Path::ROOT).map(|e| world.check_edit(&e))
                    {
                        decision_shape(&d);
                    }
                }
            }
        }
        if let Ok(config) = AzureConfig::from_value(v, &Path::ROOT) {
            if let Ok(pipeline) = AzurePipeline::from_config(config) {
                let _ = pipeline.resolve_scope();
                let _ = pipeline.validate();
                for other in &candidates {
                    if let Ok(resource) = AzureResource::from_value(other, &Path::ROOT) {
                        decision_shape(&pipeline.check_access(&resource));
                    }
                }
            }
        }
        if let Ok(gate) = Gate::from_value(v, &Path::ROOT) {
            let _ = gate.route("GET", "/projects/acme%2Fapi/packages/x");
            let _ = gate.authorize("GET", "/", &value, 0.0);
        }
    }
}

// ───────── Azure ─────────

const PRODUCTS: &[&str] = &[
    "services",
    "server",
    "server-2022",
    "server-2020",
    "server-2019",
    "server-2017",
];
const KINDS: &[&str] = &["yaml", "classic-build", "classic-release"];
const PROJECTS: &[&str] = &[
    "SpaceGameWeb",
    "spacegameweb",
    "FabrikamFiber",
    " Other ",
    "",
];
const REPOS: &[&str] = &[
    "self",
    "FabrikamFiber/FabrikamFiber",
    "SpaceGameWeb/SpaceGameWeb",
    "spacegameweb/Tools",
    "bad",
    "a/b/c",
];
const RESOURCE_KINDS: &[&str] = &["repository", "feed", "artifact", "workitem", "pipeline"];

#[derive(Arbitrary, Debug, Clone)]
pub struct FuzzGrant {
    identity: u8,
    project: u8,
    view_project_info: Option<bool>,
    permissions: Vec<(u8, u8, bool)>,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct FuzzAzure {
    product: Option<u8>,
    organization: (bool, bool, bool),
    project_public: bool,
    project: (Option<bool>, Option<bool>, Option<bool>),
    kind: u8,
    build_scope: Option<bool>,
    repositories: Vec<u8>,
    has_run: Option<bool>,
    self_repository: Option<u8>,
    grants: Vec<FuzzGrant>,
    resources: Vec<(u8, u8, u8, bool)>,
    pub extra_grant: FuzzGrant,
}

impl FuzzGrant {
    pub fn json(&self) -> Json {
        let identities = [
            "SpaceGameWeb Build Service (fabrikam-tailspin)",
            "Project Collection Build Service (fabrikam-tailspin)",
            "spacegameweb build service (FABRIKAM-TAILSPIN)",
            "someone",
        ];
        let mut grant = Map::new();
        grant.insert(
            "identity".into(),
            json!(identities[self.identity as usize % identities.len()]),
        );
        grant.insert("project".into(), json!(pick(PROJECTS, self.project)));
        if let Some(view) = self.view_project_info {
            grant.insert("viewProjectInfo".into(), json!(view));
        }
        let keys = [
            "repositories",
            "feeds",
            "artifacts",
            "workItems",
            "pipelines",
        ];
        for &(kind, name, write) in self.permissions.iter().take(4) {
            let key = keys[kind as usize % keys.len()];
            let map = grant.entry(key).or_insert_with(|| json!({}));
            map[pick(PROJECTS, name).trim()] = json!([if write { "write" } else { "read" }]);
        }
        Json::Object(grant)
    }
}

impl FuzzAzure {
    pub fn json(&self) -> Json {
        let mut config = Map::new();
        if let Some(p) = self.product {
            config.insert("product".into(), json!(pick(PRODUCTS, p)));
        }
        let (a, b, c) = self.organization;
        config.insert(
            "organization".into(),
            json!({ "name": "fabrikam-tailspin", "limitJobScopeNonRelease": a, "limitJobScopeRelease": b, "protectRepos": c }),
        );
        let mut project = Map::new();
        project.insert("name".into(), json!("SpaceGameWeb"));
        project.insert(
            "visibility".into(),
            json!(if self.project_public {
                "public"
            } else {
                "private"
            }),
        );
        let (a, b, c) = self.project;
        for (key, v) in [
            ("limitJobScopeNonRelease", a),
            ("limitJobScopeRelease", b),
            ("protectRepos", c),
        ] {
            if let Some(v) = v {
                project.insert(key.into(), json!(v));
            }
        }
        config.insert("project".into(), Json::Object(project));
        let mut pipeline = Map::new();
        pipeline.insert("kind".into(), json!(pick(KINDS, self.kind)));
        if let Some(collection) = self.build_scope {
            pipeline.insert(
                "buildJobAuthorizationScope".into(),
                json!(if collection { "collection" } else { "project" }),
            );
        }
        let repositories: Vec<&str> = self
            .repositories
            .iter()
            .take(4)
            .map(|&r| pick(REPOS, r))
            .collect();
        pipeline.insert("repositories".into(), json!(repositories));
        if let Some(has_run) = self.has_run {
            pipeline.insert("hasRun".into(), json!(has_run));
        }
        if let Some(r) = self.self_repository {
            pipeline.insert("selfRepository".into(), json!(pick(PROJECTS, r)));
        }
        config.insert("pipeline".into(), Json::Object(pipeline));
        let grants: Vec<Json> = self.grants.iter().take(4).map(FuzzGrant::json).collect();
        config.insert("grants".into(), Json::Array(grants));
        Json::Object(config)
    }

    pub fn resources(&self) -> Vec<Json> {
        let mut out: Vec<Json> = self
            .resources
            .iter()
            .take(6)
            .map(|&(kind, project, name, write)| {
                json!({ "kind": pick(RESOURCE_KINDS, kind), "project": pick(PROJECTS, project),
                        "name": pick(PROJECTS, name), "action": if write { "write" } else { "read" } })
            })
            .collect();
        out.push(json!({ "kind": "repository", "project": "SpaceGameWeb", "name": "SpaceGameWeb", "action": "read" }));
        out.push(json!({ "kind": "repository", "project": "FabrikamFiber", "name": "FabrikamFiber", "action": "read" }));
        out
    }
}

fn pipeline_of(config: &Json) -> Option<AzurePipeline> {
    let config = parse::<AzureConfig, _>(config.clone()).ok()?;
    AzurePipeline::from_config(config).ok()
}

/// Scope, validation and access of one config; the organization limit dominates the project's; adding
/// a grant never denies more; names compare case-insensitively.
pub fn azure(config: &Json, resources: &[Json], extra_grant: Option<Json>) {
    let Some(pipeline) = pipeline_of(config) else {
        return;
    };
    let scope = pipeline.resolve_scope();
    let _ = pipeline.validate();
    let profile = pipeline.profile();
    let kind = config["pipeline"]["kind"].as_str().unwrap_or("");
    let org = &config["organization"];
    let public = config["project"]["visibility"] == json!("public");
    let (setting, org_on, key) = match kind {
        "classic-release" => (
            profile.release_setting,
            org["limitJobScopeRelease"] == json!(true),
            "limitJobScopeRelease",
        ),
        _ => (
            profile.non_release_setting,
            org["limitJobScopeNonRelease"] == json!(true),
            "limitJobScopeNonRelease",
        ),
    };
    let release_forced = kind == "classic-release" && profile.release_always_collection;
    if public || (setting.is_some() && org_on && !release_forced) {
        assert_eq!(
            scope.scope.as_str(),
            "project",
            "org limit or public project must give project scope"
        );
        // Whatever the project says.
        for project_value in [json!(false), json!(true), Json::Null] {
            let mut flipped = config.clone();
            flipped["project"][key] = project_value;
            if let Some(p) = pipeline_of(&flipped) {
                assert_eq!(p.resolve_scope().scope.as_str(), "project");
            }
        }
    }
    let wider = extra_grant.and_then(|grant| {
        let mut wider = config.clone();
        wider["grants"].as_array_mut()?.push(grant);
        pipeline_of(&wider)
    });
    for resource in resources {
        let Ok(r) = parse::<AzureResource, _>(resource.clone()) else {
            continue;
        };
        let d = pipeline.check_access(&r);
        decision_shape(&d);
        if public && !r.project.trim().eq_ignore_ascii_case("SpaceGameWeb") {
            assert_eq!(d.reason, "public_project_isolation");
        }
        if let Some(wider) = &wider {
            let after = wider.check_access(&r);
            assert!(
                !d.allowed || after.allowed,
                "a grant denied more: {} -> {}",
                d.reason,
                after.reason
            );
        }
        let mut shouted = resource.clone();
        for field in ["project", "name"] {
            if let Some(text) = shouted[field].as_str() {
                shouted[field] = json!(text.to_ascii_uppercase());
            }
        }
        if let Ok(r) = parse::<AzureResource, _>(shouted) {
            let d2 = pipeline.check_access(&r);
            assert_eq!(
                (d.allowed, d.reason),
                (d2.allowed, d2.reason),
                "names compare case-insensitively"
            );
        }
    }
}

/// A JSON input: a config, or `{ config, resource }`.
pub fn azure_json(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<Json>(data) else {
        return;
    };
    let config = json.get("config").cloned().unwrap_or_else(|| json.clone());
    let mut resources = FuzzAzure::arbitrary_resources();
    if let Some(resource) = json.get("resource") {
        resources.push(resource.clone());
    }
    azure(&config, &resources, None);
}

impl FuzzAzure {
    fn arbitrary_resources() -> Vec<Json> {
        let mut out = Vec::new();
        for kind in RESOURCE_KINDS {
            for project in ["SpaceGameWeb", "FabrikamFiber"] {
                for action in ["read", "write"] {
                    out.push(json!({ "kind": kind, "project": project, "name": project, "action": action }));
                }
            }
        }
        out
    }
}

// ───────── gate ─────────

pub const ISSUER: &str = "https://gitlab.example.com";
pub const AUDIENCE: &str = "https://artifacts.example.com";
pub const NOW: f64 = 1_800_000_000.0;

/// The fixed gate every gate input is asked of.
pub fn fixed_gate() -> Gate {
    parse::<Gate, _>(json!({
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "world": { "version": "18.3", "projects": [
            { "path": "acme/ci" },
            { "path": "acme/tools/deploy" },
            { "path": "other/x", "visibility": "public" },
            { "path": "acme/api", "inbound": {
                "projects": [ "acme/ci", { "path": "acme/fine", "defaultPermissions": false, "policies": ["read_packages"] } ],
                "groups": [ { "path": "acme/tools" } ] } },
            { "path": "acme/fine" }
        ] },
        "routes": [
            { "method": "GET", "path": "/projects/:target/packages/*", "permission": "read_packages" },
            { "method": "get", "path": "/projects/:target/jobs/*" },
            { "method": "POST", "path": "/deploy", "target": "acme/api", "permission": "admin_deployments" },
            { "method": "PUT", "path": "/projects/:target" }
        ],
        "require": { "refProtected": true, "refType": "branch", "refs": ["main"] },
        "clockSkewSeconds": 60
    }))
    .expect("the fixed gate config is valid")
}

/// Any JSON-like value, bounded in size by the input.
#[derive(Arbitrary, Debug, Clone)]
pub enum FuzzJson {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    Array(Vec<FuzzJson>),
    Object(Vec<(String, FuzzJson)>),
}

impl FuzzJson {
    pub fn value(&self) -> Value<'_> {
        match self {
            FuzzJson::Null => Value::Null,
            FuzzJson::Bool(b) => Value::Bool(*b),
            FuzzJson::Number(n) if n.is_finite() => Value::Number(*n),
            FuzzJson::Number(_) => Value::Unsupported("NaN"),
            FuzzJson::Text(s) => Value::String(s.as_str().into()),
            FuzzJson::Array(items) => Value::Array(items.iter().map(FuzzJson::value).collect()),
            FuzzJson::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.as_str().into(), v.value()))
                    .collect(),
            ),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum FuzzClaim {
    Good,
    Missing,
    Other(FuzzJson),
}

#[derive(Arbitrary, Debug, Clone)]
pub struct FuzzRequest {
    method: u8,
    path: Vec<u8>,
    raw_path: Option<String>,
    header_alg: u8,
    header_kid: FuzzClaim,
    header_extra: Vec<(String, FuzzJson)>,
    iss: FuzzClaim,
    aud: FuzzClaim,
    exp: Option<i32>,
    nbf: Option<i32>,
    iat: Option<i32>,
    project: u8,
    ref_protected: FuzzClaim,
    ref_name: FuzzClaim,
    extra: Vec<(String, FuzzJson)>,
    now_offset: i32,
}

const GATE_PROJECTS: &[&str] = &[
    "acme/ci",
    "ACME/CI",
    "acme/tools/deploy",
    "other/x",
    "acme/fine",
    "acme/api",
    "nowhere/x",
    "",
    " ",
];
const URL_PARTS: &[&str] = &[
    "projects",
    "acme%2Fapi",
    "ACME%2fAPI",
    "packages",
    "x.tgz",
    "deploy",
    "%",
    "%zz",
    "%C3",
    "",
    "jobs",
    "acme%2Fci",
    "%2F",
];
const METHODS: &[&str] = &["GET", "get", "POST", "PUT", "DELETE", ""];
const ALGS: &[&str] = &["RS256", "ES256", "none", "HS256", "rs256", ""];

impl FuzzRequest {
    pub fn method(&self) -> &str {
        pick(METHODS, self.method)
    }

    pub fn path(&self) -> String {
        if let Some(raw) = &self.raw_path {
            return raw.clone();
        }
        let parts: Vec<&str> = self
            .path
            .iter()
            .take(6)
            .map(|&p| pick(URL_PARTS, p))
            .collect();
        format!("/{}", parts.join("/"))
    }

    pub fn header(&self) -> Value<'_> {
        let mut fields = vec![(
            "alg".into(),
            Value::String(pick(ALGS, self.header_alg).into()),
        )];
        match &self.header_kid {
            FuzzClaim::Good => fields.push(("kid".into(), Value::String("key-1".into()))),
            FuzzClaim::Missing => {}
            FuzzClaim::Other(v) => fields.push(("kid".into(), v.value())),
        }
        fields.extend(
            self.header_extra
                .iter()
                .take(3)
                .map(|(k, v)| (k.as_str().into(), v.value())),
        );
        Value::Object(fields)
    }

    pub fn claims(&self) -> Value<'_> {
        let mut fields: Vec<(Text, Value)> = Vec::new();
        let mut claim = |key: &'static str, c: &FuzzClaim, good: Value<'static>| match c {
            FuzzClaim::Good => fields.push((key.into(), good)),
            FuzzClaim::Missing => {}
            FuzzClaim::Other(v) => fields.push((key.into(), v.value().to_owned_value())),
        };
        claim("iss", &self.iss, Value::String(ISSUER.into()));
        claim(
            "aud",
            &self.aud,
            Value::Array(vec![
                Value::String("other".into()),
                Value::String(AUDIENCE.into()),
            ]),
        );
        claim(
            "ref_protected",
            &self.ref_protected,
            Value::String("true".into()),
        );
        claim("ref", &self.ref_name, Value::String("main".into()));
        for (key, offset) in [("exp", self.exp), ("nbf", self.nbf), ("iat", self.iat)] {
            if let Some(offset) = offset {
                fields.push((key.into(), Value::Number(NOW + offset as f64)));
            }
        }
        fields.push(("ref_type".into(), Value::String("branch".into())));
        fields.push((
            "project_path".into(),
            Value::String(pick(GATE_PROJECTS, self.project).into()),
        ));
        fields.extend(
            self.extra
                .iter()
                .take(3)
                .map(|(k, v)| (k.as_str().into(), v.value())),
        );
        Value::Object(fields)
    }

    pub fn now(&self) -> f64 {
        NOW + self.now_offset as f64
    }
}

/// The gate's answers are well-formed and agree with the world and the route table.
pub fn gate(gate: &Gate, method: &str, path: &str, header: &Value, claims: &Value, now: f64) {
    match gate.check_header(header) {
        Ok(accepted) => assert!(["RS256", "ES256"].contains(&accepted.alg)),
        Err(answer) => {
            assert_eq!(answer.status, 401);
            assert!(!answer.allowed);
        }
    }
    let answer = gate.authorize(method, path, claims, now);
    assert!(
        [200, 401, 403, 404].contains(&answer.status),
        "status {}",
        answer.status
    );
    assert_eq!(answer.allowed, answer.status == 200, "{answer:?}");
    let route = gate.route(method, path);
    assert_eq!(route.is_none(), answer.status == 404, "{answer:?}");
    if answer.allowed {
        assert!(answer.source.is_some() && answer.target.is_some());
        assert!(ALLOWING.contains(&answer.reason), "{answer:?}");
    }
    if let Some((_, matched)) = route {
        assert!(!matched.target.is_empty());
    }
}

/// A JSON input: `{ method, path, header, claims, now }`.
pub fn gate_json(g: &Gate, data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<Json>(data) else {
        return;
    };
    let text = |key: &str| {
        json.get(key)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let value = |key: &str| {
        parse::<Value, _>(json.get(key).cloned().unwrap_or(Json::Null)).unwrap_or(Value::Null)
    };
    let now = json.get("now").and_then(Json::as_f64).unwrap_or(NOW);
    gate(
        g,
        &text("method"),
        &text("path"),
        &value("header"),
        &value("claims"),
        now,
    );
}

// ───────── Snapshots ─────────

/// A generated world's snapshot: read back, it writes the same bytes and answers every query as the
/// world does; with `changes` written into its body and resealed (so that only the structural checks
/// stand between it and the engine), it is refused or, read, answers every question without panicking.
/// An input that starts as a snapshot does is read as one, as it is and resealed.
pub fn snapshot(data: &[u8]) {
    use job_token_scope::gitlab::snapshot::reseal;
    if data.starts_with(b"JTSW") {
        let mut bytes = data.to_vec();
        for _ in 0..2 {
            if let Ok(world) = World::from_bytes(&bytes) {
                every_answer(&world);
            }
            reseal(&mut bytes);
        }
        return;
    }
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(generated) = FuzzWorld::arbitrary(&mut u) else {
        return;
    };
    let Ok(input) = parse::<WorldInput, _>(generated.json()) else {
        return;
    };
    let Ok(world) = World::from_input(input) else {
        return;
    };
    let bytes = world.to_bytes();
    let read = World::from_bytes(&bytes).expect("a world's own snapshot reads back");
    assert_eq!(
        read.to_bytes(),
        bytes,
        "a world read back writes the same snapshot"
    );
    assert_eq!(every_answer(&read), every_answer(&world));
    let mut changed = bytes.clone();
    // `arbitrary` answers zeros once the input is used up: the count bounds the loop.
    for _ in 0..u.int_in_range(0..=8u8).unwrap_or(0) {
        let (Ok(at), Ok(word)) = (u.arbitrary::<u16>(), u.arbitrary::<u32>()) else {
            break;
        };
        let at = 24 + usize::from(at) % ((changed.len() - 24) / 4) * 4;
        changed[at..at + 4].copy_from_slice(&word.to_le_bytes());
    }
    assert!(
        changed == bytes || World::from_bytes(&changed).is_err(),
        "a changed snapshot was read without being resealed"
    );
    reseal(&mut changed);
    if let Ok(world) = World::from_bytes(&changed) {
        every_answer(&world);
    }
}

/// Every answer a world gives about its first projects, as text.
fn every_answer(world: &World) -> Vec<String> {
    let n = world.projects().len().min(8);
    let permissions: Vec<Option<Permission>> = std::iter::once(None)
        .chain(Permission::requestable().map(Some))
        .collect();
    let mut answers = Vec::new();
    for s in 0..n {
        for t in 0..n {
            for &permission in &permissions {
                let query = world
                    .query_by_index(s, t, permission)
                    .expect("indices in range");
                answers.push(format!("{:?}", query.explain()));
                answers.push(format!("{:?}", query.with_user("alice").explain()));
            }
        }
        let path = world.project_at(s).unwrap().path.to_owned();
        answers.push(format!("{:?}", world.resolve_scope(&path)));
        answers.push(format!("{:?}", world.compact(&path, Some(1))));
    }
    answers.push(format!("{:?}", world.validate()));
    answers
}
