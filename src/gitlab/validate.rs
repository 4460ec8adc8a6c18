//! `validateGitlabWorld`: the settings GitLab itself would refuse or flag, as [`Problem`]s.
//!
//! A world with problems still decides (the rules read it as given); validation says where it differs
//! from what GitLab would let you save.

use crate::hash::HashMap;

use super::permission::Permission;
use super::world::{Entry, World};
use crate::Problem;

/// Problem codes of SPEC §3.
pub const ALLOWLIST_LIMIT_EXCEEDED: &str = "allowlist_limit_exceeded";
pub const DUPLICATE_ENTRY: &str = "duplicate_entry";
pub const SELF_ENTRY: &str = "self_entry";
pub const UNKNOWN_ENTRY: &str = "unknown_entry";
pub const GROUPS_UNSUPPORTED: &str = "groups_unsupported";
pub const OUTBOUND_REMOVED: &str = "outbound_removed";
pub const POLICIES_UNSUPPORTED: &str = "policies_unsupported";
pub const UNKNOWN_POLICY: &str = "unknown_policy";

/// GitLab's own message for a duplicate allowlist entry.
pub const DUPLICATE_MESSAGE: &str = "This project is already in the job token allowlist.";

fn problem(code: &'static str, path: String, message: String) -> Problem {
    Problem {
        code,
        path,
        message,
    }
}

impl World {
    /// Every problem, project by project, in input order.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let version = self.version;
        for (i, p) in self.projects.iter().enumerate() {
            let at = format!("projects[{i}]");
            self.validate_list(
                &p.inbound_projects,
                &format!("{at}.inbound.projects"),
                &p.key,
                "project",
                &mut problems,
            );
            if !self.profile.groups {
                for (j, entry) in p.inbound_groups.iter().enumerate() {
                    problems.push(problem(
                        GROUPS_UNSUPPORTED,
                        format!("{at}.inbound.groups[{j}]"),
                        format!("groups can be added to the allowlist from GitLab 17.0 (this is {version}); {} is ignored", entry.path),
                    ));
                }
            }
            self.validate_list(
                &p.inbound_groups,
                &format!("{at}.inbound.groups"),
                &p.key,
                "group",
                &mut problems,
            );
            self.validate_list(
                &p.outbound_projects,
                &format!("{at}.outbound.projects"),
                &p.key,
                "project",
                &mut problems,
            );
            if p.outbound_enabled && !self.profile.outbound && self.profile.inbound {
                problems.push(problem(
                    OUTBOUND_REMOVED,
                    format!("{at}.outbound.enabled"),
                    format!("the outbound \"Limit CI_JOB_TOKEN access\" setting was removed in GitLab 18.0 (this is {version}); it has no effect"),
                ));
            }
            if let Some(limit) = self.profile.allowlist_limit {
                let count = self.entry_count(i);
                if count > limit {
                    problems.push(problem(
                        ALLOWLIST_LIMIT_EXCEEDED,
                        format!("{at}.inbound"),
                        format!("{}'s allowlist has {count} entries; GitLab {version} allows at most {limit}", p.path),
                    ));
                }
            }
        }
        problems
    }

    fn validate_list(
        &self,
        entries: &[Entry],
        at: &str,
        own_key: &str,
        kind: &str,
        problems: &mut Vec<Problem>,
    ) {
        // A map used as a set, of the world's own map type: one hash table type in the wasm.
        let mut seen: HashMap<String, usize> = HashMap::default();
        for (j, entry) in entries.iter().enumerate() {
            // Most entries have no problem: their location is built only for one.
            let here = || format!("{at}[{j}]");
            if seen.insert(entry.key().to_owned(), j).is_some() {
                problems.push(problem(
                    DUPLICATE_ENTRY,
                    here(),
                    DUPLICATE_MESSAGE.to_owned(),
                ));
            }
            if kind == "project" && entry.key() == own_key {
                problems.push(problem(
                    SELF_ENTRY,
                    here(),
                    format!(
                        "{} is always allowed to use its own job token; the entry is redundant",
                        entry.path
                    ),
                ));
            } else if !self.names_known(entry, kind) {
                problems.push(problem(
                    UNKNOWN_ENTRY,
                    here(),
                    format!(
                        "no {kind} \"{}\" in this world; GitLab would refuse to add it",
                        entry.path
                    ),
                ));
            }
            let restricted = !entry.default_permissions || !entry.policies.is_empty();
            if restricted && !self.profile.fine_grained {
                problems.push(problem(
                    POLICIES_UNSUPPORTED,
                    here(),
                    format!("fine-grained permissions arrive in GitLab 18.3 (this is {}); the entry grants the default permissions", self.version),
                ));
            }
            for (k, policy) in entry.policies.iter().enumerate() {
                if Permission::from_name(policy).is_none() {
                    problems.push(problem(
                        UNKNOWN_POLICY,
                        format!("{}.policies[{k}]", here()),
                        format!(
                            "unknown policy \"{policy}\"; it grants nothing. Expected one of {}",
                            Permission::names()
                        ),
                    ));
                }
            }
        }
    }
}
