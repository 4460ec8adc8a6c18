//! `validateGitlabWorld`: the settings GitLab itself would refuse or flag, as [`Problem`]s.
//!
//! A world with problems still decides (the rules read it as given); validation says where it differs
//! from what GitLab would let you save. The problem codes are listed in docs/gitlab-rules.md,
//! "Validation".

use crate::hash::HashMap;

use super::permission::Permission;
use super::version::Version;
use super::world::{Entries, List, World};
use crate::Problem;

/// `allowlist_limit_exceeded`: a list holds more entries than the release allows (projects and
/// groups each against their own limit).
pub const ALLOWLIST_LIMIT_EXCEEDED: &str = "allowlist_limit_exceeded";
/// `duplicate_entry`: the same project or group twice on one list.
pub const DUPLICATE_ENTRY: &str = "duplicate_entry";
/// `self_entry`: a project on its own allowlist, which GitLab refuses before 18.1.
pub const SELF_ENTRY: &str = "self_entry";
/// `unknown_entry`: an entry names a project or group the world does not have.
pub const UNKNOWN_ENTRY: &str = "unknown_entry";
/// `groups_unsupported`: a group entry before 17.0; it is ignored.
pub const GROUPS_UNSUPPORTED: &str = "groups_unsupported";
/// `outbound_removed`: the outbound limit is on in 18.0 or later, where it no longer exists.
pub const OUTBOUND_REMOVED: &str = "outbound_removed";
/// `policies_unsupported`: an entry with `defaultPermissions: false` or `policies` before 18.3; it
/// grants the default permissions.
pub const POLICIES_UNSUPPORTED: &str = "policies_unsupported";
/// `unknown_policy`: a policy that is no permission's name, or not yet a policy in the release.
pub const UNKNOWN_POLICY: &str = "unknown_policy";
/// `deprecated_policy`: `read_containers` or `admin_containers`, which GitLab's schema refuses.
pub const DEPRECATED_POLICY: &str = "deprecated_policy";
/// `instance_setting_unsupported`: `instance.enforceInboundScope` before 17.6; it is ignored.
pub const INSTANCE_SETTING_UNSUPPORTED: &str = "instance_setting_unsupported";

/// GitLab's message for a duplicate allowlist entry, by kind (`project` or `group`) and release
/// (the add services' `RecordNotUnique` rescue; 17.8 reworded "scope" as "allowlist").
pub fn duplicate_message(kind: &str, allowlist_wording: bool) -> String {
    if allowlist_wording {
        format!("This {kind} is already in the job token allowlist.")
    } else {
        format!("Target {kind} is already in the job token scope")
    }
}

/// GitLab's validation message for a link over its limit (`ProjectScopeLink`, `GroupScopeLink`).
pub fn limit_message(kind: &str) -> &'static str {
    if kind == "group" {
        "Source project exceeds the allowable number of group links"
    } else {
        "Source project exceeds the allowable number of project links in this direction"
    }
}

/// GitLab's validation message for a project on its own allowlist, before 18.1.
pub const SELF_LINK_MESSAGE: &str = "Target project can't be the same as the source project";

