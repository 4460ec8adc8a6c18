//! `planGitlabEnforcement` (docs/enforcement.md) against an independent reading of its rules, on
//! generated worlds small enough to try every allowlist:
//!
//! - brute force: among all sets of group entries (and a project entry for each needed source below
//!   none of them) within the limits, the proposal is the best by (newly admitted projects, entries,
//!   group entries, path order); where none fits, the plan is `invalid_input` naming the project;
//! - every proposal, applied to the world and enforced, admits every logged use, fits the limits, and
//!   `admitsAlso` is exactly what it newly admits; breaks are the logged uses today's entries refuse;
//! - where GitLab's auto-populate succeeds, its allowlist admits every logged use too, and the
//!   least-privilege proposal never admits more than it does.
//!
//! Fillers (entries naming paths outside the world) use up most of the release's 200-entry limits, so
//! that small worlds reach the project limit, the group limit, or both.

mod support;

use std::collections::BTreeSet;

use job_token_scope::gitlab::version::{profile, Version};
use job_token_scope::gitlab::{
    AuthLog, AuthLogEntry, PlanOptions, PlanStrategy as Plan, World, WorldInput,
};
use job_token_scope::{parse, ErrorCode};
use proptest::prelude::*;
use serde_json::{json, Value};

const PROJECTS: &[&str] = &[
    "a/p1", "a/p2", "a/b/p3", "a/b/p4", "a/b/c/p5", "a/d/p6", "e/p7", "e/f/p8", "e/f/p9", "g/p10",
];
const GROUPS: &[&str] = &["a", "a/b", "a/b/c", "a/d", "e", "e/f", "g", "nowhere"];
const VERSIONS: &[&str] = &["16.11", "17.0", "17.10", "18.3", "19.0"];

fn key(path: &str) -> String {
    path.trim_matches('/').to_ascii_lowercase()
}

/// `key` is strictly below group `group`.
fn below(key: &str, group: &str) -> bool {
    key.len() > group.len() && key.starts_with(group) && key.as_bytes()[group.len()] == b'/'
}

fn groups_above(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = key;
    while let Some((parent, _)) = at.rsplit_once('/') {
        out.push(parent.to_owned());
        at = parent;
    }
    out
}

/// Path order: segment by segment.
fn path_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let rank = |c: u8| if c == b'/' { 0 } else { c };
    a.bytes().map(rank).cmp(b.bytes().map(rank))
}

#[derive(Debug, Clone)]
struct Scenario {
    version: &'static str,
    target: usize,
    /// Today's project entries (indices into PROJECTS) and group entries (into GROUPS).
    projects: Vec<usize>,
    groups: Vec<usize>,
    /// Entries naming paths outside the world, to use up the limits.
    filler_projects: usize,
    filler_groups: usize,
    /// Logged sources (indices into PROJECTS; the target itself and an unknown one may appear).
    log: Vec<usize>,
    unknown_in_log: bool,
    limit: Option<usize>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::sample::select(VERSIONS),
        0..PROJECTS.len(),
        prop::collection::vec(0..PROJECTS.len(), 0..3),
        prop::collection::vec(0..GROUPS.len(), 0..2),
        prop::sample::select(&[0usize, 194, 196, 198, 199, 200][..]),
        prop::sample::select(&[0usize, 196, 198, 199, 200][..]),
        prop::collection::vec(0..PROJECTS.len(), 0..12),
        any::<bool>(),
        prop::option::of(0usize..9),
    )
        .prop_map(
            |(
                version,
                target,
                projects,
                groups,
                filler_projects,
                filler_groups,
                log,
                unknown_in_log,
                limit,
            )| Scenario {
                version,
                target,
                projects,
                groups,
                filler_projects,
                filler_groups,
                log,
                unknown_in_log,
                limit,
            },
        )
}

