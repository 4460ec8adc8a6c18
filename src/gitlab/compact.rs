//! `compactGitlabAllowlist`: bring an allowlist under the limit by replacing project entries with the
//! deepest group they share, and say which extra projects each new group entry lets in.
//!
//! Compaction widens access on purpose; `admitsAlso` is there so nobody does it blind.

use crate::hash::HashMap;

use serde::ser::Serializer;

use serde::Serialize;

use super::path::{parent, within};
use super::permission::{Permission, PermissionSet};
use super::rules::{Query, Reason};
use super::world::{List, World};
use crate::Error;

/// A compacted allowlist and what its new group entries admit beyond the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Compaction {
    /// The project entries kept (the project's own entry left out).
    pub projects: Vec<CompactEntry>,
    /// The group entries: the old ones kept and the new ones that replace project entries.
    pub groups: Vec<CompactEntry>,
    /// Entry → projects of the world it admits that the old allowlist did not, or lets do more than
    /// the old allowlist did (an entry that kept only its policies, merged into one with the default
    /// permissions): exactly the projects some request of which the compacted allowlist newly allows.
    /// Every new group entry is listed, with no projects if it admits none.
    pub admits_also: AdmitsAlso,
}

/// An allowlist entry in the input's own shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactEntry {
    /// `path`: the project or group, as the world spells it.
    pub path: String,
    /// `defaultPermissions`: the entry grants what the role allows, not only its `policies`.
    pub default_permissions: bool,
    /// `policies`: its fine-grained policies; a new group entry's grant all that the entries it
    /// replaces (and the group entry it shadows) granted.
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

impl Working {
    /// Whether the entry grants `permission` (`None`: a request that names none, which only the
    /// default permissions answer).
    fn grants(&self, permission: Option<Permission>) -> bool {
        self.entry.default_permissions || permission.is_some_and(|p| self.granted.contains(p))
    }
}

/// An allowlist's entries by key, to find the one that admits a project.
struct Grants<'w> {
    entries: &'w [Working],
    /// Project entries, then group entries: key → position in `entries`, the first of each key
    /// kept (the map type compaction already uses: one hash map type in the wasm).
    lists: [HashMap<String, usize>; 2],
}

impl<'w> Grants<'w> {
    fn of(entries: &'w [Working]) -> Self {
        let mut lists: [HashMap<String, usize>; 2] = [HashMap::default(), HashMap::default()];
        for (i, w) in entries.iter().enumerate() {
            lists[w.group as usize].entry(w.key.to_owned()).or_insert(i);
        }
        Grants { entries, lists }
    }

    /// The entry the inbound rule admits the project at `key` by: its own, else its nearest group's.
    fn admitting(&self, key: &str) -> Option<&'w Working> {
        let at = self.lists[0].get(key).or_else(|| {
            std::iter::successors(parent(key), |k| parent(k)).find_map(|k| self.lists[1].get(k))
        })?;
        self.entries.get(*at)
    }
}

/// Most entries compaction takes (each merge scans them all).
pub const MAX_ENTRIES: usize = 2_000;

fn depth(key: &str) -> usize {
    key.split('/').count()
}

