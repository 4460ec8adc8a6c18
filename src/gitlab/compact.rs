//! `compactGitlabAllowlist`: bring an allowlist under the limit by replacing project entries with the
//! deepest group they share, and say which extra projects each new group entry lets in.
//!
//! Compaction widens access on purpose; `admitsAlso` is there so nobody does it blind.

use std::collections::HashMap;

use serde::ser::Serializer;

use serde::Serialize;

use super::permission::{Permission, PermissionSet};
use super::world::{parent, within, World};
use crate::Error;

/// A compacted allowlist and what its new group entries admit beyond the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Compaction {
    pub projects: Vec<CompactEntry>,
    pub groups: Vec<CompactEntry>,
    /// New group entry → projects of the world it admits that the old allowlist did not.
    pub admits_also: AdmitsAlso,
}

/// An allowlist entry in the input's own shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactEntry {
    pub path: String,
    pub default_permissions: bool,
    pub policies: Vec<String>,
}

/// Group path → projects, an object in JSON (a list of pairs here: no map code in the wasm).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdmitsAlso(pub Vec<(String, Vec<String>)>);

impl Serialize for AdmitsAlso {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(group, projects)| (group, projects)))
    }
}

#[derive(Debug, Clone)]
struct Working {
    key: String,
    entry: CompactEntry,
    group: bool,
    new: bool,
    /// What the entry grants when it does not keep the default permissions.
    granted: PermissionSet,
}

fn depth(key: &str) -> usize {
    key.split('/').count()
}

impl World {
    /// Compacts `project`'s inbound allowlist to at most `limit` entries (default: the release's limit).
    pub fn compact(&self, project: &str, limit: Option<usize>) -> Result<Compaction, Error> {
        let p = self.require_project(project, "project")?;
        let own = &self.projects[p];
        if !self.profile.groups {
            return Err(Error::invalid(
                "version",
                format!("compaction replaces projects by groups, which allowlists hold from GitLab 17.0 (this is {})", self.version),
            ));
        }
        let limit = limit.or(self.profile.allowlist_limit).unwrap_or(0);

        let mut entries: Vec<Working> = Vec::new();
        let lists = [(&own.inbound_projects, false), (&own.inbound_groups, true)];
        for (list, group) in lists {
            for e in list.iter() {
                if (!group && e.key == own.key)
                    || entries.iter().any(|w| w.group == group && w.key == e.key)
                {
                    continue;
                }
                entries.push(Working {
                    key: e.key.clone(),
                    entry: CompactEntry {
                        path: e.path.clone(),
                        default_permissions: e.default_permissions,
                        policies: e.policies.clone(),
                    },
                    group,
                    new: false,
                    granted: e.granted,
                });
            }
        }
        let before: Vec<(String, bool)> =
            entries.iter().map(|w| (w.key.clone(), w.group)).collect();

        while entries.len() > limit {
            let Some(group) = best_group(&entries) else {
                return Err(Error::invalid(
                    "limit",
                    format!(
                        "cannot bring {}'s allowlist of {} entries down to {limit}: the remaining {} entries share no group",
                        own.path,
                        before.len(),
                        entries.len()
                    ),
                ));
            };
            let (merged, kept): (Vec<Working>, Vec<Working>) =
                entries.into_iter().partition(|w| within(&w.key, &group));
            entries = kept;
            let was_entry = merged.iter().any(|w| w.group && w.key == group && !w.new);
            let default_permissions = merged.iter().any(|w| w.entry.default_permissions);
            // The union of what the merged entries grant, in permission-table order (unknown policies
            // grant nothing, so they are not carried over).
            let granted = merged
                .iter()
                .fold(PermissionSet::default(), |set, w| set.union(w.granted));
            let policies: Vec<String> = if default_permissions {
                Vec::new()
            } else {
                Permission::all()
                    .filter(|&p| granted.contains(p))
                    .map(|p| p.name().to_owned())
                    .collect()
            };
            let path = self
                .group_id(&group)
                .map(|g| self.groups[g].path.clone())
                .unwrap_or_else(|| group.clone());
            entries.push(Working {
                key: group,
                entry: CompactEntry {
                    path,
                    default_permissions,
                    policies,
                },
                group: true,
                new: !was_entry,
                granted,
            });
        }

        // Projects the old allowlist admitted: its project entries and everything under its groups.
        let admitted_before = |key: &str| {
            key == own.key
                || before.iter().any(|(entry, group)| {
                    if *group {
                        within(key, entry)
                    } else {
                        key == entry
                    }
                })
        };
        let mut admits_also = AdmitsAlso::default();
        for w in entries.iter().filter(|w| w.new) {
            let extra: Vec<String> = self
                .projects
                .iter()
                .filter(|q| within(&q.key, &w.key) && !admitted_before(&q.key))
                .map(|q| q.path.clone())
                .collect();
            admits_also.0.push((w.entry.path.clone(), extra));
        }
        let (groups, projects): (Vec<Working>, Vec<Working>) =
            entries.into_iter().partition(|w| w.group);
        Ok(Compaction {
            projects: projects.into_iter().map(|w| w.entry).collect(),
            groups: groups.into_iter().map(|w| w.entry).collect(),
            admits_also,
        })
    }
}

/// The deepest group holding at least two entries (ties: more entries, then alphabetical).
fn best_group(entries: &[Working]) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in entries {
        // A group entry counts for itself (so its own descendants merge into it) and its ancestors.
        let mut at = if w.group {
            Some(w.key.as_str())
        } else {
            parent(&w.key)
        };
        while let Some(group) = at {
            *counts.entry(group).or_default() += 1;
            at = parent(group);
        }
    }
    counts
        .into_iter()
        .filter(|&(_, count)| count >= 2)
        .max_by(|a, b| {
            depth(a.0)
                .cmp(&depth(b.0))
                .then(a.1.cmp(&b.1))
                .then(b.0.cmp(a.0))
        })
        .map(|(group, _)| group.to_owned())
}
