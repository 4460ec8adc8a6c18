//! A compiled world as bytes: [`World::to_bytes`] writes it, [`World::from_bytes`] reads it back
//! without compiling anything again (docs/api.md "Snapshots").
//!
//! The world is already flat (`world.rs`): the snapshot is its arrays one after the other, as
//! little-endian 32-bit words, after a header that names the format and holds the body's checksum.
//! Reading streams the body from its [`Source`] (the big arrays straight into the world's own, the
//! rest through a small buffer), so loading a 31 MB snapshot in wasm never holds a second copy of it,
//! and checks every index and span before the world answers anything: a snapshot of another format,
//! a truncated one or one with a changed byte is refused with `invalid_input`, and no snapshot,
//! however made, can make a decision panic.
//!
//! Layout (format 1), after the 24-byte header (`JTSW`, format, body length, checksum):
//! version · instance · text · projects · project keys · groups · group keys · entries · spellings ·
//! entry index · policy lists · users. The checksum (Fletcher's, over 32-bit words) catches any change
//! to one word; it is not a signature: whoever can write a snapshot decides what it allows.

use super::input::{FeatureAccess, Features, Visibility};
use super::permission::{PermissionSet, Role};
use super::version::{self, Version};
use super::world::{
    Group, KeyIndex, PolicyList, Project, Slot, Span, World, FOLDED, NAMES_NOTHING, POLICY_LIST,
    SPELLED_AS_NAMED,
};
use crate::hash::HashMap;
use crate::Error;

/// The first bytes of every snapshot.
const MAGIC: [u8; 4] = *b"JTSW";
/// The layout this build writes and reads; any change to it changes this number.
pub const FORMAT: u32 = 1;
const HEADER: usize = 24;
/// How much of the body is read at a time (a multiple of 8: the checksum's words).
const CHUNK: usize = 64 << 10;
/// Where errors are located: the argument's name.
const AT: &str = "bytes";
/// Stands for "none" in an optional index.
const NONE: u32 = u32::MAX;

// A setting is written as its place in the type's table of names (its declaration order: `as u32`).
const VISIBILITIES: &[(&str, Visibility)] = Visibility::NAMES;
const ACCESSES: &[(&str, FeatureAccess)] = FeatureAccess::NAMES;
const ROLES: &[(&str, Role)] = Role::NAMES;

/// Where a snapshot's bytes come from: a slice natively, a JS `Uint8Array` in wasm (read a chunk at a
/// time, never copied whole into the module).
pub trait Source {
    /// How many bytes there are.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copies the bytes from `offset` into `into` (the caller stays within [`Source::len`]).
    fn read(&mut self, offset: usize, into: &mut [u8]);

    /// Copies the little-endian words from `offset` into `into`: the bulk of a snapshot (entries,
    /// indexes) goes straight into the world's arrays this way.
    fn read_words(&mut self, offset: usize, into: &mut [u32]) {
        read_words_by_bytes(self, offset, into);
    }
}

/// [`Source::read_words`] through [`Source::read`], a chunk at a time.
pub fn read_words_by_bytes(source: &mut (impl Source + ?Sized), offset: usize, into: &mut [u32]) {
    let mut bytes = vec![0; CHUNK.min(4 * into.len())];
    for (i, words) in into.chunks_mut(CHUNK / 4).enumerate() {
        let bytes = &mut bytes[..4 * words.len()];
        source.read(offset + i * CHUNK, bytes);
        words_from(bytes, words);
    }
}

/// The little-endian words of `bytes` into `words` (as many as both hold). A plain indexed loop:
/// the module is built for size, and iterator adapters there cost a call per step.
fn words_from(bytes: &[u8], words: &mut [u32]) {
    let mut i = 0;
    while i < words.len() && 4 * i + 4 <= bytes.len() {
        let b = &bytes[4 * i..4 * i + 4];
        words[i] = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        i += 1;
    }
}

impl Source for &[u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }

    fn read(&mut self, offset: usize, into: &mut [u8]) {
        if let Some(bytes) = self.get(offset..offset + into.len()) {
            into.copy_from_slice(bytes);
        }
    }

    fn read_words(&mut self, offset: usize, into: &mut [u32]) {
        if let Some(bytes) = self.get(offset..) {
            words_from(bytes, into);
        }
    }
}

/// Fletcher's checksum over the body's 32-bit words: the sum of the words and the sum of those
/// sums. A change to any one word changes both; two adds per word keep it to a few milliseconds on
/// a 40 MB snapshot.
#[derive(Clone, Copy, Default)]
struct Checksum {
    sum: u64,
    sums: u64,
}