impl World {
    /// Compacts `project`'s inbound allowlist to at most `limit` entries (default: the release's limit).
    pub fn compact(&self, project: &str, limit: Option<usize>) -> Result<Compaction, Error> {
        let p = self.require_project(project, "project")?;
        let own = self.project(p);
        if !self.profile.groups {
            return Err(Error::invalid(
                "version",
                format!("compaction replaces projects by groups, which allowlists hold from GitLab 17.0 (this is {})", self.version),
            ));
        }
        let limit = limit.or(self.profile.project_limit).unwrap_or(0);

        // Each merge scans every entry: bounded here, far above any allowlist GitLab accepts (200).
        let listed =
            self.list(p, List::InboundProjects).len() + self.list(p, List::InboundGroups).len();
        if listed > MAX_ENTRIES {
            return Err(Error::invalid(
                "project",
                format!(
                    "{}'s allowlist has {listed} entries; compaction handles at most {MAX_ENTRIES}",
                    own.path
                ),
            ));
        }
        let mut entries: Vec<Working> = Vec::new();
        // Keys already taken, per list (a map used as a set: the one hash map type of the wasm).
        let mut seen: [HashMap<String, usize>; 2] = [HashMap::default(), HashMap::default()];
        let lists = [
            (self.list(p, List::InboundProjects), false),
            (self.list(p, List::InboundGroups), true),
        ];
        for (list, group) in lists {
            for e in list {
                if (!group && e.key() == own.key)
                    || seen[group as usize].insert(e.key().to_owned(), 0).is_some()
                {
                    continue;
                }
                entries.push(Working {
                    key: e.key().to_owned(),
                    entry: CompactEntry {
                        path: e.path.to_owned(),
                        default_permissions: e.default_permissions,
                        policies: e.policies.to_vec(),
                    },
                    group,
                    new: false,
                    granted: e.granted,
                });
            }
        }
        let originals = entries.clone();
        let before = Grants::of(&originals);
        let listed_before = entries.len();

        while entries.len() > limit {
            let Some(group) = best_group(&entries) else {
                return Err(Error::invalid(
                    "limit",
                    format!(
                        "cannot bring {}'s allowlist of {} entries down to {limit}: the remaining {} entries share no group",
                        own.path,
                        listed_before,
                        entries.len()
                    ),
                ));
            };
            // What best_group counted: group entries at or below `group`, project entries below it
            // (a project at the group's own path is not in it, and keeps its entry).
            let (merged, kept): (Vec<Working>, Vec<Working>) = entries.into_iter().partition(|w| {
                let at = if w.group {
                    Some(w.key.as_str())
                } else {
                    parent(&w.key)
                };
                at.is_some_and(|k| within(k, &group))
            });
            entries = kept;
            let was_entry = merged.iter().any(|w| w.group && w.key == group && !w.new);
            // The new entry becomes the nearest one for every project under `group`, shadowing the
            // nearest group entry above it: it grants what the merged entries AND that ancestor did,
            // so no project loses a permission (unknown policies grant nothing and are not carried).
            let shadowed = entries
                .iter()
                .filter(|w| w.group && within(&group, &w.key))
                .max_by_key(|w| depth(&w.key));
            let sources = merged.iter().chain(shadowed);
            let (default_permissions, granted) = sources
                .fold((false, PermissionSet::default()), |(default, set), w| {
                    (default || w.entry.default_permissions, set.union(w.granted))
                });
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
                .map(|g| self.group(g).path.to_owned())
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

        // Per project of the world, the entry that admits it before and after, as the inbound rule picks
        // it (its own project entry, else its nearest group entry; a group entry admits the projects
        // *below* it, not one at its own path): listed where it was not admitted before, or where the
        // new entry grants a request that the old one's grant denied (and no public fallback answered:
        // the decision today says so).
        let after = Grants::of(&entries);
        let mut admits_also = AdmitsAlso(
            (entries.iter().filter(|w| w.new))
                .map(|w| (w.entry.path.to_owned(), Vec::new()))
                .collect(),
        );
        for source in 0..self.projects.len() {
            if source == p {
                continue;
            }
            let q = self.project(source);
            let Some(now) = after.admitting(q.key) else {
                continue;
            };
            if let Some(was) = before.admitting(q.key) {
                if !self.newly_granted(source, p, was, now) {
                    continue;
                }
            }
            let path = &now.entry.path;
            match admits_also.0.iter_mut().find(|(entry, _)| entry == path) {
                Some((_, list)) => list.push(q.path.to_owned()),
                None => admits_also.0.push((path.clone(), vec![q.path.to_owned()])),
            }
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

impl World {
    /// Whether the entry `now` lets `source` make a request to `target` that today's entry `was`
    /// refuses: a request its grant lacks, which the decision today denies for that lack alone (a
    /// public or internal target's fallback may already answer it). Before 18.3 every entry grants
    /// the same.
    fn newly_granted(&self, source: usize, target: usize, was: &Working, now: &Working) -> bool {
        if !self.profile.fine_grained {
            return false;
        }
        let requests = std::iter::once(None).chain(Permission::requestable().map(Some));
        requests
            .filter(|&permission| now.grants(permission) && !was.grants(permission))
            .any(|permission| {
                let finding = self.decide(&Query::new(self, source, target, permission), &mut ());
                !finding.allowed
                    && matches!(
                        finding.reason,
                        Reason::PermissionNotGranted | Reason::NoJobTokenPermission
                    )
            })
    }
}

/// The deepest group holding at least two entries (ties: more entries, then alphabetical).
fn best_group(entries: &[Working]) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::default();
    for w in entries {
        // A group entry counts for itself (so its own descendants merge into it) and its ancestors.
        let mut at = if w.group {
            Some(w.key.as_str())
        } else {
            parent(&w.key)
        };
        while let Some(group) = at {
            *counts.entry(group.to_owned()).or_default() += 1;
            at = parent(group);
        }
    }
    counts
        .into_iter()
        .filter(|&(_, count)| count >= 2)
        .max_by(|a, b| {
            depth(&a.0)
                .cmp(&depth(&b.0))
                .then(a.1.cmp(&b.1))
                .then(b.0.cmp(&a.0))
        })
        .map(|(group, _)| group)
}