impl Scenario {
    fn target(&self) -> &'static str {
        PROJECTS[self.target]
    }

    fn groups_on(&self) -> bool {
        self.profile().groups
    }

    fn profile(&self) -> &'static job_token_scope::gitlab::Profile {
        profile(Version::parse(self.version, "version").unwrap())
    }

    fn today_projects(&self) -> Vec<String> {
        let mut list: Vec<String> = self
            .projects
            .iter()
            .map(|&p| PROJECTS[p].to_owned())
            .collect();
        list.extend((0..self.filler_projects).map(|i| format!("zz/filler{i}")));
        list
    }

    fn today_groups(&self) -> Vec<String> {
        let mut list: Vec<String> = self.groups.iter().map(|&g| GROUPS[g].to_owned()).collect();
        list.extend((0..self.filler_groups).map(|i| format!("yy/filler{i}")));
        list
    }

    fn world(&self, projects: Vec<String>, groups: Vec<String>) -> World {
        let mut list: Vec<Value> = PROJECTS.iter().map(|p| json!({ "path": p })).collect();
        list[self.target] =
            json!({ "path": self.target(), "inbound": { "projects": projects, "groups": groups } });
        let input: WorldInput =
            parse(json!({ "version": self.version, "projects": list })).unwrap();
        World::from_input(input).unwrap()
    }

    fn log(&self) -> AuthLog {
        let mut entries: Vec<AuthLogEntry> = (self.log.iter())
            .map(|&s| AuthLogEntry {
                source: PROJECTS[s].to_uppercase(),
                target: self.target().to_owned(),
                last_authorized_at: None,
            })
            .collect();
        if self.unknown_in_log {
            entries.push(AuthLogEntry {
                source: "gone/ci".to_owned(),
                target: self.target().to_owned(),
                last_authorized_at: None,
            });
        }
        AuthLog(entries)
    }

    fn admitted(&self, projects: &[String], groups: &[String], p: &str) -> bool {
        let k = key(p);
        projects.iter().any(|e| key(e) == k)
            || (self.groups_on() && groups.iter().any(|g| below(&k, &key(g))))
    }

    /// Logged sources of the world other than the target, in world order.
    fn logged(&self) -> Vec<&'static str> {
        let set: BTreeSet<usize> = self
            .log
            .iter()
            .copied()
            .filter(|&s| s != self.target)
            .collect();
        set.into_iter().map(|s| PROJECTS[s]).collect()
    }

    fn needed(&self) -> Vec<&'static str> {
        let (projects, groups) = (self.today_projects(), self.today_groups());
        (self.logged().into_iter())
            .filter(|p| !self.admitted(&projects, &groups, p))
            .collect()
    }

    /// (projects, groups, total) the proposal may add.
    fn budget(&self) -> (i64, i64, i64) {
        let own = key(self.target());
        let distinct = |list: Vec<String>, skip: &str| -> i64 {
            let set: BTreeSet<String> = list.iter().map(|e| key(e)).filter(|k| k != skip).collect();
            set.len() as i64
        };
        let p0 = distinct(self.today_projects(), &own);
        let g0 = if self.groups_on() {
            distinct(self.today_groups(), "")
        } else {
            0
        };
        let profile = self.profile();
        match self.limit {
            Some(limit) => {
                let left = limit as i64 - p0 - g0;
                (left, if self.groups_on() { left } else { 0 }, left)
            }
            None => {
                let projects = profile.project_limit.unwrap() as i64 - p0;
                let groups = profile.group_limit.unwrap_or(0) as i64 - g0;
                (projects, groups, projects + groups.max(0))
            }
        }
    }

    /// World projects that adding `groups` admits which are neither logged nor admitted today.
    fn newly_admitted(&self, groups: &[String]) -> BTreeSet<&'static str> {
        let (projects, today) = (self.today_projects(), self.today_groups());
        let logged = self.logged();
        (PROJECTS.iter().copied())
            .filter(|p| {
                *p != self.target()
                    && !logged.contains(p)
                    && !self.admitted(&projects, &today, p)
                    && groups.iter().any(|g| below(&key(p), &key(g)))
            })
            .collect()
    }

    /// The best additions by brute force: (cost, entries, groups, entry keys in path order), or
    /// `None` when nothing fits.
    fn best(&self) -> Option<(usize, usize, usize, Vec<String>)> {
        let needed = self.needed();
        if needed.is_empty() {
            return Some((0, 0, 0, Vec::new()));
        }
        let (max_projects, max_groups, max_total) = self.budget();
        if max_projects < 0 || max_groups < 0 || max_total < 0 {
            return None;
        }
        let candidates: Vec<String> = if self.groups_on() {
            let set: BTreeSet<String> = needed.iter().flat_map(|p| groups_above(&key(p))).collect();
            set.into_iter().collect()
        } else {
            Vec::new()
        };
        let mut best: Option<(usize, usize, usize, Vec<String>)> = None;
        for mask in 0u32..(1 << candidates.len()) {
            let chosen: Vec<String> = (0..candidates.len())
                .filter(|i| mask >> i & 1 == 1)
                .map(|i| candidates[i].clone())
                .collect();
            let projects: Vec<String> = (needed.iter())
                .map(|p| key(p))
                .filter(|k| !chosen.iter().any(|g| below(k, g)))
                .collect();
            let entries = chosen.len() + projects.len();
            if projects.len() as i64 > max_projects
                || chosen.len() as i64 > max_groups
                || entries as i64 > max_total
            {
                continue;
            }
            let cost = self.newly_admitted(&chosen).len();
            let mut keys: Vec<String> = chosen.iter().cloned().chain(projects).collect();
            keys.sort_by(|a, b| path_cmp(a, b));
            let candidate = (cost, entries, chosen.len(), keys);
            let better = match &best {
                None => true,
                Some(b) => {
                    (candidate.0, candidate.1, candidate.2)
                        .cmp(&(b.0, b.1, b.2))
                        .then_with(|| {
                            for (x, y) in candidate.3.iter().zip(&b.3) {
                                let order = path_cmp(x, y);
                                if order.is_ne() {
                                    return order;
                                }
                            }
                            std::cmp::Ordering::Equal
                        })
                        == std::cmp::Ordering::Less
                }
            };
            if better {
                best = Some(candidate);
            }
        }
        best
    }
}

