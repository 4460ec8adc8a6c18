//! Properties of the GitLab rules over generated worlds: more allowlist entries never deny more,
//! switching the inbound limit off never denies more, a project always reaches itself, the fast and the
//! traced decision agree, and no generated input makes the engine panic.

use job_token_scope::gitlab::input::{
    EntryInput, InboundInput, InstanceInput, OutboundInput, ProjectInput, VersionText, Visibility,
};
use job_token_scope::gitlab::{Permission, Query, Role, World, WorldInput};
use proptest::prelude::*;

/// Paths at several depths, sharing groups, so group entries and ancestry matter.
const PROJECTS: &[&str] = &[
    "acme/api",
    "acme/ci",
    "acme/platform/web",
    "acme/platform/db",
    "acme/platform/infra/deploy",
    "Acme/Platform/Infra/Tools",
    "other/lib",
    "other/team/app",
];
const GROUPS: &[&str] = &[
    "acme",
    "acme/platform",
    "acme/platform/infra",
    "other",
    "other/team",
    "nowhere",
];
const VERSIONS: &[&str] = &[
    "13.12", "14.1", "15.8", "15.9", "16.0", "16.11", "17.0", "17.11", "18.0", "18.2", "18.3",
    "18.11", "latest",
];
const USERS: &[&str] = &["alice", "bob"];
const POLICIES: &[&str] = &[
    "read_packages",
    "admin_packages",
    "read_jobs",
    "admin_deployments",
    "read_repositories",
    "bogus",
];

fn entry(paths: &'static [&'static str]) -> impl Strategy<Value = EntryInput> {
    (
        prop::sample::select(paths),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(POLICIES), 0..3),
        any::<bool>(),
    )
        .prop_map(|(path, default_permissions, policies, upper)| EntryInput {
            path: if upper {
                path.to_uppercase()
            } else {
                path.to_owned()
            },
            default_permissions,
            policies: policies.into_iter().map(str::to_owned).collect(),
        })
}

fn project(path: &'static str) -> impl Strategy<Value = ProjectInput> {
    (
        prop::sample::select(
            &[
                Visibility::Private,
                Visibility::Internal,
                Visibility::Public,
            ][..],
        ),
        any::<bool>(),
        prop::collection::vec(entry(PROJECTS), 0..4),
        prop::collection::vec(entry(GROUPS), 0..3),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(PROJECTS), 0..3),
    )
        .prop_map(
            move |(visibility, enabled, projects, groups, outbound, outbound_projects)| {
                ProjectInput {
                    path: path.to_owned(),
                    visibility,
                    inbound: InboundInput {
                        enabled,
                        projects,
                        groups,
                    },
                    outbound: OutboundInput {
                        enabled: outbound,
                        projects: outbound_projects.into_iter().map(str::to_owned).collect(),
                    },
                }
            },
        )
}

fn roles() -> impl Strategy<Value = Vec<(String, Vec<(String, Role)>)>> {
    let role = prop::sample::select(
        &[
            Role::Guest,
            Role::Planner,
            Role::Reporter,
            Role::Developer,
            Role::Maintainer,
            Role::Owner,
        ][..],
    );
    let place = prop::sample::select([PROJECTS, GROUPS].concat());
    let roles = prop::collection::vec((place.prop_map(str::to_owned), role), 0..4);
    prop::collection::vec(
        (prop::sample::select(USERS).prop_map(str::to_owned), roles),
        0..3,
    )
}

fn world() -> impl Strategy<Value = WorldInput> {
    let projects: Vec<_> = PROJECTS.iter().map(|p| project(p)).collect();
    (
        prop::sample::select(VERSIONS),
        prop::option::of(any::<bool>()),
        projects,
        roles(),
    )
        .prop_map(|(version, enforce, projects, users)| WorldInput {
            version: Some(VersionText(version.to_owned())),
            instance: Some(InstanceInput {
                enforce_inbound_scope: enforce,
            }),
            projects,
            users,
        })
}

