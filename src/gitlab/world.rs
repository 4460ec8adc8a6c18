//! A GitLab world compiled once from its input: paths checked, normalised and interned, groups implied
//! by project paths, each allowlist indexed by its entries' key hashes.
//!
//! Everything the rules need is looked up here by index; nothing here decides.

use crate::hash::{key_hash, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};

use super::input::{EntryInput, Features, Visibility, WorldInput};
use super::path::{checked_owned, checked_path, parent, path_key, within, Scan};
use super::permission::{PermissionSet, Role};
use super::version::{self, Profile, Version};
use crate::Error;

/// Index of a project in [`World::projects`], inside the engine.
pub(crate) type ProjectIndex = usize;
/// Index of an implied group in `World::groups`, inside the engine.
pub(crate) type GroupIndex = usize;

/// A project of one [`World`], as [`World::project_id`] and [`Query::source`](super::Query::source) give it: its position
/// in [`World::projects`]. Only a world makes one, so a query cannot name a project its world lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(ProjectIndex);

impl ProjectId {
    pub(crate) fn of(index: ProjectIndex) -> Self {
        ProjectId(index)
    }

    /// The project's position in [`World::projects`] (and in the world's input).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A compiled GitLab world: ask it with [`World::query`], then [`Query::explain`](super::Query::explain) or
/// [`Query::check`](super::Query::check).
#[derive(Debug, Clone)]
pub struct World {
    pub(crate) version: Version,
    pub(crate) profile: &'static Profile,
    /// Inbound allowlists are enforced instance-wide, whatever each project's toggle says.
    pub(crate) instance_enforces: bool,
    /// The admin setting as the input gives it.
    pub(crate) instance_setting: Option<bool>,
    pub(crate) projects: Vec<Project>,
    project_index: HashMap<String, ProjectIndex>,
    pub(crate) groups: Vec<Group>,
    /// Each group's [`key_hash`], by [`GroupIndex`]: a decision walks a source's groups through these
    /// (a small array, unlike `groups`) and reads a group's key only when an entry's hash matches.
    pub(crate) group_hashes: Vec<u32>,
    group_index: HashMap<String, GroupIndex>,
    /// user key → (project or group key, role) memberships
    users: HashMap<String, usize>,
    /// Per user (by `users`' index): (project or group key, role) memberships. A map of indices
    /// rather than of lists keeps one hash map type in the wasm.
    memberships: Vec<Vec<(String, Role)>>,
}

/// One project with its Token Access settings.
#[derive(Debug, Clone)]
pub struct Project {
    /// The path as the world spells it (trimmed of `/`).
    pub path: String,
    /// The lower-case path used for every comparison.
    pub key: String,
    /// `key`'s [`key_hash`], which allowlist indexes are sorted by.
    pub(crate) hash: u32,
    /// Public, internal or private.
    pub visibility: Visibility,
    /// Each feature's visibility.
    pub features: Features,
    /// Ancestor groups, nearest first.
    pub groups: Vec<GroupIndex>,
    /// "Limit access to this project" toggle.
    pub inbound_enabled: bool,
    /// The inbound allowlist's project entries, in input order.
    pub inbound_projects: Vec<Entry>,
    /// The inbound allowlist's group entries (17.0+), in input order.
    pub inbound_groups: Vec<Entry>,
    /// [`index_of`] `inbound_projects`.
    pub(crate) inbound_project_index: Vec<(u32, u32)>,
    /// [`index_of`] `inbound_groups`.
    pub(crate) inbound_group_index: Vec<(u32, u32)>,
    /// Deprecated outbound "Limit CI_JOB_TOKEN access" toggle.
    pub outbound_enabled: bool,
    /// The outbound allowlist's project entries (14.1–17.11), in input order.
    pub outbound_projects: Vec<Entry>,
    /// [`index_of`] `outbound_projects`.
    pub(crate) outbound_project_index: Vec<(u32, u32)>,
}

/// A group implied by the project paths below it.
#[derive(Debug, Clone)]
pub struct Group {
    /// The path as first spelled by a project below it.
    pub path: String,
    /// The lower-case path every comparison uses.
    pub key: String,
    /// The group it lies in, if any.
    pub parent: Option<GroupIndex>,
    /// As the world's `groups` list says; private when not listed.
    pub visibility: Visibility,
}

/// An allowlist entry, checked and keyed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The path as the entry spells it (trimmed of `/`).
    pub path: String,
    /// The comparison key when it differs from `path` (upper case in the spelling): most entries
    /// are spelled as their key, and a world holds a million of them, so they keep one string.
    folded: Option<Box<str>>,
    /// The key's [`key_hash`].
    hash: u32,
    /// The project or group it names, once a decision has found that out.
    resolved: Resolved,
    /// "Default permissions": the entry grants what the job token may do without fine-grained policies.
    pub default_permissions: bool,
    /// The fine-grained policies it names, as given.
    pub policies: Vec<String>,
    /// What `policies` grant (with `admin_X ⇒ read_X`); unknown policies grant nothing.
    pub granted: PermissionSet,
}