/// Why `policy` is not a valid policy in `version`, if it is not: GitLab then answers
/// "Job token policies must be a valid json schema" (`ci_job_token_policies.json`).
pub fn policy_problem(policy: &str, version: Version) -> Option<(&'static str, String)> {
    match Permission::from_name(policy) {
        None => Some((
            UNKNOWN_POLICY,
            format!("unknown policy \"{policy}\"; expected one of {}", Permission::names()),
        )),
        Some(p) if p.deprecated() => Some((
            DEPRECATED_POLICY,
            format!("{policy} is deprecated: the container registry is not controlled by fine-grained permissions, and GitLab's schema refuses it"),
        )),
        Some(p) => p.policy_since().filter(|&since| since > version).map(|since| {
            (
                UNKNOWN_POLICY,
                format!("{policy} is a policy from GitLab {since} (this is {version})"),
            )
        }),
    }
}

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
        for i in 0..self.projects.len() {
            let p = self.project(i);
            let at = format!("projects[{i}]");
            self.validate_list(
                self.list(i, List::InboundProjects),
                &format!("{at}.inbound.projects"),
                p.key,
                "project",
                &mut problems,
            );
            if !self.profile.groups {
                for (j, entry) in self.list(i, List::InboundGroups).enumerate() {
                    problems.push(problem(
                        GROUPS_UNSUPPORTED,
                        format!("{at}.inbound.groups[{j}]"),
                        format!("groups can be added to the allowlist from GitLab 17.0 (this is {version}); {} is ignored", entry.path),
                    ));
                }
            }
            self.validate_list(
                self.list(i, List::InboundGroups),
                &format!("{at}.inbound.groups"),
                p.key,
                "group",
                &mut problems,
            );
            self.validate_list(
                self.list(i, List::OutboundProjects),
                &format!("{at}.outbound.projects"),
                p.key,
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
            // Each list against its own limit (outbound ones only where the release has them).
            let lists = [
                (
                    "inbound.projects",
                    "project",
                    self.project_entry_count(i),
                    self.profile.project_limit,
                ),
                (
                    "inbound.groups",
                    "group",
                    self.group_entry_count(i),
                    self.profile.group_limit,
                ),
                (
                    "outbound.projects",
                    "project",
                    self.list(i, List::OutboundProjects).len(),
                    self.profile.project_limit.filter(|_| self.profile.outbound),
                ),
            ];
            for (list, kind, count, limit) in lists {
                let Some(limit) = limit.filter(|&limit| count > limit) else {
                    continue;
                };
                problems.push(problem(
                    ALLOWLIST_LIMIT_EXCEEDED,
                    format!("{at}.{list}"),
                    format!("{}'s list has {count} {kind} entries; GitLab {version} allows at most {limit} ({})", p.path, limit_message(kind)),
                ));
            }
        }
        if let (Some(setting), false) = (self.instance_setting, self.profile.instance_setting) {
            problems.push(problem(
                INSTANCE_SETTING_UNSUPPORTED,
                "instance.enforceInboundScope".to_owned(),
                format!("the admin setting \"Enable and enforce job token allowlist for all projects\" arrives in GitLab 17.6 (this is {version}); enforceInboundScope: {setting} is ignored"),
            ));
        }
        problems
    }

    fn validate_list(
        &self,
        entries: Entries,
        at: &str,
        own_key: &str,
        kind: &str,
        problems: &mut Vec<Problem>,
    ) {
        // A map used as a set, of the world's own map type: one hash table type in the wasm.
        let mut seen: HashMap<String, usize> = HashMap::default();
        for (j, entry) in entries.enumerate() {
            // Most entries have no problem: their location is built only for one.
            let here = || format!("{at}[{j}]");
            if seen.insert(entry.key().to_owned(), j).is_some() {
                problems.push(problem(
                    DUPLICATE_ENTRY,
                    here(),
                    duplicate_message(kind, self.profile.allowlist_wording),
                ));
            }
            if kind == "project" && entry.key() == own_key {
                // The project is always on its own allowlist; from 18.1 GitLab also stores it.
                if !self.profile.self_entries {
                    problems.push(problem(
                        SELF_ENTRY,
                        here(),
                        format!(
                            "{SELF_LINK_MESSAGE}: GitLab {} refuses {} on its own list (accepted from 18.1)",
                            self.version, entry.path
                        ),
                    ));
                }
            } else if entry.names.is_none() {
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
                // Before 18.3 `policies_unsupported` says it all; a name unknown to any release still shows.
                let problem_of = (self.profile.fine_grained
                    || Permission::from_name(policy).is_none())
                .then(|| policy_problem(policy, self.version))
                .flatten();
                if let Some((code, message)) = problem_of {
                    problems.push(problem(
                        code,
                        format!("{}.policies[{k}]", here()),
                        format!("{message}; it grants nothing"),
                    ));
                }
            }
        }
    }
}
