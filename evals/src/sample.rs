//! Deterministic sampling: test examples spread evenly over a split (`--limit`), and k
//! training examples per class drawn with a fixed seed (the few-shot settings). The same
//! inputs give the same sample on every machine and in every run.

use std::collections::{BTreeMap, HashSet};

/// The seed of every few-shot sample in the reports.
pub const FEW_SHOT_SEED: u64 = 20_200_407;

/// At most `limit` items spread evenly over the list (items `⌊i · len / limit⌋` for
/// `i < limit`), so a fast run still covers every part of a split sorted by class. `None` or
/// `0`, or a limit at least the length, keeps everything.
pub fn spread<T>(items: Vec<T>, limit: Option<usize>) -> Vec<T> {
    let Some(limit) = limit.filter(|&l| l > 0 && l < items.len()) else {
        return items;
    };
    let step = items.len() as f64 / limit as f64;
    let picks: HashSet<usize> = (0..limit).map(|i| (i as f64 * step) as usize).collect();
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| picks.contains(i))
        .map(|(_, t)| t)
        .collect()
}

/// `k` items of each class (all of a class that has fewer), drawn without replacement with a
/// generator seeded by `seed` and the class name, returned in their original order. Seeding
/// per class keeps a class's sample the same when other classes come or go.
pub fn k_per_class<T: Clone>(
    items: &[T],
    class_of: impl Fn(&T) -> &str,
    k: usize,
    seed: u64,
) -> Vec<T> {
    let mut by_class: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        by_class.entry(class_of(item)).or_default().push(i);
    }
    let mut chosen: Vec<usize> = Vec::new();
    for (class, mut indices) in by_class {
        let mut rng = SplitMix64(seed ^ fnv1a(class));
        // Partial Fisher-Yates: the first `take` slots end up a uniform sample.
        let take = k.min(indices.len());
        for slot in 0..take {
            let remaining = (indices.len() - slot) as u64;
            let pick = slot + (rng.next() % remaining) as usize;
            indices.swap(slot, pick);
        }
        chosen.extend_from_slice(&indices[..take]);
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|i| items[i].clone()).collect()
}

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and fully specified, so samples do not
/// depend on a crate's version.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// 64-bit FNV-1a of a string.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn spread_takes_evenly_spaced_items_from_the_start() {
        // 10 items, limit 4: step 2.5 -> indices 0, 2, 5, 7.
        let items: Vec<usize> = (0..10).collect();
        assert_eq!(spread(items, Some(4)), [0, 2, 5, 7]);
    }

    #[test]
    fn spread_keeps_everything_without_a_useful_limit() {
        let items: Vec<usize> = (0..5).collect();
        assert_eq!(spread(items.clone(), None), items);
        assert_eq!(spread(items.clone(), Some(0)), items);
        assert_eq!(spread(items.clone(), Some(5)), items);
        assert_eq!(spread(items.clone(), Some(50)), items);
    }

    fn labelled() -> Vec<(String, usize)> {
        let mut items = Vec::new();
        for i in 0..30 {
            items.push(("a".to_string(), i));
        }
        for i in 0..3 {
            items.push(("b".to_string(), 100 + i));
        }
        for i in 0..12 {
            items.push(("c".to_string(), 200 + i));
        }
        items
    }

    #[test]
    fn k_per_class_takes_k_of_each_class_or_all_of_a_small_one() {
        let sample = k_per_class(&labelled(), |(c, _)| c, 10, FEW_SHOT_SEED);
        let count = |class: &str| sample.iter().filter(|(c, _)| c == class).count();
        assert_eq!((count("a"), count("b"), count("c")), (10, 3, 10));
        // No duplicates, original order kept.
        let ids: Vec<usize> = sample.iter().map(|(_, i)| *i).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn k_per_class_is_the_same_for_a_seed_and_differs_across_seeds() {
        let items = labelled();
        let first = k_per_class(&items, |(c, _)| c, 10, FEW_SHOT_SEED);
        assert_eq!(first, k_per_class(&items, |(c, _)| c, 10, FEW_SHOT_SEED));
        assert_ne!(
            first,
            k_per_class(&items, |(c, _)| c, 10, FEW_SHOT_SEED + 1)
        );
        // Not simply the first ten.
        let a: Vec<usize> = first
            .iter()
            .filter(|(c, _)| c == "a")
            .map(|(_, i)| *i)
            .collect();
        assert_ne!(a, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_class_sample_does_not_depend_on_the_other_classes() {
        let items = labelled();
        let only_a: Vec<(String, usize)> =
            items.iter().filter(|(c, _)| c == "a").cloned().collect();
        let a_alone = k_per_class(&only_a, |(c, _)| c, 10, 7);
        let a_among_others: Vec<(String, usize)> = k_per_class(&items, |(c, _)| c, 10, 7)
            .into_iter()
            .filter(|(c, _)| c == "a")
            .collect();
        assert_eq!(a_alone, a_among_others);
    }

    #[test]
    fn splitmix_matches_its_reference_output() {
        // First outputs of SplitMix64 seeded with 0 (the reference C implementation).
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next(), 0x6E78_9E6A_A1B9_65F4);
    }
}