impl Entry {
    /// An entry for `path`, already checked and trimmed (`scan`: what its check found).
    fn new(
        path: String,
        scan: &Scan,
        default_permissions: bool,
        policies: Vec<String>,
        version: Version,
    ) -> Entry {
        let folded = scan
            .upper
            .then(|| path.to_ascii_lowercase().into_boxed_str());
        Entry {
            granted: PermissionSet::from_policies(policies.iter().map(String::as_str), version),
            hash: scan.hash,
            resolved: Resolved(AtomicU32::new(UNKNOWN)),
            path,
            folded,
            default_permissions,
            policies,
        }
    }

    /// The lower-case path every comparison uses.
    pub fn key(&self) -> &str {
        self.folded.as_deref().unwrap_or(&self.path)
    }

    /// Whether it names the project or group `id`, whose key `key` gives (read only if needed). Keys
    /// are compared the first time and the answer kept: a decision that finds this entry again
    /// compares two integers, as if the world had resolved its entries when it compiled.
    fn names<'k>(&self, id: usize, key: impl Fn() -> &'k str) -> bool {
        // Relaxed: the answer is the same whichever thread finds it first.
        match self.resolved.0.load(Ordering::Relaxed) {
            UNKNOWN if self.key() == key() => {
                self.resolved.0.store(id as u32, Ordering::Relaxed);
                true
            }
            UNKNOWN => false,
            resolved => resolved as usize == id,
        }
    }
}

/// [`Entry::names`]' memo: `UNKNOWN` until a decision has found the entry's project or group.
#[derive(Debug)]
struct Resolved(AtomicU32);

const UNKNOWN: u32 = u32::MAX;

impl Clone for Resolved {
    fn clone(&self) -> Resolved {
        Resolved(AtomicU32::new(self.0.load(Ordering::Relaxed)))
    }
}

/// User names compare case-insensitively, as GitLab usernames do.
fn user_key(raw: &str) -> String {
    raw.trim().to_ascii_lowercase()
}

/// Most bytes of ancestor-group paths over all project paths (each group counted once per project
/// below it): bounds the groups a world implies, in memory and time (a 200,000-project world with
/// 5-level paths needs about 40 MB).
pub const MAX_GROUP_BYTES: usize = 128 << 20;

/// An allowlist's index: (key hash, position) of every entry, sorted. Entries are not resolved against
/// the world when it compiles (a million hash lookups, scattered over the world's memory, were half of
/// compiling a large one): a decision finds the entries with its key's hash and compares keys.
fn index_of(entries: &[Entry]) -> Vec<(u32, u32)> {
    // Sized up front, filled by a plain loop: no regrowth while it fills, and less wasm than
    // `collect` over `map`. Positions fit: a list has at most `value::MAX_ITEMS` entries.
    let mut index = Vec::with_capacity(entries.len());
    for (position, e) in entries.iter().enumerate() {
        index.push((e.hash, position as u32));
    }
    crate::sort::heapsort(&mut index);
    index
}

