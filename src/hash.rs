//! The crate's one hash map type: std's map with [`KeyHasher`], a multiply-and-xor over eight bytes
//! at a time (FxHash's step, as in rustc).
//!
//! std's `RandomState` has no randomness on `wasm32-unknown-unknown` (its SipHash keys are fixed, so
//! there it defends against nothing), and SipHash cost 1 KB of the module's gzip size. Every key these
//! maps hold is the world's own (project, group and user paths from the caller's configuration); a
//! request's paths are only looked up, so they cannot lengthen a probe chain. The one map keyed by
//! arbitrary input, the native JSON door's duplicate-key check (`value.rs`), keeps std's randomly
//! keyed SipHash.

use std::collections;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// A map keyed by the world's own strings.
pub type HashMap<K, V> = collections::HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// The 32-bit hash allowlist indexes are sorted by: the half of [`KeyHasher`]'s where its entropy is.
pub fn key_hash(key: &str) -> u32 {
    BuildHasherDefault::<KeyHasher>::default().hash_one(key) as u32
}

/// FxHash's step, eight bytes at a time.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

/// FxHash's 64-bit multiplier.
const SEED: u64 = 0xf135_7aea_2e62_a9c5;

impl KeyHasher {
    /// Adds eight bytes (little-endian).
    pub(crate) fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(SEED);
    }

    /// [`key_hash`] of a key whose full eight-byte words were [`add`](Self::add)ed: its last 0–7
    /// bytes (`last`, zero above them) and how many they are, then the end mark `str` hashing adds.
    /// For a caller that already reads the key word by word (`Scan` in the GitLab world).
    pub(crate) fn key_end(mut self, last: u64, count: usize) -> u32 {
        self.add_tail(last, count);
        self.write_u8(0xff);
        self.finish() as u32
    }

    /// Adds a key's last 0–7 bytes (`last`, zero above them) and how many they are, so that trailing
    /// zero bytes still count.
    fn add_tail(&mut self, last: u64, count: usize) {
        self.add(last | (count as u64) << 56);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut last = [0; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.add_tail(u64::from_le_bytes(last), rest.len());
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves its entropy in the high half; on wasm32 the table takes both its bucket
        // and its 7-bit tag from the low half (with the low bits there, compiling a large world was a
        // quarter slower: tags matched and keys were compared in vain).
        self.0.rotate_left(32)
    }
}

#[cfg(test)]
mod tests {
    use super::KeyHasher;
    use std::hash::{Hash, Hasher};

    fn hash(key: &str) -> u64 {
        let mut hasher = KeyHasher::default();
        key.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn paths_that_differ_anywhere_spread_over_the_low_half() {
        // Keys like a world's: a long shared prefix, differing in the last bytes or only in length.
        let mut keys: Vec<String> = (0..4096)
            .map(|i| format!("acme/platform/infra/svc-{i}"))
            .collect();
        keys.push("acme/platform/infra/svc-12345678".to_owned());
        keys.push("acme/platform/infra/svc-12345678\0".to_owned());
        let hashes: Vec<u64> = keys.iter().map(|k| hash(k)).collect();
        let mut distinct = hashes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), hashes.len(), "no two keys hash alike");
        // wasm32's table: bucket from the low bits, 7-bit tag from bits 25..32. Both must spread.
        let mut buckets = [0u32; 1024];
        let mut tags = [0u32; 128];
        for h in &hashes {
            buckets[(h & 1023) as usize] += 1;
            tags[((h >> 25) & 127) as usize] += 1;
        }
        let mean = hashes.len() as u32 / 1024;
        assert!(
            buckets.iter().all(|&n| n <= 4 * mean + 4),
            "buckets: {buckets:?}"
        );
        assert!(tags.iter().all(|&n| n > 0), "every tag is used: {tags:?}");
    }
}
