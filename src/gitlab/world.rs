//! A GitLab world compiled once from its input: paths checked, normalised and kept in one string
//! arena, groups implied by project paths, every allowlist entry resolved to the project or group it
//! names and indexed by it.
//!
//! The layout is flat so that a 100,000-project world with a million entries stays small and can be
//! written to and read from a snapshot (`snapshot.rs`) without rebuilding anything: every path lives in
//! `text`, an entry is 12 bytes, and the lookups by key and by entry are sorted arrays of integers.
//! Everything the rules need is looked up here by index; nothing here decides.

use std::borrow::Cow;

use crate::hash::HashMap;

use super::input::{EntryInput, Features, Visibility, WorldInput};
use super::path::{checked_owned, checked_path, parent, path_key, within};
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

/// A string of the world's arena: `len` bytes from `start`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) len: u32,
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
    /// Every path of the world (projects', groups', and entries' that name nothing of the world or
    /// spell it otherwise), each followed by its key when that differs.
    pub(crate) text: String,
    pub(crate) projects: Vec<Project>,
    /// The projects by key.
    pub(crate) project_keys: KeyIndex,
    pub(crate) groups: Vec<Group>,
    /// The groups by key.
    pub(crate) group_keys: KeyIndex,
    /// Every allowlist entry, project by project, each project's lists one after the other.
    pub(crate) entries: Vec<[u32; 3]>,
    /// The spellings entries have of their own (start, length in the arena): those that name
    /// nothing of the world, or spell it otherwise.
    pub(crate) spellings: Vec<[u32; 2]>,
    /// Per list, the positions of the entries that name something of the world, sorted by what they
    /// name and then by position.
    pub(crate) entry_index: Vec<u32>,
    /// The distinct policy lists entries name; the first is the empty list.
    pub(crate) policy_lists: Vec<PolicyList>,
    /// user key → (project or group key, role) memberships
    pub(crate) users: HashMap<String, usize>,
    /// Per user (by `users`' index): (project or group key, role) memberships. A map of indices
    /// rather than of lists keeps one hash map type in the wasm.
    pub(crate) memberships: Vec<Vec<(String, Role)>>,
}

/// One project with its Token Access settings; its paths and entries are its world's
/// ([`World::project_path`], [`World::entries`]).
#[derive(Debug, Clone)]
pub(crate) struct Project {
    /// The path as the world spells it (trimmed of `/`).
    pub(crate) path: Span,
    /// The lower-case path used for every comparison.
    pub(crate) key: Span,
    /// Public, internal or private.
    pub visibility: Visibility,
    /// Each feature's visibility.
    pub features: Features,
    /// The group it lies in; its ancestors are that group's ([`World::groups_of`]).
    pub(crate) group: Option<GroupIndex>,
    /// "Limit access to this project" toggle.
    pub inbound_enabled: bool,
    /// Deprecated outbound "Limit CI_JOB_TOKEN access" toggle.
    pub outbound_enabled: bool,
    /// Where its lists are in `World::entries`: list `l` is `lists[l]..lists[l + 1]`.
    pub(crate) lists: [u32; 4],
    /// Where its lists' indexes are in `World::entry_index`, the same way.
    pub(crate) indexes: [u32; 4],
}

/// A group implied by the project paths below it.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// The path as first spelled by a project below it.
    pub(crate) path: Span,
    /// The lower-case path every comparison uses.
    pub(crate) key: Span,
    /// The group it lies in, if any.
    pub parent: Option<GroupIndex>,
    /// As the world's `groups` list says; private when not listed.
    pub visibility: Visibility,
}

/// A project of a world, read: its paths borrowed from the world's arena.
#[derive(Debug, Clone, Copy)]
pub struct ProjectRef<'w> {
    /// The path as the world spells it (trimmed of `/`).
    pub path: &'w str,
    /// The lower-case path used for every comparison.
    pub key: &'w str,
    /// Public, internal or private.
    pub visibility: Visibility,
    /// Each feature's visibility.
    pub features: Features,
    /// "Limit access to this project" toggle.
    pub inbound_enabled: bool,
    /// Deprecated outbound "Limit CI_JOB_TOKEN access" toggle.
    pub outbound_enabled: bool,
}

