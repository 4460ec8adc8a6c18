//! More properties over generated worlds (tests/properties.rs has the first ones):
//!
//! - switching a limit on never allows more: the target's inbound limit, the instance's enforcement,
//!   the source's outbound limit;
//! - a group entry is the same as project entries for every project below it (17.0+, default
//!   permissions);
//! - `check` ≡ `explain(..).allowed` ≡ `check_indices` ≡ `check_paths` ≡ `verdict` on every query;
//! - compaction stays within the limit and admits a superset of what the old allowlist admitted, and
//!   `admitsAlso` names every project it newly admits; with default permissions it denies no request the
//!   old allowlist allowed (restricted entries: two cases pinned at the end);
//! - Azure: an organization-level limit dominates the project's value where the product has the setting.

mod support;

use support::worlds::*;

use job_token_scope::azure::{AzureConfig, AzurePipeline};
use job_token_scope::gitlab::input::{EntryInput, InstanceInput};
use job_token_scope::gitlab::{Permission, World, WorldInput};
use proptest::prelude::*;
use serde_json::json;

/// Every query of a world: every pair, no permission and every permission, no user and two users.
fn every_query() -> Vec<Ask> {
    let mut out = Vec::new();
    for source in 0..PROJECTS.len() {
        for target in 0..PROJECTS.len() {
            for permission in std::iter::once(None).chain(Permission::requestable().map(Some)) {
                for user in [None, Some("alice"), Some("bob")] {
                    out.push(Ask {
                        source,
                        target,
                        permission,
                        user: user.map(str::to_owned),
                    });
                }
            }
        }
    }
    out
}

fn key(path: &str) -> String {
    path.trim_matches(|c: char| c == '/' || c.is_ascii_whitespace())
        .to_ascii_lowercase()
}

/// `key` is `group` or below it, segment-wise.
fn within(key: &str, group: &str) -> bool {
    key == group || (key.starts_with(group) && key.as_bytes().get(group.len()) == Some(&b'/'))
}

