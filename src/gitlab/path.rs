//! GitLab paths: the comparison key (trimmed, ASCII lower case), the one-pass check of a path's
//! segments with its key hash, and the relations between keys (within a group, parent).
//!
//! A large world holds a million paths, so the scan reads eight bytes at a time where it can.

use std::borrow::Cow;

use crate::hash::{key_hash, KeyHasher};
use crate::Error;

/// The comparison key of a path: trimmed of spaces and `/`, lower case. Borrows when already a key.
///
/// GitLab paths and usernames are ASCII (letters, digits, `_`, `-`, `.`), so ASCII case folding is
/// GitLab's own comparison — and keeps Unicode case tables out of the wasm.
pub(crate) fn path_key(raw: &str) -> Cow<'_, str> {
    let trimmed = trim_path(raw);
    if trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(trimmed.to_ascii_lowercase())
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// A path without surrounding spaces and `/`.
pub(crate) fn trim_path(raw: &str) -> &str {
    // `get` rather than slicing: no panic path (and its formatting code) in the wasm.
    let keep = |b: &u8| *b != b'/' && !b.is_ascii_whitespace();
    let start = raw.bytes().position(|b| keep(&b)).unwrap_or(raw.len());
    let end = raw.bytes().rposition(|b| keep(&b)).map_or(start, |i| i + 1);
    raw.get(start..end).unwrap_or("")
}

/// Most segments in a path (GitLab nests subgroups at most 20 levels): bounds the work per path of
/// everything that walks a path's ancestors.
pub const MAX_SEGMENTS: usize = 32;
/// What one pass over a trimmed path finds.
#[derive(Debug, PartialEq)]
pub(crate) struct Scan {
    pub(crate) segments: usize,
    /// A segment holds nothing but whitespace.
    pub(crate) blank: bool,
    /// It has ASCII upper-case letters: its key is spelled differently.
    pub(crate) upper: bool,
    /// Its key's [`key_hash`].
    pub(crate) hash: u32,
}

impl Scan {
    /// Scans a non-empty path trimmed of `/` and spaces: eight bytes at a time when it is printable
    /// ASCII without spaces (nearly every path; a world has a million), else byte by byte.
    pub(crate) fn of(path: &str) -> Scan {
        Scan::words(path.as_bytes()).unwrap_or_else(|| Scan::bytes(path))
    }

    fn words(bytes: &[u8]) -> Option<Scan> {
        let (mut slashes, mut upper, mut adjacent, mut after_slash) = (0, 0, 0, 0);
        let (mut hasher, mut last) = (KeyHasher::default(), 0);
        for chunk in bytes.chunks(8) {
            // A short last chunk is filled with `a`, which is none of the bytes looked for.
            let mut word = [b'a'; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            let word = u64::from_le_bytes(word);
            if HIGH & !bytes_between(word, b' ', 128) != 0 {
                return None;
            }
            let slash = bytes_between(word, b'/' - 1, b'/' + 1);
            slashes += slash.count_ones() as usize;
            let capitals = bytes_between(word, b'A' - 1, b'Z' + 1);
            upper |= capitals;
            // The key's bytes: a capital's high bit, moved to 0x20, lowers it.
            let key = word | capitals >> 2;
            match chunk.len() {
                8 => hasher.add(key),
                n => last = key & ((1 << (8 * n)) - 1),
            }
            // Two slashes in a row (in this word, or across the last one's end): an empty segment.
            adjacent |= slash & (slash >> 8) | slash & after_slash;
            after_slash = (slash >> 63) << 7;
        }
        Some(Scan {
            segments: slashes + 1,
            blank: adjacent != 0,
            upper: upper != 0,
            hash: hasher.key_end(last, bytes.len() % 8),
        })
    }

    fn bytes(path: &str) -> Scan {
        // A segment is blank when it holds nothing but whitespace (`str::trim`'s: in ASCII, tab to
        // carriage return and space); any non-ASCII byte sends the path to `str::trim` itself, which
        // knows the rest of Unicode's whitespace.
        let (mut segments, mut blank, mut filled, mut ascii) = (1, false, false, true);
        for &b in path.as_bytes() {
            if b == b'/' {
                segments += 1;
                blank |= !filled;
                filled = false;
            } else {
                filled |= !matches!(b, b'\t'..=b'\r' | b' ');
                ascii &= b.is_ascii();
            }
        }
        blank |= !filled;
        if !ascii {
            blank = path.split('/').any(|segment| segment.trim().is_empty());
        }
        Scan {
            segments,
            blank,
            upper: path.bytes().any(|b| b.is_ascii_uppercase()),
            hash: key_hash(&path.to_ascii_lowercase()),
        }
    }
}

/// The high bit of every byte of `word` strictly between `low` and `high` (`high` ≤ 128), exactly:
/// the bit-twiddling `hasbetween`, which cannot carry or borrow across bytes.
fn bytes_between(word: u64, low: u8, high: u8) -> u64 {
    let seven = word & !HIGH;
    (ONES * (127 + u64::from(high)) - seven)
        & !word
        & (seven + ONES * (127 - u64::from(low)))
        & HIGH
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Checks a path (non-empty segments) and returns it trimmed, as spelled, and what its scan found.
pub(crate) fn checked_path<'p>(
    raw: &'p str,
    at: &dyn Fn() -> String,
    min: usize,
) -> Result<(&'p str, Scan), Error> {
    // `at` builds the error's location only when there is an error: compiling stays allocation-light.
    let trimmed = trim_path(raw);
    if trimmed.is_empty() {
        return Err(Error::invalid(at(), "empty path"));
    }
    let scan = Scan::of(trimmed);
    if scan.segments > MAX_SEGMENTS {
        return Err(Error::invalid(
            at(),
            "a path of more than 32 segments (the limit)",
        ));
    }
    if scan.blank {
        return Err(Error::invalid(
            at(),
            format!("\"{raw}\" has an empty path segment"),
        ));
    }
    if scan.segments < min {
        return Err(Error::invalid(
            at(),
            format!("\"{raw}\" is not a project path: GitLab projects live in a namespace (\"group/project\")"),
        ));
    }
    Ok((trimmed, scan))
}

/// The checked path as an owned string (the input's own string when it needs no trimming), and what
/// its scan found.
pub(crate) fn checked_owned(
    raw: String,
    at: &dyn Fn() -> String,
    min: usize,
) -> Result<(String, Scan), Error> {
    let (trimmed, scan) = checked_path(&raw, at, min)?;
    let path = if trimmed.len() == raw.len() {
        raw
    } else {
        trimmed.to_owned()
    };
    Ok((path, scan))
}

/// `key` is `group` or lies below it (`acme/api` within `acme`, not within `ac`).
pub(crate) fn within(key: &str, group: &str) -> bool {
    key == group || (key.starts_with(group) && key.as_bytes().get(group.len()) == Some(&b'/'))
}

/// The parent of a key (`a/b/c` → `a/b`), if any.
pub(crate) fn parent(key: &str) -> Option<&str> {
    key.rsplit_once('/').map(|(parent, _)| parent)
}

#[cfg(test)]
mod tests {
    use super::{checked_path, key_hash, Scan};
    use proptest::prelude::*;