/// A project or a group: what an allowlist entry names.
#[derive(Clone, Copy)]
pub(crate) enum Name {
    Project(ProjectIndex),
    Group(GroupIndex),
}

impl World {
    /// Compiles a world, or says what and where its input is wrong.
    pub fn from_input(mut input: WorldInput) -> Result<World, Error> {
        let version = match &input.version {
            Some(text) => Version::parse(&text.0, "version")?,
            None => version::latest().since,
        };
        let profile = version::profile(version);
        // The admin setting exists from 17.6: before, a value given is reported by validation
        // and ignored.
        let instance_setting = input
            .instance
            .as_ref()
            .and_then(|instance| instance.enforce_inbound_scope);
        let instance_enforces = instance_setting
            .filter(|_| profile.instance_setting)
            .unwrap_or(profile.instance_enforcement);

        let mut world = World {
            version,
            profile,
            instance_enforces,
            instance_setting,
            projects: Vec::with_capacity(input.projects.len()),
            project_index: HashMap::with_capacity_and_hasher(
                input.projects.len(),
                Default::default(),
            ),
            groups: Vec::new(),
            group_hashes: Vec::new(),
            group_index: HashMap::default(),
            users: HashMap::default(),
            memberships: Vec::new(),
        };

        // Groups listed for their visibility, with the groups above them.
        let mut listed: HashMap<String, usize> = HashMap::default();
        for (i, group) in input.groups.iter().enumerate() {
            let at = || format!("groups[{i}].path");
            let (path, _) = checked_path(&group.path, &at, 1)?;
            if let Some(first) = listed.insert(path_key(path).into_owned(), i) {
                return Err(Error::invalid(
                    at(),
                    format!("duplicate group \"{path}\" (also groups[{first}])"),
                ));
            }
            let id = world.intern_ancestry(path)[0];
            world.groups[id].visibility = group.visibility;
        }

        // Projects and the groups their paths imply.
        let mut group_bytes = 0;
        for (i, project) in input.projects.iter_mut().enumerate() {
            let at = || format!("projects[{i}].path");
            let (path, scan) = checked_owned(std::mem::take(&mut project.path), &at, 2)?;
            let key = if scan.upper {
                path.to_ascii_lowercase()
            } else {
                path.clone()
            };
            if let Some(first) = world.project_index.insert(key.clone(), i) {
                return Err(Error::invalid(
                    at(),
                    format!("duplicate project \"{path}\" (also projects[{first}])"),
                ));
            }
            // The ancestors' paths end where the path has a `/`: their bytes are those positions.
            group_bytes += (path.bytes().enumerate())
                .filter_map(|(position, b)| (b == b'/').then_some(position))
                .sum::<usize>();
            if group_bytes > MAX_GROUP_BYTES {
                return Err(Error::invalid(
                    at(),
                    "the project paths' groups add up to more than 128 MiB (the limit)",
                ));
            }
            let groups = match parent(&path) {
                Some(group_path) => world.intern_ancestry(group_path),
                None => Vec::new(),
            };
            world.projects.push(Project {
                hash: scan.hash,
                path,
                key,
                visibility: project.visibility,
                features: project.features,
                groups,
                inbound_enabled: project.inbound.enabled,
                inbound_projects: Vec::new(),
                inbound_groups: Vec::new(),
                inbound_project_index: Vec::new(),
                inbound_group_index: Vec::new(),
                outbound_enabled: project.outbound.enabled,
                outbound_projects: Vec::new(),
                outbound_project_index: Vec::new(),
            });
        }
        // A project cannot hold other projects: its path would be both. Looked up once per group.
        let is_project: Vec<bool> = (world.groups.iter())
            .map(|group| world.project_index.contains_key(&group.key))
            .collect();
        for (i, project) in world.projects.iter().enumerate() {
            if let Some(&group) = project.groups.iter().find(|&&g| is_project[g]) {
                return Err(Error::invalid(
                    format!("projects[{i}].path"),
                    format!(
                        "\"{}\" lies inside project \"{}\"; a project cannot contain other projects",
                        project.path, world.groups[group].path
                    ),
                ));
            }
        }

        for (key, &i) in &listed {
            if world.project_index.contains_key(key) {
                return Err(Error::invalid(
                    format!("groups[{i}].path"),
                    format!(
                        "\"{}\" is a project of this world, not a group",
                        input.groups[i].path.trim()
                    ),
                ));
            }
        }

        // Allowlist entries, checked and indexed by key. The input's strings move into the entries.
        for (i, project) in input.projects.into_iter().enumerate() {
            let inbound_projects = entries(project.inbound.projects, version, &|| {
                format!("projects[{i}].inbound.projects")
            })?;
            let inbound_groups = entries(project.inbound.groups, version, &|| {
                format!("projects[{i}].inbound.groups")
            })?;
            let outbound = (project.outbound.projects.into_iter())
                .map(|path| EntryInput {
                    path,
                    default_permissions: true,
                    policies: Vec::new(),
                })
                .collect();
            let outbound_projects = entries(outbound, version, &|| {
                format!("projects[{i}].outbound.projects")
            })?;
            let compiled = &mut world.projects[i];
            compiled.inbound_project_index = index_of(&inbound_projects);
            compiled.inbound_group_index = index_of(&inbound_groups);
            compiled.inbound_projects = inbound_projects;
            compiled.inbound_groups = inbound_groups;
            compiled.outbound_project_index = index_of(&outbound_projects);
            compiled.outbound_projects = outbound_projects;
        }

        for (user, roles) in &input.users {
            let user_key = user_key(user);
            if user_key.is_empty() {
                return Err(Error::invalid("users", "empty user name"));
            }
            let next = world.memberships.len();
            let index = *world.users.entry(user_key).or_insert(next);
            if index == next {
                world.memberships.push(Vec::new());
            }
            let memberships = &mut world.memberships[index];
            for &(ref path, role) in roles {
                let (checked, _) = checked_path(path, &|| format!("users.{user}.{path}"), 1)?;
                let key = path_key(checked).into_owned();
                memberships.push((key, role));
            }
        }
        Ok(world)
    }