impl Checksum {
    fn add(&mut self, words: &[u32]) {
        // In calls of a chunk each: V8 first runs a module's code unoptimised and swaps in the
        // optimised code at a function's next call, so one call over 30 MB would run slow throughout.
        for chunk in words.chunks(CHUNK / 4) {
            self.add_chunk(chunk);
        }
    }

    #[inline(never)]
    fn add_chunk(&mut self, words: &[u32]) {
        let mut i = 0;
        while i < words.len() {
            self.sum = self.sum.wrapping_add(u64::from(words[i]));
            self.sums = self.sums.wrapping_add(self.sum);
            i += 1;
        }
    }

    /// [`Checksum::add`] of the words of `bytes` (a whole number of them).
    fn add_bytes(&mut self, bytes: &[u8]) {
        let mut words = vec![0; CHUNK / 4];
        for chunk in bytes.chunks(CHUNK) {
            let words = &mut words[..chunk.len() / 4];
            words_from(chunk, words);
            self.add(words);
        }
    }

    fn value(self) -> u64 {
        self.sums ^ self.sum.rotate_left(32)
    }
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::invalid(
        AT,
        format!("not a snapshot this build can read: {what} (make it again with toBytes)"),
    )
}

impl World {
    /// The world as a snapshot: [`World::from_bytes`] reads it back as it is, with no compiling.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(HEADER + self.snapshot_size()));
        w.0.extend_from_slice(&[0; HEADER]);
        w.word(self.version.major.into());
        w.word(self.version.minor.into());
        w.word(self.instance_enforces.into());
        w.word(match self.instance_setting {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
        w.text(&self.text);
        w.word(self.projects.len() as u32);
        for p in &self.projects {
            let mut flags = p.visibility as u32
                | u32::from(p.inbound_enabled) << 2
                | u32::from(p.outbound_enabled) << 3;
            for (i, access) in p.features.0.iter().enumerate() {
                flags |= (*access as u32) << (8 + 2 * i);
            }
            w.span(p.path);
            w.span(p.key);
            w.word(p.group.map_or(NONE, |g| g as u32));
            w.word(flags);
            w.words(&p.lists);
            w.words(&p.indexes);
        }
        w.pairs(&self.project_keys.0);
        w.word(self.groups.len() as u32);
        for g in &self.groups {
            w.span(g.path);
            w.span(g.key);
            w.word(g.parent.map_or(NONE, |p| p as u32));
            w.word(g.visibility as u32);
        }
        w.pairs(&self.group_keys.0);
        w.word(self.entries.len() as u32);
        for e in &self.entries {
            w.words(e);
        }
        w.pairs(&self.spellings);
        w.word(self.entry_index.len() as u32);
        w.words(&self.entry_index);
        w.word(self.policy_lists.len() as u32);
        for list in &self.policy_lists {
            w.word(list.names.len() as u32);
            for name in &list.names {
                w.text(name);
            }
        }
        w.word(self.memberships.len() as u32);
        // In membership order (the map's own order is not the same from one build to the next).
        let mut users: Vec<&str> = vec![""; self.memberships.len()];
        for (user, &index) in &self.users {
            users[index] = user;
        }
        for (index, user) in users.into_iter().enumerate() {
            w.text(user);
            w.word(self.memberships[index].len() as u32);
            for (place, role) in &self.memberships[index] {
                w.text(place);
                w.word(*role as u32);
            }
        }
        let mut bytes = w.0;
        let body = bytes.len() - HEADER;
        let mut checksum = Checksum::default();
        checksum.add_bytes(&bytes[HEADER..]);
        bytes[..4].copy_from_slice(&MAGIC);
        bytes[4..8].copy_from_slice(&FORMAT.to_le_bytes());
        bytes[8..16].copy_from_slice(&(body as u64).to_le_bytes());
        bytes[16..24].copy_from_slice(&checksum.value().to_le_bytes());
        bytes
    }

    /// About how many bytes [`World::to_bytes`] makes (its arrays' sizes).
    pub fn to_bytes_len(&self) -> usize {
        HEADER + self.snapshot_size()
    }

    /// About how many bytes the snapshot's body takes (its arrays' sizes).
    fn snapshot_size(&self) -> usize {
        self.text.len()
            + 56 * self.projects.len()
            + 32 * self.groups.len()
            + 12 * self.entries.len()
            + 8 * (self.spellings.len() + self.projects.len() + self.groups.len())
            + 4 * self.entry_index.len()
            + 64
    }

    /// The world a snapshot of [`World::to_bytes`] holds, checked; `invalid_input` if it is not one.
    pub fn from_bytes(bytes: &[u8]) -> Result<World, Error> {
        World::from_source(&mut { bytes })
    }

    /// [`World::from_bytes`] from any [`Source`].
    pub fn from_source(source: &mut dyn Source) -> Result<World, Error> {
        let mut header = [0; HEADER];
        let start = source.len().min(HEADER);
        source.read(0, &mut header[..start]);
        if header[..4.min(start)] != MAGIC[..4.min(start)] {
            return Err(corrupt("it does not start as a snapshot does (\"JTSW\")"));
        }
        if start < HEADER {
            return Err(corrupt(format_args!(
                "{} bytes, shorter than any snapshot",
                source.len()
            )));
        }
        let word = |at: usize| {
            u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
        };
        if word(4) != FORMAT {
            return Err(corrupt(format_args!(
                "it is in snapshot format {}, and this build reads format {FORMAT}",
                word(4)
            )));
        }
        let body = u64::from(word(8)) | u64::from(word(12)) << 32;
        if body != (source.len() - HEADER) as u64 || body % 4 != 0 {
            return Err(corrupt(format_args!(
                "its header says {body} bytes follow, and {} do",
                source.len() - HEADER
            )));
        }
        let expected = u64::from(word(16)) | u64::from(word(20)) << 32;
        let mut r = Reader {
            source,
            next: HEADER,
            bytes: Vec::new(),
            words: Vec::new(),
            pos: 0,
            checksum: Checksum::default(),
            error: None,
        };
        // Read first, checked after: a changed byte is reported as such, not as whatever it broke.
        let world = r.world();
        r.skip_rest();
        if r.checksum.value() != expected {
            return Err(corrupt("its checksum does not match its bytes"));
        }
        if let Some(error) = r.error {
            return Err(error);
        }
        world.check()?;
        Ok(world)
    }

    /// Every index within its array, every span within the text: what a decision relies on.
    fn check(&self) -> Result<(), Error> {
        let (projects, groups) = (self.projects.len(), self.groups.len());
        for (i, g) in self.groups.iter().enumerate() {
            if !self.span_ok(g.path)
                || !self.span_ok(g.key)
                || g.parent.is_some_and(|parent| parent >= groups)
            {
                return Err(corrupt(format_args!("group {i} is out of place")));
            }
        }
        // Every chain of parents ends: walked once each, with the depth of every group found kept.
        let mut depth = vec![0u32; groups];
        for g in 0..groups {
            let mut chain = Vec::new();
            let mut at = Some(g);
            while let Some(a) = at.filter(|&a| depth[a] == 0) {
                if chain.len() > groups {
                    return Err(corrupt(format_args!("group {g} lies inside itself")));
                }
                chain.push(a);
                at = self.groups[a].parent;
            }
            let mut d = at.map_or(0, |a| depth[a]);
            for &a in chain.iter().rev() {
                d += 1;
                depth[a] = d;
            }
        }
        let mut next_entry = 0;
        for (i, p) in self.projects.iter().enumerate() {
            if !self.project_ok(p, next_entry) {
                return Err(corrupt(format_args!(
                    "project {i}, an entry of it or their index is out of place"
                )));
            }
            next_entry = p.lists[3];
        }
        if next_entry as usize != self.entries.len() {
            return Err(corrupt("entries belong to no project"));
        }
        let keys_ok = |keys: &KeyIndex, len: usize| {
            keys.0.len() == len
                && keys.0.iter().all(|&[_, id]| (id as usize) < len)
                && keys.0.windows(2).all(|w| w[0] <= w[1])
        };
        if !keys_ok(&self.project_keys, projects) || !keys_ok(&self.group_keys, groups) {
            return Err(corrupt("the index of paths is out of place"));
        }
        Ok(())
    }
}

impl World {
    /// Whether `span` lies within the text.
    fn span_ok(&self, span: Span) -> bool {
        let start = span.start as usize;
        (start.checked_add(span.len as usize))
            .is_some_and(|end| self.text.get(start..end).is_some())
    }

