//! `resolveGitlabScope`: everything one project's jobs can reach, and everything that can reach it.

use serde::Serialize;

use super::rules::{Query, Reason};
use super::world::World;
use crate::Error;

/// The reach of one project's job tokens, both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitlabScope {
    /// The project, as the world spells it.
    pub project: String,
    /// Other projects this project's jobs may authenticate to, with the reason.
    pub reachable: Vec<Reach>,
    /// Other projects whose jobs may authenticate to this project, with the reason.
    pub reachable_by: Vec<Reach>,
    /// This project's inbound allowlist is enforced in this release.
    pub inbound_enforced: bool,
    /// Project entries on its inbound allowlist, as counted against the project limit.
    pub entries: usize,
    /// The release's project limit (`null` before 15.9: no allowlist).
    pub limit: Option<usize>,
    /// Group entries, counted against their own limit (17.0+).
    pub group_entries: usize,
    /// The release's group limit (`null` before 17.0: no groups).
    pub group_limit: Option<usize>,
}

/// One project and the reason code that admits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// The other project, as the world spells it.
    pub project: String,
    /// The reason code, such as `allowlisted_group` or `anonymous_level`.
    pub reason: &'static str,
}

impl World {
    /// The scope of `project` (requests without user; the project itself left out). A project is
    /// reachable when a request without a permission is allowed, or when an allowlist entry admits
    /// it for its fine-grained policies only.
    pub fn resolve_scope(&self, project: &str) -> Result<GitlabScope, Error> {
        let p = self.require_project(project, "project")?;
        let mut reachable = Vec::new();
        let mut reachable_by = Vec::new();
        for other in (0..self.projects.len()).filter(|&other| other != p) {
            let path = self.project(other).path;
            if let Some(reason) = self.reach(p, other) {
                reachable.push(Reach {
                    project: path.to_owned(),
                    reason,
                });
            }
            if let Some(reason) = self.reach(other, p) {
                reachable_by.push(Reach {
                    project: path.to_owned(),
                    reason,
                });
            }
        }
        Ok(GitlabScope {
            project: self.project(p).path.to_owned(),
            reachable,
            reachable_by,
            inbound_enforced: self.inbound_enforced(p),
            entries: self.project_entry_count(p),
            limit: self.profile.project_limit,
            group_entries: self.group_entry_count(p),
            group_limit: self.profile.group_limit,
        })
    }
}

impl World {
    /// Whether `source`'s jobs reach `target` at all, and why. An entry that grants only its
    /// policies admits the source for them, although a request without a permission is refused.
    fn reach(&self, source: usize, target: usize) -> Option<&'static str> {
        let verdict = self.decide(&Query::new(self, source, target, None), &mut ());
        match verdict.reason {
            _ if verdict.allowed => Some(verdict.reason.as_str()),
            Reason::NoJobTokenPermission if verdict.group.is_some() => {
                Some(Reason::AllowlistedGroup.as_str())
            }
            Reason::NoJobTokenPermission => Some(Reason::AllowlistedProject.as_str()),
            _ => None,
        }
    }
}