fn plan_of(
    s: &Scenario,
    strategy: Plan,
) -> Result<job_token_scope::gitlab::EnforcementPlan, job_token_scope::Error> {
    let world = s.world(s.today_projects(), s.today_groups());
    let options = PlanOptions {
        projects: Some(vec![s.target().to_owned()]),
        strategy,
        limit: s.limit,
    };
    world.plan_enforcement(&s.log(), &options)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn the_proposal_is_the_best_of_all_allowlists(s in scenario()) {
        let best = s.best();
        let plan = plan_of(&s, Plan::LeastPrivilege);
        let Some((cost, entries, groups, keys)) = best else {
            let error = plan.expect_err("brute force finds no allowlist within the limits");
            prop_assert_eq!(error.code(), ErrorCode::InvalidInput);
            prop_assert_eq!(error.path(), format!("projects[{}]", s.target));
            prop_assert!(error.message().contains(s.target()), "{}", error.message());
            return Ok(());
        };
        let plan = plan.map_err(|e| TestCaseError::fail(format!("{e} (brute force: cost {cost}, {entries} entries)")))?;
        prop_assert_eq!(plan.projects.len(), 1);
        let p = &plan.projects[0];
        let today = (s.today_projects().len(), s.today_groups().len());
        let dedup = |list: Vec<String>| list.iter().map(|e| key(e)).collect::<BTreeSet<_>>().len();
        let (kept_projects, kept_groups) = (dedup(s.today_projects()), dedup(s.today_groups()));
        prop_assert!(today.0 >= kept_projects);
        let new_projects: Vec<String> = p.proposed.projects[kept_projects..].iter().map(|e| key(&e.path)).collect();
        let new_groups: Vec<String> = p.proposed.groups[kept_groups..].iter().map(|e| key(&e.path)).collect();
        let mut got: Vec<String> = new_groups.iter().chain(&new_projects).cloned().collect();
        got.sort_by(|a, b| path_cmp(a, b));
        prop_assert_eq!(p.admits_also.len(), cost, "cost; proposal {:?}, best {:?}", got, keys);
        prop_assert_eq!((got.len(), new_groups.len()), (entries, groups), "proposal {:?}, best {:?}", got, keys);
        prop_assert_eq!(got, keys);
    }

    #[test]
    fn proposals_admit_every_logged_use_fit_and_name_what_they_open(s in scenario()) {
        for strategy in [Plan::LeastPrivilege, Plan::Gitlab] {
            let Ok(plan) = plan_of(&s, strategy) else { continue };
            let p = &plan.projects[0];
            let (today_projects, today_groups) = (s.today_projects(), s.today_groups());
            // Breaks: the logged uses today's entries refuse, in world order.
            let breaks: Vec<String> = p.breaks.iter().map(|b| b.source.clone()).collect();
            prop_assert_eq!(breaks, s.needed().iter().map(|p| p.to_string()).collect::<Vec<_>>());
            prop_assert_eq!(plan.unknown.len(), usize::from(s.unknown_in_log));

            let lists = [(&p.proposed.projects, &p.proposed.groups, &p.admits_also, true)];
            let gitlab = p.gitlab.as_ref().filter(|g| g.error.is_none());
            let gitlab_lists = gitlab.map(|g| (&g.projects, &g.groups, &g.admits_also, false));
            for (projects, groups, admits_also, ours) in lists.into_iter().chain(gitlab_lists) {
                let projects: Vec<String> = projects.iter().map(|e| e.path.clone()).collect();
                let groups: Vec<String> = groups.iter().map(|e| e.path.clone()).collect();
                // Today's entries are kept.
                prop_assert!(today_projects.iter().all(|e| projects.iter().any(|x| key(x) == key(e))));
                prop_assert!(today_groups.iter().all(|e| groups.iter().any(|x| key(x) == key(e))));
                // Applied and enforced, it admits every logged use.
                let after = s.world(projects.clone(), groups.clone());
                let scope = after.resolve_scope(s.target()).unwrap();
                prop_assert!(scope.inbound_enforced);
                for source in s.logged() {
                    prop_assert!(scope.reachable_by.iter().any(|r| r.project == source), "{} not admitted", source);
                }
                // admitsAlso: exactly the projects it newly admits.
                let new_groups: Vec<String> = groups.iter().filter(|g| !today_groups.iter().any(|t| key(t) == key(g))).cloned().collect();
                let expected: BTreeSet<&str> = s.newly_admitted(&new_groups);
                let got: BTreeSet<&str> = admits_also.iter().map(String::as_str).collect();
                prop_assert_eq!(got, expected);
                // Within the limits: ours within the release's (or `limit`); GitLab's within its own.
                let distinct = |list: &[String], skip: &str| list.iter().map(|e| key(e)).filter(|k| k != skip).collect::<BTreeSet<_>>().len();
                let (np, ng) = (distinct(&projects, &key(s.target())), if s.groups_on() { distinct(&groups, "") } else { 0 });
                if s.needed().is_empty() {
                    continue;
                }
                if ours {
                    match s.limit {
                        Some(limit) => prop_assert!(np + ng <= limit, "{} + {} over {}", np, ng, limit),
                        None => {
                            prop_assert!(np <= s.profile().project_limit.unwrap());
                            prop_assert!(ng <= s.profile().group_limit.unwrap_or(0));
                        }
                    }
                } else {
                    let requested = s.limit.unwrap_or(200);
                    prop_assert!(distinct(&projects, "") + distinct(&groups, "") <= requested.max(today_projects.len() + today_groups.len()));
                }
            }
            // Least privilege never admits more than GitLab's greedy.
            if strategy == Plan::LeastPrivilege {
                if let Some(g) = gitlab {
                    prop_assert!(p.admits_also.len() <= g.admits_also.len(), "ours {:?}, GitLab's {:?}", p.admits_also, g.admits_also);
                }
            }
        }
    }
}