    /// The groups from `path` up, nearest first, interned: up the path to the first group seen
    /// before, and above it that group's known ancestors.
    fn intern_ancestry(&mut self, path: &str) -> Vec<GroupIndex> {
        let mut groups: Vec<GroupIndex> = Vec::new();
        let mut spelled = Some(path);
        while let Some(group_path) = spelled {
            let (group, new) = self.intern_group(group_path);
            if let Some(&child) = groups.last() {
                self.groups[child].parent = Some(group);
            }
            groups.push(group);
            if !new {
                break;
            }
            spelled = parent(group_path);
        }
        while let Some(above) = groups.last().and_then(|&g| self.groups[g].parent) {
            groups.push(above);
        }
        groups
    }

    /// The group at `path`, and whether it is new.
    fn intern_group(&mut self, path: &str) -> (GroupIndex, bool) {
        let key = path_key(path);
        if let Some(&id) = self.group_index.get(key.as_ref()) {
            return (id, false);
        }
        let key = key.into_owned();
        let id = self.groups.len();
        self.group_hashes.push(key_hash(&key));
        self.groups.push(Group {
            path: path.to_owned(),
            key: key.clone(),
            parent: None,
            visibility: Visibility::Private,
        });
        self.group_index.insert(key, id);
        (id, true)
    }

    /// The GitLab release this world is modelled at.
    pub fn version(&self) -> Version {
        self.version
    }