/// A group of a world, read.
#[derive(Debug, Clone, Copy)]
pub struct GroupRef<'w> {
    /// The path as first spelled by a project below it.
    pub path: &'w str,
    /// The lower-case path every comparison uses.
    pub key: &'w str,
    /// The group it lies in, if any.
    pub parent: Option<GroupIndex>,
    /// As the world's `groups` list says; private when not listed.
    pub visibility: Visibility,
}

/// An allowlist of a project: which of its three lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// The inbound allowlist's project entries, in input order.
    InboundProjects = 0,
    /// The inbound allowlist's group entries (17.0+), in input order.
    InboundGroups = 1,
    /// The outbound allowlist's project entries (14.1–17.11), in input order.
    OutboundProjects = 2,
}

/// An allowlist entry as compiled: 12 bytes (a large world holds a million), held in
/// `World::entries` as three words (so that a snapshot is read into it in one copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// The project (in a project list) or group (in a group list) it names, or [`NAMES_NOTHING`].
    pub(crate) names: u32,
    /// Its spelling in `World::spellings`, or [`SPELLED_AS_NAMED`] when it is spelled exactly as what
    /// it names (most entries: no text of their own).
    pub(crate) spelling: u32,
    /// [`DEFAULT_PERMISSIONS`], [`FOLDED`] and the index of its policy list in `World::policy_lists`.
    pub(crate) flags: u32,
}

impl Slot {
    /// The entry `World::entries` holds as three words.
    pub(crate) fn of(&[names, spelling, flags]: &[u32; 3]) -> Slot {
        Slot {
            names,
            spelling,
            flags,
        }
    }
}

/// [`Slot::names`] of an entry that names nothing of its world.
pub(crate) const NAMES_NOTHING: u32 = u32::MAX;
/// [`Slot::spelling`] of an entry spelled as what it names.
pub(crate) const SPELLED_AS_NAMED: u32 = u32::MAX;
/// [`Slot::flags`]: the entry keeps the default permissions.
pub(crate) const DEFAULT_PERMISSIONS: u32 = 1 << 31;
/// [`Slot::flags`]: its key (lower case) follows its own spelling in the arena.
pub(crate) const FOLDED: u32 = 1 << 30;
/// [`Slot::flags`]: the bits that hold the policy list's index.
pub(crate) const POLICY_LIST: u32 = FOLDED - 1;

/// A list of fine-grained policies as an entry gives it, and what it grants in the world's release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PolicyList {
    pub(crate) names: Vec<String>,
    pub(crate) granted: PermissionSet,
}

/// An allowlist entry, as its world holds it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'w> {
    /// The path as the entry spells it (trimmed of `/`).
    pub path: &'w str,
    /// The lower-case path every comparison uses.
    key: &'w str,
    /// What it names in its world: a project (project lists) or a group (group lists).
    pub(crate) names: Option<usize>,
    /// "Default permissions": the entry grants what the job token may do without fine-grained policies.
    pub default_permissions: bool,
    /// The fine-grained policies it names, as given.
    pub policies: &'w [String],
    /// What `policies` grant (with `admin_X ⇒ read_X`); unknown policies grant nothing.
    pub granted: PermissionSet,
}

impl Entry<'_> {
    /// The lower-case path every comparison uses.
    pub fn key(&self) -> &str {
        self.key
    }
}

/// Keys found by their hash: (key hash, id) of every key, sorted, so that the first of equal keys
/// is the first in input order. Integers only: a snapshot holds it as it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex(pub(crate) Vec<[u32; 2]>);

impl KeyIndex {
    fn of(keys: impl Iterator<Item = u32>) -> KeyIndex {
        let mut index: Vec<(u32, u32)> = Vec::new();
        for (id, hash) in keys.enumerate() {
            index.push((hash, id as u32));
        }
        crate::sort::heapsort(&mut index);
        KeyIndex(index.iter().map(|&(hash, id)| [hash, id]).collect())
    }

