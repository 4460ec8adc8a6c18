//! Properties of the GitLab rules over generated worlds: more allowlist entries never deny more,
//! switching the inbound limit off never denies more, a project always reaches itself, the fast and the
//! traced decision agree, and no generated input makes the engine panic.

mod support;

use support::worlds::*;

use job_token_scope::gitlab::input::EntryInput;
use job_token_scope::gitlab::{World, WorldInput};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_project_always_reaches_itself(input in world(), q in query()) {
        let world = compile(input);
        let q = Ask { target: q.source, ..q };
        let decision = q.on(&world).explain();
        prop_assert!(decision.allowed);
        prop_assert_eq!(decision.reason, "same_project");
    }

    #[test]
    fn check_and_explain_agree(input in world(), q in query()) {
        let world = compile(input);
        let decision = q.on(&world).explain();
        prop_assert_eq!(q.on(&world).check(), decision.allowed);
        prop_assert!(!decision.trace.is_empty());
        prop_assert_eq!(decision.trace[0].step, "same_project");
    }

    #[test]
    fn adding_an_entry_never_denies_more(input in world(), q in query(), target in 0..PROJECTS.len(), added in entry(PROJECTS), group in entry(GROUPS), as_group in any::<bool>()) {
        let before = q.on(&compile(input.clone())).check();
        let mut wider = input;
        // An entry with default permissions only widens; a restricted one may narrow on purpose (18.3).
        let added = EntryInput { default_permissions: true, policies: Vec::new(), ..if as_group { group } else { added } };
        let list = if as_group { &mut wider.projects[target].inbound.groups } else { &mut wider.projects[target].inbound.projects };
        list.push(added);
        let after = q.on(&compile(wider)).check();
        prop_assert!(!before || after, "an added entry turned an allowed request into a denial");
    }

    #[test]
    fn turning_the_inbound_limit_off_never_denies_more(input in world(), q in query()) {
        let before = q.on(&compile(input.clone())).check();
        let mut open = input;
        open.projects[q.target].inbound.enabled = false;
        let after = q.on(&compile(open)).check();
        prop_assert!(!before || after);
    }

    #[test]
    fn paths_compare_case_insensitively(input in world(), q in query()) {
        let world = compile(input);
        let source = world.project_at(q.source).unwrap().path;
        let target = world.project_at(q.target).unwrap().path;
        let permission = q.permission.map(|p| p.name());
        let exact = world.check_paths(source, target, permission).unwrap();
        let shouted = world.check_paths(&source.to_uppercase(), &format!("/{}/", target.to_lowercase()), permission).unwrap();
        prop_assert_eq!(exact, shouted);
    }

    #[test]
    fn every_question_answers_without_panicking(input in world(), project in 0..PROJECTS.len(), limit in prop::option::of(0usize..6)) {
        let world = compile(input);
        let path = world.project_at(project).unwrap().path.to_owned();
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