    /// What that release does (the row of the version table).
    pub fn profile(&self) -> &'static Profile {
        self.profile
    }

    /// Every project, in input order.
    pub fn projects(&self) -> &[Project] {
        &self.projects
    }

    /// The project at `path` (any case, surrounding `/` ignored).
    pub fn project_id(&self, path: &str) -> Option<ProjectId> {
        self.find_project(path).map(ProjectId::of)
    }

    /// [`World::project_id`]'s index.
    pub(crate) fn find_project(&self, path: &str) -> Option<ProjectIndex> {
        self.project_index.get(path_key(path).as_ref()).copied()
    }

    /// The project at `path`, or an `unknown_project` error located at `at`.
    pub(crate) fn require_project(&self, path: &str, at: &str) -> Result<ProjectIndex, Error> {
        self.find_project(path)
            .ok_or_else(|| Error::unknown_project(at, path))
    }

    /// The implied group at `path`.
    pub(crate) fn group_id(&self, path: &str) -> Option<GroupIndex> {
        self.group_index.get(path_key(path).as_ref()).copied()
    }

    /// The first entry of a list indexed by [`index_of`] that names `name`.
    pub(crate) fn entry_for<'e>(
        &self,
        entries: &'e [Entry],
        index: &[(u32, u32)],
        name: Name,
    ) -> Option<&'e Entry> {
        let (id, hash) = match name {
            Name::Project(p) => (p, self.projects[p].hash),
            Name::Group(g) => (g, self.group_hashes[g]),
        };
        // Same hash, in list order: the first that names `id` is the list's first entry for it. The
        // key is read only for an entry not matched before (a group's, from the large `groups`).
        let key = || match name {
            Name::Project(p) => self.projects[p].key.as_str(),
            Name::Group(g) => self.groups[g].key.as_str(),
        };
        let mut at = index.partition_point(|&(h, _)| h < hash);
        while let Some(&(h, position)) = index.get(at) {
            if h != hash {
                break;
            }
            match entries.get(position as usize) {
                Some(entry) if entry.names(id, key) => return Some(entry),
                _ => at += 1,
            }
        }
        None
    }

    /// Whether an allowlist entry names a project (`kind` "project") or group of this world.
    pub(crate) fn names_known(&self, entry: &Entry, kind: &str) -> bool {
        let index = if kind == "project" {
            &self.project_index
        } else {
            &self.group_index
        };
        index.contains_key(entry.key())
    }

    /// Whether project `target` enforces its inbound allowlist in this release.
    pub(crate) fn inbound_enforced(&self, target: ProjectIndex) -> bool {
        self.profile.inbound && (self.projects[target].inbound_enabled || self.instance_enforces)
    }

    /// Project entries counted against `PROJECT_LINK_DIRECTIONAL_LIMIT`: distinct entries other
    /// than the project itself (always on its allowlist, never a counted link).
    pub(crate) fn project_entry_count(&self, project: ProjectIndex) -> usize {
        let p = &self.projects[project];
        distinct(p.inbound_projects.iter().filter(|e| e.key() != p.key))
    }

    /// Group entries counted against `GROUP_LINK_LIMIT` (apart from projects), where the release
    /// has them.
    pub(crate) fn group_entry_count(&self, project: ProjectIndex) -> usize {
        if self.profile.groups {
            distinct(self.projects[project].inbound_groups.iter())
        } else {
            0
        }
    }

    /// Whether the user is a member of something inside the group at `key` (a project or subgroup):
    /// GroupPolicy's `has_projects` lets such a user read a private group.
    pub(crate) fn member_inside(&self, user: &str, key: &str) -> bool {
        let Some(&index) = self.users.get(&user_key(user)) else {
            return false;
        };
        self.memberships[index]
            .iter()
            .any(|(place, _)| within(place, key))
    }

    /// The user's highest role on a project or group: the maximum over it and its ancestors.
    pub(crate) fn role_on(&self, user: &str, key: &str) -> Option<Role> {
        // GitLab's highest membership: on the project itself or any group above it.
        let memberships = &self.memberships[*self.users.get(&user_key(user))?];
        memberships
            .iter()
            .filter(|(place, _)| within(key, place))
            .map(|&(_, role)| role)
            .max()
    }
}