fn query() -> impl Strategy<Value = Query> {
    let permission = prop::option::of(prop::sample::select(Permission::all().collect::<Vec<_>>()));
    let user = prop::option::of(
        prop::sample::select(&["alice", "BOB", "carol"][..]).prop_map(str::to_owned),
    );
    (0..PROJECTS.len(), 0..PROJECTS.len(), permission, user).prop_map(
        |(source, target, permission, user)| Query {
            source,
            target,
            permission,
            user,
        },
    )
}

fn compile(input: WorldInput) -> World {
    World::from_input(input).expect("generated worlds are well-formed")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_project_always_reaches_itself(input in world(), q in query()) {
        let world = compile(input);
        let q = Query { target: q.source, ..q };
        let decision = world.explain(&q);
        prop_assert!(decision.allowed);
        prop_assert_eq!(decision.reason, "same_project");
    }

    #[test]
    fn check_and_explain_agree(input in world(), q in query()) {
        let world = compile(input);
        let decision = world.explain(&q);
        prop_assert_eq!(world.check(&q), decision.allowed);
        prop_assert!(!decision.trace.is_empty());
        prop_assert_eq!(decision.trace[0].step, "same_project");
    }

    #[test]
    fn adding_an_entry_never_denies_more(input in world(), q in query(), target in 0..PROJECTS.len(), added in entry(PROJECTS), group in entry(GROUPS), as_group in any::<bool>()) {
        let before = compile(input.clone()).check(&q);
        let mut wider = input;
        // An entry with default permissions only widens; a restricted one may narrow on purpose (18.3).
        let added = EntryInput { default_permissions: true, policies: Vec::new(), ..if as_group { group } else { added } };
        let list = if as_group { &mut wider.projects[target].inbound.groups } else { &mut wider.projects[target].inbound.projects };
        list.push(added);
        let after = compile(wider).check(&q);
        prop_assert!(!before || after, "an added entry turned an allowed request into a denial");
    }

    #[test]
    fn turning_the_inbound_limit_off_never_denies_more(input in world(), q in query()) {
        let before = compile(input.clone()).check(&q);
        let mut open = input;
        open.projects[q.target].inbound.enabled = false;
        let after = compile(open).check(&q);
        prop_assert!(!before || after);
    }

    #[test]
    fn paths_compare_case_insensitively(input in world(), q in query()) {
        let world = compile(input);
        let source = &world.projects()[q.source].path;
        let target = &world.projects()[q.target].path;
        let permission = q.permission.map(|p| p.name());
        let exact = world.check_paths(source, target, permission).unwrap();
        let shouted = world.check_paths(&source.to_uppercase(), &format!("/{}/", target.to_lowercase()), permission).unwrap();
        prop_assert_eq!(exact, shouted);
    }

    #[test]
    fn every_question_answers_without_panicking(input in world(), project in 0..PROJECTS.len(), limit in prop::option::of(0usize..6)) {
        let world = compile(input);
        let path = world.projects()[project].path.clone();
        let _ = world.validate();
        let scope = world.resolve_scope(&path).unwrap();
        prop_assert!(scope.reachable.iter().all(|r| r.project != path));
        // Compaction either fits the limit or says it cannot.
        if let Ok(compacted) = world.compact(&path, limit) {
            if let Some(limit) = limit {
                prop_assert!(compacted.projects.len() + compacted.groups.len() <= limit);
            }
        }
    }

    #[test]
    fn arbitrary_json_never_panics(text in ".{0,200}", version in "[0-9.a-z]{0,6}", path in "[/a-zA-Z ]{0,12}") {
        // Random strings where paths, versions and whole inputs go: errors, never panics.
        let _ = serde_json::from_str::<serde_json::Value>(&text).map(job_token_scope::parse::<WorldInput, _>);
        let raw = serde_json::json!({ "version": version, "projects": [ { "path": path, "inbound": { "projects": [path], "groups": [path] } } ], "users": { "u": { path.clone(): "guest" } } });
        if let Ok(input) = job_token_scope::parse::<WorldInput, _>(raw) {
            if let Ok(world) = World::from_input(input) {
                let _ = world.validate();
                let _ = world.resolve_scope(&path);
                let _ = world.compact(&path, Some(0));
            }
        }
    }
}