    /// Whether project `p` (its entries starting at `first_entry`) is in place: its spans, its group,
    /// the bounds of its lists, and each list. One call a project, as [`World::list_ok`] is one a list.
    #[inline(never)]
    fn project_ok(&self, p: &Project, first_entry: u32) -> bool {
        let ordered = |bounds: &[u32; 4], len: usize| {
            bounds.windows(2).all(|w| w[0] <= w[1]) && bounds[3] as usize <= len
        };
        let (projects, groups) = (self.projects.len(), self.groups.len());
        self.span_ok(p.path)
            && self.span_ok(p.key)
            && p.group.map_or(true, |g| g < groups)
            && p.lists[0] == first_entry
            && ordered(&p.lists, self.entries.len())
            && ordered(&p.indexes, self.entry_index.len())
            && (0..3).all(|l| self.list_ok(p, l, if l == 1 { groups } else { projects }))
    }

    /// Whether list `l` of project `p` names only what the world has (`named` projects or groups), its
    /// spellings and policy lists are in place, and its index holds positions of entries that name
    /// something. One call a list: V8 optimises a module's function for its next call, and a loop over
    /// a million entries in one call would run unoptimised throughout.
    #[inline(never)]
    fn list_ok(&self, p: &Project, l: usize, named: usize) -> bool {
        let span_ok = |start: u32, len: u32| self.span_ok(Span { start, len });
        let (first, end) = (p.lists[l] as usize, p.lists[l + 1] as usize);
        let entries = &self.entries[first..end];
        let entries_ok = entries.iter().all(|e| {
            let e = Slot::of(e);
            let own_text = e.spelling != SPELLED_AS_NAMED || e.names == NAMES_NOTHING;
            let spelling_ok = || match self.spellings.get(e.spelling as usize) {
                Some(&[start, len]) => {
                    span_ok(start, len)
                        && (e.flags & FOLDED == 0 || span_ok(start.wrapping_add(len), len))
                }
                None => false,
            };
            (e.names == NAMES_NOTHING || (e.names as usize) < named)
                && (!own_text || spelling_ok())
                && ((e.flags & POLICY_LIST) as usize) < self.policy_lists.len()
        });
        let index = &self.entry_index[p.indexes[l] as usize..p.indexes[l + 1] as usize];
        entries_ok
            && index.iter().all(|&position| {
                entries
                    .get(position as usize)
                    .is_some_and(|e| e[0] != NAMES_NOTHING)
            })
    }
}

/// Appends the body, word by word.
struct Writer(Vec<u8>);

impl Writer {
    fn word(&mut self, word: u32) {
        self.0.extend_from_slice(&word.to_le_bytes());
    }