/// How many different keys `entries` has.
fn distinct<'e>(entries: impl Iterator<Item = &'e Entry>) -> usize {
    // A map used as a set, of the world's own map type: one hash table type in the wasm.
    let mut seen: HashMap<String, usize> = HashMap::default();
    entries
        .filter(|e| seen.insert(e.key().to_owned(), 0).is_none())
        .count()
}

/// An allowlist's entries, each path checked (`at` locates the list); their policies grant what
/// `version` accepts of them.
fn entries(
    inputs: Vec<EntryInput>,
    version: Version,
    at: &dyn Fn() -> String,
) -> Result<Vec<Entry>, Error> {
    let mut entries = Vec::with_capacity(inputs.len());
    for (j, input) in inputs.into_iter().enumerate() {
        let (path, scan) = checked_owned(input.path, &|| format!("{}[{j}]", at()), 1)?;
        entries.push(Entry::new(
            path,
            &scan,
            input.default_permissions,
            input.policies,
            version,
        ));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    #[test]
    fn entries_whose_keys_share_a_hash_name_only_their_own_project() {
        // Two project paths with the same 32-bit key hash (a birthday search finds one quickly).
        let mut seen = std::collections::HashMap::new();
        let (a, b) = (0..)
            .find_map(|i| {
                let key = format!("g/p{i}");
                seen.insert(crate::hash::key_hash(&key), key.clone())
                    .map(|other| (other, key))
            })
            .unwrap();
        // t1 lists only b; t2 lists b (restricted) before a: each hash run holds both keys' entries.
        let restricted = serde_json::json!({ "path": b, "defaultPermissions": false, "policies": ["read_packages"] });
        let input = crate::parse::<super::WorldInput, _>(serde_json::json!({ "projects": [
            { "path": a }, { "path": b },
            { "path": "t/one", "inbound": { "projects": [b] } },
            { "path": "t/two", "inbound": { "projects": [restricted, a] } },
        ] }));
        let world = super::World::from_input(input.unwrap()).unwrap();
        let entry_named = |source: &str, target: &str| {
            let decision = world
                .query_by_index(
                    world.project_id(source).unwrap().index(),
                    world.project_id(target).unwrap().index(),
                    crate::gitlab::Permission::from_name("read_packages"),
                )
                .unwrap()
                .explain();
            (
                decision.allowed,
                decision
                    .trace
                    .iter()
                    .any(|step| step.detail.contains(&format!("(entry {source})"))),
            )
        };
        // Twice each, in both orders: the first decision keeps what it found for the next ones.
        for _ in 0..2 {
            assert_eq!(
                entry_named(&a, "t/one"),
                (false, false),
                "{a} is not on t/one's list"
            );
            assert_eq!(entry_named(&b, "t/one"), (true, true));
            assert_eq!(
                entry_named(&a, "t/two"),
                (true, true),
                "{a} by its own entry"
            );
            assert_eq!(entry_named(&b, "t/two"), (true, true));
        }
    }

    #[test]
    fn every_project_lists_all_its_groups_nearest_first() {
        // Groups met again in other spellings and at other depths, deeper and shallower projects first.
        let paths = [
            "a/b/c/p1",
            "A/B/p2",
            "a/x/p3",
            "a/b/c/d/p4",
            "z/p5",
            "a/B/c/D/e/p6",
            "q/r/p7",
        ];
        let projects: Vec<_> = paths
            .iter()
            .map(|p| serde_json::json!({ "path": p }))
            .collect();
        let input =
            crate::parse::<super::WorldInput, _>(serde_json::json!({ "projects": projects }));
        let world = super::World::from_input(input.unwrap()).unwrap();
        for project in world.projects() {
            let listed: Vec<&str> = (project.groups.iter())
                .map(|&g| world.groups[g].key.as_str())
                .collect();
            let mut expected = Vec::new();
            let mut key = project.key.as_str();
            while let Some(parent) = super::parent(key) {
                expected.push(parent);
                key = parent;
            }
            assert_eq!(listed, expected, "{}", project.path);
        }
        assert_eq!(world.groups.len(), 9, "each group once");
    }
}