fn default_entry(path: &str) -> EntryInput {
    EntryInput {
        path: path.to_owned(),
        default_permissions: true,
        policies: Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn switching_the_targets_inbound_limit_on_never_allows_more(input in world(), q in query()) {
        let mut on = input.clone();
        on.projects[q.target].inbound.enabled = true;
        let mut off = input;
        off.projects[q.target].inbound.enabled = false;
        prop_assert!(!q.on(&compile(on)).check() || q.on(&compile(off)).check());
    }

    #[test]
    fn instance_enforcement_never_allows_more(input in world(), q in query()) {
        let mut enforced = input.clone();
        enforced.instance = Some(InstanceInput { enforce_inbound_scope: Some(true) });
        let mut not = input;
        not.instance = Some(InstanceInput { enforce_inbound_scope: Some(false) });
        prop_assert!(!q.on(&compile(enforced)).check() || q.on(&compile(not)).check());
    }

    #[test]
    fn the_outbound_limit_never_allows_more(input in world(), q in query()) {
        let mut limited = input.clone();
        limited.projects[q.source].outbound.enabled = true;
        let mut open = input;
        open.projects[q.source].outbound.enabled = false;
        prop_assert!(!q.on(&compile(limited)).check() || q.on(&compile(open)).check());
    }

    #[test]
    fn a_group_entry_is_the_entries_of_every_project_below_it(
        input in world_at(GROUP_VERSIONS),
        target in 0..PROJECTS.len(),
        group in prop::sample::select(GROUPS),
    ) {
        // Default permissions everywhere: what an entry admits, not what it restricts.
        let mut base = input;
        for p in &mut base.projects {
            for e in p.inbound.projects.iter_mut().chain(p.inbound.groups.iter_mut()) {
                *e = default_entry(&e.path);
            }
        }
        let mut grouped = base.clone();
        grouped.projects[target].inbound.groups.push(default_entry(group));
        let mut listed = base;
        for path in PROJECTS.iter().filter(|p| within(&key(p), &key(group))) {
            listed.projects[target].inbound.projects.push(default_entry(path));
        }
        let (grouped, listed) = (compile(grouped), compile(listed));
        for source in 0..PROJECTS.len() {
            for permission in std::iter::once(None).chain(Permission::requestable().map(Some)) {
                for user in [None, Some("alice".to_owned())] {
                    let q = Ask { source, target, permission, user };
                    prop_assert_eq!(q.on(&grouped).check(), q.on(&listed).check(), "{:?} with group {}", q, group);
                }
            }
        }
    }

    #[test]
    fn every_way_of_asking_gives_the_same_answer(input in world()) {
        let world = compile(input);
        let paths: Vec<String> = world.projects().map(|p| p.path.to_owned()).collect();
        for q in every_query() {
            let decision = q.on(&world).explain();
            prop_assert_eq!(q.on(&world).check(), decision.allowed, "check vs explain {:?}", q);
            if q.user.is_none() {
                prop_assert_eq!(
                    world.check_indices(q.source, q.target, q.permission.map(Permission::index)),
                    Some(decision.allowed),
                    "check_indices {:?}", q
                );
                let by_path = world
                    .check_paths(&paths[q.source], &paths[q.target], q.permission.map(Permission::name))
                    .unwrap();
                prop_assert_eq!(by_path, decision.allowed, "check_paths {:?}", q);
                let verdict = q.on(&world).verdict();
                prop_assert_eq!((verdict.allowed, verdict.reason.as_str(), verdict.message), (decision.allowed, decision.reason, decision.message.clone()));
            }
        }
        prop_assert_eq!(world.check_indices(PROJECTS.len(), 0, None), None);
        prop_assert_eq!(world.check_indices(0, 0, Some(19)), None);
    }

    #[test]
    fn compaction_fits_and_admits_a_superset(
        input in world_at(GROUP_VERSIONS),
        target in 0..PROJECTS.len(),
        limit in prop::option::of(0usize..6),
    ) {
        let world = compile(input.clone());
        let path = world.project_at(target).unwrap().path.to_owned();
        let Ok(compacted) = world.compact(&path, limit) else {
            return Ok(());
        };
        let count = compacted.projects.len() + compacted.groups.len();
        prop_assert!(count <= limit.unwrap_or(200), "{} entries over the limit {:?}", count, limit);

        // The old allowlist's entries, by key; and the new one's.
        let own = key(&path);
        let old = &input.projects[target].inbound;
        let admitted_before = |k: &str| {
            old.projects.iter().any(|e| key(&e.path) == k)
                || old.groups.iter().any(|e| within(k, &key(&e.path)))
        };
        let admitted_after = |k: &str| {
            compacted.projects.iter().any(|e| key(&e.path) == k)
                || compacted.groups.iter().any(|e| within(k, &key(&e.path)))
        };
        for p in PROJECTS {
            let k = key(p);
            if k == own {
                continue;
            }
            prop_assert!(!admitted_before(&k) || admitted_after(&k), "compaction dropped {}", p);
            if admitted_after(&k) && !admitted_before(&k) {
                let listed = compacted.admits_also.0.iter().any(|(_, extra)| extra.iter().any(|x| key(x) == k));
                prop_assert!(listed, "{} newly admitted but not in admitsAlso", p);
            }
        }

        // As decisions, with default permissions everywhere: the compacted allowlist denies nothing the
        // old one allowed. (With restricted entries it can: see the two tests at the end of this file.)
        let mut open = input;
        let inbound = &mut open.projects[target].inbound;
        for e in inbound.projects.iter_mut().chain(inbound.groups.iter_mut()) {
            *e = default_entry(&e.path);
        }
        let world = compile(open.clone());
        let Ok(compacted) = world.compact(&path, limit) else {
            return Ok(());
        };
        let mut after = open;
        let to_entry = |e: &job_token_scope::gitlab::CompactEntry| EntryInput {
            path: e.path.clone(),
            default_permissions: e.default_permissions,
            policies: e.policies.clone(),
        };
        after.projects[target].inbound.projects = compacted.projects.iter().map(to_entry).collect();
        after.projects[target].inbound.groups = compacted.groups.iter().map(to_entry).collect();
        let after = compile(after);
        for source in 0..PROJECTS.len() {
            for permission in std::iter::once(None).chain(Permission::requestable().map(Some)) {
                for user in [None, Some("alice".to_owned())] {
                    let q = Ask { source, target, permission, user };
                    prop_assert!(!q.on(&world).check() || q.on(&after).check(), "compaction denied {:?}", q);
                }
            }
        }
    }

    #[test]
    fn an_organization_limit_dominates_the_project(
        product in prop::sample::select(&["services", "server-2022", "server-2020", "server-2019"][..]),
        kind in prop::sample::select(&["yaml", "classic-build", "classic-release"][..]),
        org in (any::<bool>(), any::<bool>(), any::<bool>()),
        project in (prop::option::of(any::<bool>()), prop::option::of(any::<bool>()), prop::option::of(any::<bool>())),
        build_scope in prop::option::of(prop::sample::select(&["project", "collection"][..])),
        public in any::<bool>(),
    ) {
        let mut config = json!({
            "product": product,
            "organization": { "name": "fabrikam-tailspin", "limitJobScopeNonRelease": org.0,
                              "limitJobScopeRelease": org.1, "protectRepos": org.2 },
            "project": { "name": "SpaceGameWeb", "visibility": if public { "public" } else { "private" } },
            "pipeline": { "kind": kind },
        });
        for (name, value) in [("limitJobScopeNonRelease", project.0), ("limitJobScopeRelease", project.1), ("protectRepos", project.2)] {
            if let Some(value) = value {
                config["project"][name] = json!(value);
            }
        }
        if let Some(scope) = build_scope {
            config["pipeline"]["buildJobAuthorizationScope"] = json!(scope);
        }
        let scope = |config: &serde_json::Value| {
            let config: AzureConfig = job_token_scope::parse(config.clone()).unwrap();
            AzurePipeline::from_config(config).unwrap().resolve_scope().scope.as_str()
        };
        // SPEC §4 and docs/azure-rules.md's product table: where the setting for this kind exists.
        let (setting_exists, org_on, name) = match (kind, product) {
            ("classic-release", "services" | "server-2022") => (true, org.1, "limitJobScopeRelease"),
            ("classic-release", _) => (false, false, "limitJobScopeRelease"),
            (_, "server-2019") => (false, false, "limitJobScopeNonRelease"),
            _ => (true, org.0, "limitJobScopeNonRelease"),
        };
        if public || (setting_exists && org_on) {
            for project_value in [json!(true), json!(false), serde_json::Value::Null] {
                let mut variant = config.clone();
                variant["project"][name] = project_value.clone();
                prop_assert_eq!(scope(&variant), "project", "org on ({}), project {} on {} {}", org_on, project_value, product, kind);
            }
        }
        // And a project limit on means project scope wherever the setting exists.
        if setting_exists {
            let mut variant = config.clone();
            variant["project"][name] = json!(true);
            prop_assert_eq!(scope(&variant), "project");
        }
    }
}

/// Found by `compaction_fits_and_admits_a_superset`: merging entries without default permissions into a
/// group entry newly covers acme/platform/db, whose read of the internal acme/api then meets the merged
/// entry's (empty) policies. GitLab's API falls back to public access there
/// (`allow_public_access_for_enabled_project_features` on the artifact routes: repository and builds
/// visible to everyone), so the read stays open, and closes with the builds feature.
#[test]
fn a_restricted_merged_entry_keeps_the_public_access_fallback() {
    let world = |inbound: serde_json::Value, builds: &str| {
        World::from_input(
            job_token_scope::parse::<WorldInput, _>(json!({
                "version": "18.3",
                "projects": [
                    { "path": "acme/api", "visibility": "internal", "inbound": inbound,
                      "features": { "builds": builds } },
                    { "path": "acme/ci" }, { "path": "acme/platform/web" }, { "path": "acme/platform/db" }
                ]
            }))
            .unwrap(),
        )
        .unwrap()
    };
    let restricted = |path: &str| json!({ "path": path, "defaultPermissions": false });
    let listed = json!({
        "projects": [restricted("acme/ci"), restricted("acme/platform/web")],
        "groups": [restricted("other")]
    });
    let compacted = world(listed.clone(), "enabled")
        .compact("acme/api", Some(2))
        .unwrap();
    assert_eq!(compacted.groups[1].path, "acme");
    assert!(!compacted.groups[1].default_permissions);
    let merged = json!({ "groups": [restricted("other"), restricted("acme")] });
    let q = job_token_scope::gitlab::RequestInput {
        source: "acme/platform/db".into(),
        target: "acme/api".into(),
        permission: Some("read_jobs".into()),
        user: None,
    };
    let decide = |w: World| {
        let d = w.query(&q).unwrap().explain();
        (d.allowed, d.reason)
    };
    assert_eq!(
        decide(world(listed.clone(), "enabled")),
        (true, "anonymous_level")
    );
    assert_eq!(
        decide(world(merged.clone(), "enabled")),
        (true, "anonymous_level")
    );
    assert_eq!(
        decide(world(listed, "private")),
        (false, "not_in_inbound_allowlist")
    );
    assert_eq!(
        decide(world(merged, "private")),
        (false, "permission_not_granted")
    );
}

/// KNOWN ISSUE (found by `compaction_fits_and_admits_a_superset` when it compared decisions with
/// restricted entries; reported, not fixed here: docs/gitlab-rules.md decision 12 / src/gitlab/compact.rs). A new group
/// entry placed below an existing, more permissive ancestor entry becomes the nearest entry of every
/// project under it, so merging two restricted entries into `acme/platform` takes away what the
/// default-permission `acme` entry gave acme/platform/db. Compaction should widen, never narrow: the
/// merged entry should also carry the permissions of the nearest ancestor entry it shadows.
#[test]
fn compaction_never_narrows_what_an_ancestor_entry_granted() {
    let world = |inbound: serde_json::Value| {
        World::from_input(
            job_token_scope::parse::<WorldInput, _>(json!({
                "version": "18.3",
                "projects": [
                    { "path": "acme/platform/infra/tools", "inbound": inbound },
                    { "path": "acme/platform/web" }, { "path": "acme/platform/db" }
                ]
            }))
            .unwrap(),
        )
        .unwrap()
    };
    let restricted = |path: &str| json!({ "path": path, "defaultPermissions": false });
    let before = world(json!({
        "projects": [restricted("acme/platform/web")],
        "groups": [restricted("acme/platform/infra"), { "path": "acme" }]
    }));
    let compacted = before
        .compact("acme/platform/infra/tools", Some(2))
        .unwrap();
    let inbound = json!({
        "groups": compacted.groups.iter().map(|e| json!({
            "path": e.path, "defaultPermissions": e.default_permissions, "policies": e.policies
        })).collect::<Vec<_>>()
    });
    let after = world(inbound);
    let q = job_token_scope::gitlab::RequestInput {
        source: "acme/platform/db".into(),
        target: "acme/platform/infra/tools".into(),
        permission: Some("read_deployments".into()),
        user: None,
    };
    assert!(before.query(&q).unwrap().check());
    assert!(
        after.query(&q).unwrap().check(),
        "compaction to {compacted:?} denies {q:?}"
    );
}

/// Paths where a project and a group share a name (`g/p` is both), so that a group entry's own path
/// is a project that entry does not admit (a project's groups are the ones above it).
const SHARED_PATHS: &[&str] = &["g/p", "g/q", "g/r/x", "h/y"];
const SHARED_GROUPS: &[&str] = &["g", "g/p", "g/q", "g/r", "g/p/x", "h"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `admitsAlso` lists exactly the projects whose decision flips from denied to allowed when the
    /// compacted allowlist replaces the old one (default permissions), and no decision flips back.
    #[test]
    fn admits_also_is_exactly_the_projects_whose_decision_flips(
        projects in prop::collection::vec(prop::sample::select(SHARED_PATHS), 0..4),
        groups in prop::collection::vec(prop::sample::select(SHARED_GROUPS), 0..4),
        limit in 0usize..4,
    ) {
        let world = |inbound: serde_json::Value| {
            let mut list = vec![json!({ "path": "acme/t", "inbound": inbound })];
            list.extend(SHARED_PATHS.iter().map(|p| json!({ "path": p })));
            World::from_input(
                job_token_scope::parse::<WorldInput, _>(json!({ "version": "18.3", "projects": list }))
                    .unwrap(),
            )
            .unwrap()
        };
        let before = world(json!({ "projects": projects, "groups": groups }));
        let Ok(compacted) = before.compact("acme/t", Some(limit)) else {
            return Ok(());
        };
        let paths = |entries: &[job_token_scope::gitlab::CompactEntry]| {
            entries.iter().map(|e| e.path.clone()).collect::<Vec<_>>()
        };
        let after = world(json!({
            "projects": paths(&compacted.projects),
            "groups": paths(&compacted.groups)
        }));
        let listed: std::collections::BTreeSet<&str> = compacted
            .admits_also
            .0
            .iter()
            .flat_map(|(_, extra)| extra.iter().map(String::as_str))
            .collect();
        let mut flipped = std::collections::BTreeSet::new();
        for (i, path) in SHARED_PATHS.iter().enumerate() {
            let q = Ask { source: i + 1, target: 0, permission: None, user: None };
            let (was, is) = (q.on(&before).check(), q.on(&after).check());
            prop_assert!(!was || is, "compaction denied {}", path);
            if is && !was {
                flipped.insert(*path);
            }
        }
        prop_assert_eq!(listed, flipped);
    }
}
