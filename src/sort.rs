//! The engine's one sort (a heapsort), by integer pairs or by any order.

/// Sorts in place in O(n log n) with no allocation: a few hundred bytes of wasm, where the standard
/// library's sorts bring several kilobytes (and this is the engine's only sort).
pub(crate) fn heapsort(items: &mut [(u32, u32)]) {
    heapsort_by(items, |a, b| a < b);
}

/// [`heapsort`] by `less`, for the few sorts whose keys are not integer pairs (paths in order, the
/// enforcement plan's lists). Not stable: callers that need ties kept in order put the position in
/// the key.
pub(crate) fn heapsort_by<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    // Moves `items[root]` down the max-heap `items[..end]` to where it belongs.
    let sift_down = |items: &mut [T], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(&items[child], &items[child + 1]) {
            child += 1;
        }
        if !less(&items[root], &items[child]) {
            return;
        }
        items.swap(root, child);
        root = child;
    };
    let len = items.len();
    for root in (0..len / 2).rev() {
        sift_down(items, root, len);
    }
    for end in (1..len).rev() {
        items.swap(0, end);
        sift_down(items, 0, end);
    }
}

#[cfg(test)]
mod tests {
    use super::heapsort;

    #[test]
    fn heapsort_sorts_like_the_standard_library() {
        // Lengths 0..64 (every small-heap shape) with repeats, and one long list.
        let mut seed: u64 = 0x5eed;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 50) as u32
        };
        for len in (0..64).chain([1000]) {
            let mut items: Vec<(u32, u32)> = (0..len).map(|_| (next(), next())).collect();
            let mut expected = items.clone();
            expected.sort();
            heapsort(&mut items);
            assert_eq!(items, expected, "length {len}");
        }
    }
}