    /// The first id whose key (read by `key_of`) is `key`.
    fn find<'k>(&self, key: &str, key_of: impl Fn(usize) -> &'k str) -> Option<usize> {
        self.find_hashed(crate::hash::key_hash(key), key, key_of)
    }

    /// [`KeyIndex::find`] for a key whose [`key_hash`](crate::hash::key_hash) is `hash`.
    fn find_hashed<'k>(
        &self,
        hash: u32,
        key: &str,
        key_of: impl Fn(usize) -> &'k str,
    ) -> Option<usize> {
        let mut at = self.0.partition_point(|&[h, _]| h < hash);
        while let Some(&[h, id]) = self.0.get(at) {
            if h != hash {
                break;
            }
            if key_of(id as usize) == key {
                return Some(id as usize);
            }
            at += 1;
        }
        None
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

/// Most bytes of the world's arena (its offsets are 32-bit).
const MAX_TEXT: usize = (u32::MAX - 1) as usize;

/// A project or a group: what an allowlist entry names.
#[derive(Clone, Copy)]
pub(crate) enum Name {
    Project(ProjectIndex),
    Group(GroupIndex),
}

/// What compiling keeps only while it compiles: the maps from key to group, and from policy list to its
/// index. (The map from key to project is `from_input`'s own: it borrows the input's paths.)
#[derive(Default)]
struct Compiling {
    groups: HashMap<String, GroupIndex>,
    policy_lists: HashMap<String, usize>,
}

impl World {
    /// Compiles a world, or says what and where its input is wrong.
    pub fn from_input(input: WorldInput) -> Result<World, Error> {
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
            text: String::new(),
            projects: Vec::with_capacity(input.projects.len()),
            project_keys: KeyIndex::default(),
            groups: Vec::new(),
            group_keys: KeyIndex::default(),
            entries: Vec::new(),
            spellings: Vec::new(),
            entry_index: Vec::new(),
            policy_lists: vec![PolicyList::default()],
            users: HashMap::default(),
            memberships: Vec::new(),
        };
        let mut maps = Compiling::default();
        // Projects by key, the keys borrowed from the input where they are its paths (a copy of every
        // path was a fifth of compiling's peak memory for a world of long paths).
        let mut project_keys: HashMap<Cow<str>, ProjectIndex> =
            HashMap::with_capacity_and_hasher(input.projects.len(), Default::default());
        // The world's text takes the projects' paths and their groups': reserved at once, not grown by
        // doubling, which left up to half of it unused and copied it at every step.
        let paths: usize = input.projects.iter().map(|p| p.path.len()).sum();
        world
            .text
            .reserve_exact(paths.saturating_add(paths / 4).min(MAX_TEXT));

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
            let id = world.intern_ancestry(&mut maps, path, &at)?;
            world.groups[id].visibility = group.visibility;
        }

        // Projects and the groups their paths imply.
        let mut group_bytes = 0;
        let mut hashes = Vec::with_capacity(input.projects.len());
        for (i, project) in input.projects.iter().enumerate() {
            let at = || format!("projects[{i}].path");
            let (path, scan) = checked_path(&project.path, &at, 2)?;
            let key = if scan.upper {
                Cow::Owned(path.to_ascii_lowercase())
            } else {
                Cow::Borrowed(path)
            };
            if let Some(first) = project_keys.insert(key, i) {
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
            let group = match parent(path) {
                Some(group_path) => Some(world.intern_ancestry(&mut maps, group_path, &at)?),
                None => None,
            };
            let (path, key) = world.add_text(path, scan.upper, &at)?;
            hashes.push(scan.hash);
            world.projects.push(Project {
                path,
                key,
                visibility: project.visibility,
                features: project.features,
                group,
                inbound_enabled: project.inbound.enabled,
                outbound_enabled: project.outbound.enabled,
                lists: [0; 4],
                indexes: [0; 4],
            });
        }
        // A project cannot hold other projects: its path would be both. Looked up once per group.
        let is_project: Vec<bool> = (world.groups.iter())
            .map(|group| project_keys.contains_key(world.span(group.key)))
            .collect();
        for i in 0..world.projects.len() {
            if let Some(group) = world.groups_of(i).find(|&g| is_project[g]) {
                return Err(Error::invalid(
                    format!("projects[{i}].path"),
                    format!(
                        "\"{}\" lies inside project \"{}\"; a project cannot contain other projects",
                        world.project_path(i),
                        world.group_path(group)
                    ),
                ));
            }
        }

        for (key, &i) in &listed {
            if project_keys.contains_key(key.as_str()) {
                return Err(Error::invalid(
                    format!("groups[{i}].path"),
                    format!(
                        "\"{}\" is a project of this world, not a group",
                        input.groups[i].path.trim()
                    ),
                ));
            }
        }

        // The sorted key indexes, before the entries: an entry is resolved through them with the hash its
        // path's scan computed, and the map of project keys is gone before the entries take memory.
        drop(project_keys);
        world.project_keys = KeyIndex::of(hashes.into_iter());
        world.group_keys =
            KeyIndex::of((world.groups.iter()).map(|g| crate::hash::key_hash(world.span(g.key))));

        // Allowlist entries, checked, resolved and indexed. Each project's input is dropped as soon
        // as its entries are in: compiling never holds two copies of a large world's entries.
        for (i, project) in input.projects.into_iter().enumerate() {
            let outbound = (project.outbound.projects.into_iter())
                .map(|path| EntryInput {
                    path,
                    default_permissions: true,
                    policies: Vec::new(),
                })
                .collect();
            let lists = [
                (project.inbound.projects, "inbound.projects"),
                (project.inbound.groups, "inbound.groups"),
                (outbound, "outbound.projects"),
            ];
            for (l, (inputs, name)) in lists.into_iter().enumerate() {
                world.projects[i].lists[l] = world.entries.len() as u32;
                world.projects[i].indexes[l] = world.entry_index.len() as u32;
                let groups = l == List::InboundGroups as usize;
                world.add_entries(&mut maps, inputs, groups, &|| {
                    format!("projects[{i}].{name}")
                })?;
            }
            world.projects[i].lists[3] = world.entries.len() as u32;
            world.projects[i].indexes[3] = world.entry_index.len() as u32;
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

    /// Adds a list's entries (`groups`: a group list; `at` locates the list), each resolved to what it
    /// names, and the list's index.
    fn add_entries(
        &mut self,
        maps: &mut Compiling,
        inputs: Vec<EntryInput>,
        groups: bool,
        at: &dyn Fn() -> String,
    ) -> Result<(), Error> {
        let mut index = Vec::new();
        for (j, input) in inputs.into_iter().enumerate() {
            let at = || format!("{}[{j}]", at());
            let (path, scan) = checked_owned(input.path, &at, 1)?;
            let folded = scan.upper.then(|| path.to_ascii_lowercase());
            let key = folded.as_deref().unwrap_or(&path);
            let named = if groups {
                self.group_keys
                    .find_hashed(scan.hash, key, |g| self.group_key(g))
            } else {
                self.project_keys
                    .find_hashed(scan.hash, key, |p| self.project_key(p))
            };
            let (names, own_text, flags) = match named {
                Some(id) => {
                    let spelled = if groups {
                        self.group_path(id)
                    } else {
                        self.project_path(id)
                    };
                    index.push((id as u32, j as u32));
                    (id as u32, spelled != path, 0)
                }
                None => (NAMES_NOTHING, true, if scan.upper { FOLDED } else { 0 }),
            };
            let spelling = if own_text {
                // A key of its own only for an entry that names nothing (else it is the named one's).
                let (span, _) = self.add_text(&path, flags & FOLDED != 0, &at)?;
                self.spellings.push([span.start, span.len]);
                (self.spellings.len() - 1) as u32
            } else {
                SPELLED_AS_NAMED
            };
            let policies = self.policy_list(maps, input.policies);
            let permissions = if input.default_permissions {
                DEFAULT_PERMISSIONS
            } else {
                0
            };
            self.entries
                .push([names, spelling, flags | permissions | policies]);
        }
        crate::sort::heapsort(&mut index);
        (self.entry_index).extend(index.iter().map(|&(_, position)| position));
        Ok(())
    }

    /// The index of a policy list in `policy_lists`, added if new.
    fn policy_list(&mut self, maps: &mut Compiling, names: Vec<String>) -> u32 {
        if names.is_empty() {
            return 0;
        }
        // Each name with its length before it: no two lists have the same key.
        let mut key = String::new();
        for name in &names {
            key.push_str(&name.len().to_string());
            key.push(':');
            key.push_str(name);
        }
        let next = self.policy_lists.len();
        let index = *maps.policy_lists.entry(key).or_insert(next);
        if index == next {
            let granted =
                PermissionSet::from_policies(names.iter().map(String::as_str), self.version);
            self.policy_lists.push(PolicyList { names, granted });
        }
        index as u32
    }

    /// Adds a path to the arena, and after it its lower-case key when `upper`: the spans of both.
    fn add_text(
        &mut self,
        path: &str,
        upper: bool,
        at: &dyn Fn() -> String,
    ) -> Result<(Span, Span), Error> {
        let added = if upper { 2 * path.len() } else { path.len() };
        if self.text.len() + added > MAX_TEXT {
            return Err(Error::invalid(
                at(),
                "the world's paths add up to more than 4 GiB (the limit)",
            ));
        }
        let spelled = Span {
            start: self.text.len() as u32,
            len: path.len() as u32,
        };
        self.text.push_str(path);
        if !upper {
            return Ok((spelled, spelled));
        }
        let key = Span {
            start: self.text.len() as u32,
            len: path.len() as u32,
        };
        self.text
            .extend(path.chars().map(|c| c.to_ascii_lowercase()));
        Ok((spelled, key))
    }

    /// The groups from `path` up, interned: up the path to the first group seen before. The nearest.
    fn intern_ancestry(
        &mut self,
        maps: &mut Compiling,
        path: &str,
        at: &dyn Fn() -> String,
    ) -> Result<GroupIndex, Error> {
        let mut child: Option<GroupIndex> = None;
        let mut nearest = None;
        let mut spelled = Some(path);
        while let Some(group_path) = spelled {
            let (group, new) = self.intern_group(maps, group_path, at)?;
            if let Some(child) = child {
                self.groups[child].parent = Some(group);
            }
            nearest.get_or_insert(group);
            if !new {
                break;
            }
            child = Some(group);
            spelled = parent(group_path);
        }
        // A path has at least one segment, so the loop ran.
        Ok(nearest.unwrap_or_default())
    }

    /// The group at `path`, and whether it is new.
    fn intern_group(
        &mut self,
        maps: &mut Compiling,
        path: &str,
        at: &dyn Fn() -> String,
    ) -> Result<(GroupIndex, bool), Error> {
        let key = path_key(path);
        if let Some(&id) = maps.groups.get(key.as_ref()) {
            return Ok((id, false));
        }
        let upper = matches!(key, std::borrow::Cow::Owned(_));
        let key = key.into_owned();
        let id = self.groups.len();
        let (path, key_span) = self.add_text(path, upper, at)?;
        self.groups.push(Group {
            path,
            key: key_span,
            parent: None,
            visibility: Visibility::Private,
        });
        maps.groups.insert(key, id);
        Ok((id, true))
    }

    /// The arena's text at `span` (empty if a span were ever out of place: never for a compiled
    /// world, and a snapshot's spans are checked when it is read).
    pub(crate) fn span(&self, span: Span) -> &str {
        let start = span.start as usize;
        let end = start.saturating_add(span.len as usize);
        self.text.get(start..end).unwrap_or("")
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
    pub fn projects(&self) -> impl ExactSizeIterator<Item = ProjectRef<'_>> + Clone + '_ {
        (0..self.projects.len()).map(|p| self.project(p))
    }

    /// The project at `index` in [`World::projects`], if there is one.
    pub fn project_at(&self, index: usize) -> Option<ProjectRef<'_>> {
        (index < self.projects.len()).then(|| self.project(index))
    }

    /// Project `p`, read.
    pub(crate) fn project(&self, p: ProjectIndex) -> ProjectRef<'_> {
        let project = &self.projects[p];
        ProjectRef {
            path: self.span(project.path),
            key: self.span(project.key),
            visibility: project.visibility,
            features: project.features,
            inbound_enabled: project.inbound_enabled,
            outbound_enabled: project.outbound_enabled,
        }
    }

    /// Group `g`, read.
    pub(crate) fn group(&self, g: GroupIndex) -> GroupRef<'_> {
        let group = &self.groups[g];
        GroupRef {
            path: self.span(group.path),
            key: self.span(group.key),
            parent: group.parent,
            visibility: group.visibility,
        }
    }

    /// The path of project `p` as the world spells it.
    pub(crate) fn project_path(&self, p: ProjectIndex) -> &str {
        self.span(self.projects[p].path)
    }

    /// The lower-case path of project `p`, which comparisons use.
    pub(crate) fn project_key(&self, p: ProjectIndex) -> &str {
        self.span(self.projects[p].key)
    }

    /// The path of group `g` as first spelled.
    pub(crate) fn group_path(&self, g: GroupIndex) -> &str {
        self.span(self.groups[g].path)
    }

    /// The lower-case path of group `g`.
    pub(crate) fn group_key(&self, g: GroupIndex) -> &str {
        self.span(self.groups[g].key)
    }

    /// How the world spells a project.
    pub fn path_of(&self, project: ProjectId) -> &str {
        self.project_path(project.0)
    }

    /// The groups project `p` lies in, nearest first.
    pub(crate) fn groups_of(
        &self,
        p: ProjectIndex,
    ) -> impl Iterator<Item = GroupIndex> + Clone + '_ {
        std::iter::successors(self.projects[p].group, move |&g| self.groups[g].parent)
    }

    /// The groups above group `g`, nearest first.
    pub(crate) fn ancestors(&self, g: GroupIndex) -> impl Iterator<Item = GroupIndex> + '_ {
        std::iter::successors(self.groups[g].parent, move |&a| self.groups[a].parent)
    }

    /// The entries of one of a project's lists, in input order.
    pub fn entries(&self, project: ProjectId, list: List) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.list(project.0, list)
    }

    /// [`World::entries`] by index.
    pub(crate) fn list(&self, p: ProjectIndex, list: List) -> Entries<'_> {
        let lists = self.projects[p].lists;
        let l = list as usize;
        Entries {
            world: self,
            groups: list == List::InboundGroups,
            slots: self
                .entries
                .get(lists[l] as usize..lists[l + 1] as usize)
                .unwrap_or_default(),
        }
    }

    /// The entry `slot` of a list (`groups`: a group list).
    fn entry(&self, slot: Slot, groups: bool) -> Entry<'_> {
        let names = (slot.names != NAMES_NOTHING).then_some(slot.names as usize);
        let named = |id| {
            if groups {
                (self.group_path(id), self.group_key(id))
            } else {
                (self.project_path(id), self.project_key(id))
            }
        };
        let spelled = match self.spellings.get(slot.spelling as usize) {
            Some(&[start, len]) => Span { start, len },
            None => Span::default(),
        };
        let (path, key) = match names {
            Some(id) if slot.spelling == SPELLED_AS_NAMED => named(id),
            Some(id) => (self.span(spelled), named(id).1),
            None if slot.flags & FOLDED != 0 => {
                let key = Span {
                    start: spelled.start.saturating_add(spelled.len),
                    len: spelled.len,
                };
                (self.span(spelled), self.span(key))
            }
            None => (self.span(spelled), self.span(spelled)),
        };
        let policies = (self.policy_lists.get((slot.flags & POLICY_LIST) as usize))
            .unwrap_or(&self.policy_lists[0]);
        Entry {
            path,
            key,
            names,
            default_permissions: slot.flags & DEFAULT_PERMISSIONS != 0,
            policies: &policies.names,
            granted: policies.granted,
        }
    }

    /// The project at `path` (any case, surrounding `/` ignored).
    pub fn project_id(&self, path: &str) -> Option<ProjectId> {
        self.find_project(path).map(ProjectId::of)
    }

    /// [`World::project_id`]'s index.
    pub(crate) fn find_project(&self, path: &str) -> Option<ProjectIndex> {
        self.project_keys
            .find(&path_key(path), |p| self.project_key(p))
            .filter(|&p| p < self.projects.len())
    }

    /// The project at `path`, or an `unknown_project` error located at `at`.
    pub(crate) fn require_project(&self, path: &str, at: &str) -> Result<ProjectIndex, Error> {
        self.find_project(path)
            .ok_or_else(|| Error::unknown_project(at, path))
    }

    /// The implied group at `path`.
    pub(crate) fn group_id(&self, path: &str) -> Option<GroupIndex> {
        self.group_keys
            .find(&path_key(path), |g| self.group_key(g))
            .filter(|&g| g < self.groups.len())
    }

    /// The first entry of project `p`'s list that names `name`.
    pub(crate) fn entry_for(&self, p: ProjectIndex, list: List, name: Name) -> Option<Entry<'_>> {
        let id = match name {
            Name::Project(p) => p,
            Name::Group(g) => g,
        } as u32;
        let l = list as usize;
        let (lists, indexes) = (self.projects[p].lists, self.projects[p].indexes);
        let index = (self.entry_index)
            .get(indexes[l] as usize..indexes[l + 1] as usize)
            .unwrap_or_default();
        let entries = (self.entries)
            .get(lists[l] as usize..lists[l + 1] as usize)
            .unwrap_or_default();
        let names = |position: u32| entries.get(position as usize).map(|slot| slot[0]);
        // Sorted by what they name, then by position: the first naming `id` is the list's first.
        let at = index.partition_point(|&position| names(position).is_some_and(|n| n < id));
        let position = *index.get(at)?;
        let slot = entries.get(position as usize)?;
        (slot[0] == id).then(|| self.entry(Slot::of(slot), list == List::InboundGroups))
    }

    /// Whether project `target` enforces its inbound allowlist in this release.
    pub(crate) fn inbound_enforced(&self, target: ProjectIndex) -> bool {
        self.profile.inbound && (self.projects[target].inbound_enabled || self.instance_enforces)
    }

    /// Project entries counted against `PROJECT_LINK_DIRECTIONAL_LIMIT`: distinct entries other
    /// than the project itself (always on its allowlist, never a counted link).
    pub(crate) fn project_entry_count(&self, project: ProjectIndex) -> usize {
        let own = self.project_key(project);
        distinct(
            self.list(project, List::InboundProjects)
                .filter(|e| e.key() != own),
        )
    }

    /// Group entries counted against `GROUP_LINK_LIMIT` (apart from projects), where the release
    /// has them.
    pub(crate) fn group_entry_count(&self, project: ProjectIndex) -> usize {
        if self.profile.groups {
            distinct(self.list(project, List::InboundGroups))
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

/// The entries of one list, in input order.
#[derive(Clone)]
pub(crate) struct Entries<'w> {
    world: &'w World,
    groups: bool,
    slots: &'w [[u32; 3]],
}

impl<'w> Iterator for Entries<'w> {
    type Item = Entry<'w>;

    fn next(&mut self) -> Option<Entry<'w>> {
        let (first, rest) = self.slots.split_first()?;
        self.slots = rest;
        Some(self.world.entry(Slot::of(first), self.groups))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.slots.len(), Some(self.slots.len()))
    }
}

impl ExactSizeIterator for Entries<'_> {}

impl Entries<'_> {
    /// Whether the list has no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// How many different keys `entries` has.
fn distinct<'e>(entries: impl Iterator<Item = Entry<'e>>) -> usize {
    // A map used as a set, of the world's own map type: one hash table type in the wasm.
    let mut seen: HashMap<String, usize> = HashMap::default();
    entries
        .filter(|e| seen.insert(e.key.to_owned(), 0).is_none())
        .count()
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
        for p in 0..world.projects.len() {
            let listed: Vec<&str> = world.groups_of(p).map(|g| world.group_key(g)).collect();
            let mut expected = Vec::new();
            let mut key = world.project_key(p);
            while let Some(parent) = super::parent(key) {
                expected.push(parent);
                key = parent;
            }
            assert_eq!(listed, expected, "{}", world.project_path(p));
        }
        assert_eq!(world.groups.len(), 9, "each group once");
    }
}