/// A hub used by three services of each of six teams, where team `t` has `t` services that do not
/// use it. Merging a team saves two entries and opens its unused services: the cheapest teams first,
/// and `org` once even all six teams do not fit. GitLab's greedy ignores what a merge opens.
#[test]
fn a_hub_over_the_limit_merges_the_cheapest_teams() {
    let mut projects = vec![json!({ "path": "hub/api" })];
    let mut log = Vec::new();
    for team in 0..6 {
        for service in 0..3 + team {
            let path = format!("org/team{team}/svc{service}");
            projects.push(json!({ "path": path }));
            if service < 3 {
                log.push(AuthLogEntry {
                    source: path,
                    target: "hub/api".to_owned(),
                    last_authorized_at: None,
                });
            }
        }
    }
    let input: WorldInput = parse(json!({ "version": "18.3", "projects": projects })).unwrap();
    let world = World::from_input(input).unwrap();
    for (limit, cost) in [
        (18, 0),
        (16, 0),
        (12, 3),
        (8, 10),
        (6, 15),
        (3, 15),
        (1, 15),
    ] {
        let options = PlanOptions {
            limit: Some(limit),
            ..PlanOptions::default()
        };
        let plan = world
            .plan_enforcement(&AuthLog(log.clone()), &options)
            .unwrap();
        let p = &plan.projects[0];
        assert_eq!(p.breaks.len(), 18);
        assert!(p.proposed.projects.len() + p.proposed.groups.len() <= limit);
        assert_eq!(
            p.admits_also.len(),
            cost,
            "limit {limit}: {:?}",
            p.proposed.groups
        );
        if limit <= 6 {
            assert_eq!(p.proposed.groups.len(), 1, "org, one entry");
        }
        let gitlab = p.gitlab.as_ref().unwrap();
        assert!(gitlab.error.is_none());
        assert!(cost <= gitlab.admits_also.len(), "limit {limit}");
    }
}