    fn words(&mut self, words: &[u32]) {
        for &word in words {
            self.word(word);
        }
    }

    fn span(&mut self, span: Span) {
        self.words(&[span.start, span.len]);
    }

    fn pairs(&mut self, pairs: &[[u32; 2]]) {
        self.word(pairs.len() as u32);
        for pair in pairs {
            self.words(pair);
        }
    }

    /// A string: its length, its bytes, zeros to the next word.
    fn text(&mut self, text: &str) {
        self.word(text.len() as u32);
        self.0.extend_from_slice(text.as_bytes());
        let padding = (4 - text.len() % 4) % 4;
        self.0.extend_from_slice(&[0; 3][..padding]);
    }
}

/// Reads the body a chunk at a time as words, adding each chunk to the checksum as it arrives.
///
/// A read that fails records its error and gives zeros (a count of 0, an empty string), as does every
/// read after it: [`Reader::world`] reads straight through, and its caller returns the first error.
/// (One early return per field cost the wasm a copy of the drops of everything read so far.)
struct Reader<'s> {
    source: &'s mut dyn Source,
    /// The next offset of `source` to read.
    next: usize,
    /// The chunk as read, and as words.
    bytes: Vec<u8>,
    words: Vec<u32>,
    /// The next word of `words`.
    pos: usize,
    checksum: Checksum,
    /// The first read that failed.
    error: Option<Error>,
}