    proptest! {
        /// The one-pass check finds what splitting and trimming each segment finds, whitespace of
        /// every kind included.
        #[test]
        fn path_check_agrees_with_split_and_trim(
            raw in proptest::collection::vec(
                prop::sample::select(vec!["a", "B", "/", " ", "\t", "\u{b}", "\u{c}", "\u{a0}", "\u{3000}", "é"]),
                0..12,
            )
        ) {
            let raw = raw.concat();
            let trimmed = super::trim_path(&raw);
            let segments = trimmed.split('/').count();
            let blank = trimmed.split('/').any(|segment| segment.trim().is_empty());
            let expected = !trimmed.is_empty() && !blank && segments <= super::MAX_SEGMENTS;
            let checked = checked_path(&raw, &String::new, 1);
            prop_assert_eq!(checked.is_ok(), expected, "{:?}: {:?}", raw, checked.err());
            if let Ok((_, scan)) = checked {
                prop_assert_eq!(scan.upper, trimmed.bytes().any(|b| b.is_ascii_uppercase()));
                prop_assert_eq!(scan.hash, key_hash(&trimmed.to_ascii_lowercase()));
            }
        }
    }

    proptest! {
        /// Eight bytes at a time finds what byte by byte finds, across word ends and on the bytes
        /// next to the ones looked for (`.` `0` around `/`, `@` `[` around `A`–`Z`).
        #[test]
        fn scanning_words_agrees_with_scanning_bytes(
            raw in proptest::collection::vec(
                prop::sample::select(vec![b'a', b'A', b'Z', b'/', b'.', b'0', b'@', b'[', b'`', b'{', b'~', 0x7f]),
                1..40,
            )
        ) {
            let raw = String::from_utf8(raw).unwrap();
            let path = super::trim_path(&raw);
            prop_assume!(!path.is_empty(), "an empty path is refused before it is scanned");
            prop_assert_eq!(Scan::words(path.as_bytes()), Some(Scan::bytes(path)), "{:?}", path);
            prop_assert_eq!(Scan::of(path).hash, key_hash(&path.to_ascii_lowercase()));
        }
    }

    #[test]
    fn scanning_words_leaves_spaces_and_wide_characters_to_bytes() {
        for path in ["a b", "a\tb", "\u{1}x", "é", "a/\u{3000}/b", "12345678/x"] {
            assert_eq!(
                Scan::words(path.as_bytes()).is_none(),
                path != "12345678/x",
                "{path:?}"
            );
        }
    }
}