impl Reader<'_> {
    /// Reads the next chunk; false at the end of the source.
    fn fill(&mut self) -> bool {
        let left = self.source.len() - self.next;
        if left == 0 {
            return false;
        }
        let n = left.min(CHUNK);
        if self.bytes.len() != n {
            // Zeroed in one fill, not resized a byte at a time (see `text`).
            self.bytes = vec![0; n];
        }
        self.source.read(self.next, &mut self.bytes);
        // Plain indexed loops: the module is built for size, and iterator adapters there cost a
        // call per step (a million entries).
        self.words.clear();
        let b = &self.bytes;
        let mut i = 0;
        while i + 4 <= b.len() {
            self.words
                .push(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
            i += 4;
        }
        self.checksum.add(&self.words);
        self.next += n;
        self.pos = 0;
        true
    }

    /// Reads what is left, for the checksum.
    fn skip_rest(&mut self) {
        while self.fill() {}
    }

    /// Records `error` unless one is recorded already.
    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// The next word; 0 after an error.
    fn word(&mut self) -> u32 {
        if self.error.is_some() {
            return 0;
        }
        if self.pos == self.words.len() && !self.fill() {
            self.fail(corrupt("it ends too early"));
            return 0;
        }
        let word = self.words.get(self.pos).copied().unwrap_or_default();
        self.pos += 1;
        word
    }

    /// A count of items each `size` words long (0: bytes), refused when the bytes left cannot hold
    /// them; 0 after an error.
    fn count(&mut self, size: usize) -> usize {
        let count = self.word() as usize;
        let left = self.source.len() - self.next + 4 * (self.words.len() - self.pos);
        // `size` 0: a string's length in bytes.
        let needed = if size == 0 {
            count
        } else {
            count.saturating_mul(4 * size)
        };
        if needed > left {
            self.fail(corrupt("a count is larger than the bytes that follow"));
            return 0;
        }
        count
    }

    /// `count` records of `N` words each, read straight into one array (a large world's million
    /// entries in one copy).
    fn records<const N: usize>(&mut self) -> Vec<[u32; N]> {
        let count = self.count(N);
        let mut records = vec![[0; N]; count];
        self.bulk(records.as_flattened_mut());
        records
    }

    /// Fills `into` with the next words: what is left of the chunk read, then the rest straight
    /// from the source (zeros after an error).
    fn bulk(&mut self, into: &mut [u32]) {
        if self.error.is_some() {
            return;
        }
        let buffered = into.len().min(self.words.len() - self.pos);
        into[..buffered].copy_from_slice(&self.words[self.pos..self.pos + buffered]);
        self.pos += buffered;
        let rest = &mut into[buffered..];
        if rest.is_empty() {
            return;
        }
        if 4 * rest.len() > self.source.len() - self.next {
            return self.fail(corrupt("it ends too early"));
        }
        self.source.read_words(self.next, rest);
        self.checksum.add(rest);
        self.next += 4 * rest.len();
    }

    /// A string of [`Writer::text`]: what the chunk read holds of it, then the rest straight from the
    /// source (the world's paths, megabytes, in one copy).
    fn text(&mut self) -> String {
        let len = self.count(0);
        let words = len.div_ceil(4);
        let buffered = words.min(self.words.len() - self.pos);
        let rest = 4 * (words - buffered);
        if rest > self.source.len() - self.next {
            self.fail(corrupt("it ends too early"));
            return String::new();
        }
        // Allocated whole and zeroed in one fill: grown or resized, a byte at a time in the wasm's
        // baseline tier, the paths of 100,000 projects took 13 ms of a first `fromBytes`.
        let mut bytes = vec![0; 4 * words];
        let read = 4 * buffered;
        let start = 4 * self.pos;
        bytes[..read].copy_from_slice(&self.bytes[start..start + read]);
        self.pos += buffered;
        if rest > 0 {
            self.source.read(self.next, &mut bytes[read..]);
            self.checksum.add_bytes(&bytes[read..]);
            self.next += rest;
        }
        // The padding after the last byte is the rest of its word.
        bytes.truncate(len);
        String::from_utf8(bytes).unwrap_or_else(|_| {
            self.fail(corrupt("a path is not UTF-8"));
            String::new()
        })
    }

    /// The projects of a batch of records. One call a batch, as [`World::list_ok`] is one a list; and
    /// extended, not pushed: `Vec::push` copies its 68 bytes with a `memory.copy`, a call into V8.
    #[inline(never)]
    fn projects(&mut self, batch: &[[u32; 14]], projects: &mut Vec<Project>) {
        projects.extend(batch.iter().map(|p| self.project(p)));
    }

    /// A project of the snapshot's words.
    fn project(&mut self, p: &[u32; 14]) -> Project {
        let flags = p[5];
        let mut features = Features::default();
        for (i, access) in features.0.iter_mut().enumerate() {
            *access = self.choice(ACCESSES, flags >> (8 + 2 * i) & 3).1;
        }
        let mut lists = [0; 4];
        let mut indexes = [0; 4];
        lists.copy_from_slice(&p[6..10]);
        indexes.copy_from_slice(&p[10..14]);
        Project {
            path: Span {
                start: p[0],
                len: p[1],
            },
            key: Span {
                start: p[2],
                len: p[3],
            },
            group: (p[4] != NONE).then_some(p[4] as usize),
            visibility: self.choice(VISIBILITIES, flags & 3).1,
            features,
            inbound_enabled: flags & 4 != 0,
            outbound_enabled: flags & 8 != 0,
            lists,
            indexes,
        }
    }

    /// `options[code]`, or (an error) the first option.
    fn choice<T: Copy>(&mut self, options: &[T], code: u32) -> T {
        match options.get(code as usize) {
            Some(&option) => option,
            None => {
                self.fail(corrupt(format_args!("{code} is not a setting's value")));
                options[0]
            }
        }
    }

    /// The world the body holds, as read: whether it is one is [`Reader::error`]'s, then
    /// [`World::check`]'s to say.
    fn world(&mut self) -> World {
        let (major, minor) = (self.word(), self.word());
        let version = match u16::try_from(major).ok().zip(u16::try_from(minor).ok()) {
            Some((major, minor)) => Version::new(major, minor),
            None => {
                self.fail(corrupt("its GitLab release is not one"));
                Version::new(0, 0)
            }
        };
        // A release this build models (it may read a snapshot of an older build's world).
        if let Err(error) = Version::parse(&version.to_string(), AT) {
            self.fail(error);
        }
        let profile = version::profile(version);
        let instance_enforces = self.word() != 0;
        let setting = self.word();
        let instance_setting = self.choice(&[None, Some(false), Some(true)], setting);
        let text = self.text();

        // A batch at a time, into the world's own array: no second array of the projects' words.
        let count = self.count(14);
        let mut projects = Vec::with_capacity(count);
        let mut batch = vec![[0; 14]; count.min(1024)];
        while projects.len() < count && self.error.is_none() {
            let batch = &mut batch[..(count - projects.len()).min(1024)];
            self.bulk(batch.as_flattened_mut());
            self.projects(batch, &mut projects);
        }
        let project_keys = KeyIndex(self.records());

        let mut groups = Vec::new();
        for [path, path_len, key, key_len, parent, visibility] in self.records() {
            groups.push(Group {
                path: Span {
                    start: path,
                    len: path_len,
                },
                key: Span {
                    start: key,
                    len: key_len,
                },
                parent: (parent != NONE).then_some(parent as usize),
                visibility: self.choice(VISIBILITIES, visibility).1,
            });
        }
        let group_keys = KeyIndex(self.records());
        let entries = self.records();
        let spellings = self.records();
        let count = self.count(1);
        let mut entry_index = vec![0; count];
        self.bulk(&mut entry_index);

        let count = self.count(1);
        let mut policy_lists = Vec::with_capacity(count);
        for _ in 0..count {
            let names: Vec<String> = (0..self.count(1)).map(|_| self.text()).collect();
            // What a list grants is the engine's, for the world's release: worked out again.
            let granted = PermissionSet::from_policies(names.iter().map(String::as_str), version);
            policy_lists.push(PolicyList { names, granted });
        }
        if policy_lists.is_empty() {
            self.fail(corrupt("it has no policy lists"));
        }

        let count = self.count(2);
        let mut users = HashMap::default();
        let mut memberships = Vec::with_capacity(count);
        for index in 0..count {
            users.insert(self.text(), index);
            let places: Vec<_> = (0..self.count(2))
                .map(|_| {
                    let place = self.text();
                    let role = self.word();
                    (place, self.choice(ROLES, role).1)
                })
                .collect();
            memberships.push(places);
        }
        if self.pos != self.words.len() || self.next != self.source.len() {
            self.fail(corrupt("bytes follow its end"));
        }
        World {
            version,
            profile,
            instance_enforces,
            instance_setting,
            text,
            projects,
            project_keys,
            groups,
            group_keys,
            entries,
            spellings,
            entry_index,
            policy_lists,
            users,
            memberships,
        }
    }
}

/// Writes a snapshot's header again for its body as it now is (length and checksum): for tests and
/// fuzzing, which change a body on purpose to see that reading it checks more than the checksum.
#[doc(hidden)]
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER {
        return;
    }
    let mut checksum = Checksum::default();
    checksum.add_bytes(&bytes[HEADER..]);
    let body = (bytes.len() - HEADER) as u64;
    bytes[8..16].copy_from_slice(&body.to_le_bytes());
    bytes[16..24].copy_from_slice(&checksum.value().to_le_bytes());
}
