//! Ranking metrics with binary relevance, as BEIR and the published FAQ-retrieval tables
//! compute them (the retrieval suites).

use std::collections::HashSet;

/// nDCG@k: discounted cumulative gain of the top `k` ranked ids, divided by the gain of an
/// ideal ranking (all relevant ids first). 0 when nothing is relevant.
pub fn ndcg_at_k(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| relevant.contains(*id))
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(k))
        .map(|i| 1.0 / ((i + 2) as f64).log2())
        .sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

/// nDCG@k as BERT-FAQ reports it for StackFAQ (scikit-learn's `ndcg_score` over the labels of
/// the top `k` hits): the ideal ranking is made of the relevant ids *found* in the top `k`, not
/// of every relevant id, so one relevant hit at rank 1 scores 1 however many relevant ids the
/// query has. Higher than [`ndcg_at_k`] whenever relevant ids are missed; 0 when none is found.
pub fn ndcg_at_k_within_retrieved(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    let gains: Vec<bool> = ranked
        .iter()
        .take(k)
        .map(|id| relevant.contains(id))
        .collect();
    let dcg: f64 = gains
        .iter()
        .enumerate()
        .filter(|(_, hit)| **hit)
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let found = gains.iter().filter(|hit| **hit).count();
    let ideal: f64 = (0..found).map(|i| 1.0 / ((i + 2) as f64).log2()).sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

/// MRR@k: the reciprocal rank of the first relevant id within the top `k`, else 0.
pub fn mrr_at_k(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|id| relevant.contains(id))
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// Recall@k: the share of the relevant ids found in the top `k`. 0 when nothing is relevant.
pub fn recall_at_k(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|id| relevant.contains(*id))
        .count();
    found as f64 / relevant.len() as f64
}

/// Precision@k: the share of the top `k` slots holding a relevant id.
pub fn precision_at_k(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    ranked
        .iter()
        .take(k)
        .filter(|id| relevant.contains(*id))
        .count() as f64
        / k as f64
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn set(v: &[&str]) -> HashSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ndcg_matches_a_hand_computed_ranking() {
        // Relevant at ranks 1 and 3 of 3; two relevant in all.
        // DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5; IDCG = 1 + 1/log2(3) = 1.630930
        let value = ndcg_at_k(&ids(&["a", "x", "b"]), &set(&["a", "b"]), 10);
        assert!(close(value, 1.5 / (1.0 + 1.0 / 3f64.log2())), "{value}");
    }

    #[test]
    fn ndcg_is_one_for_a_perfect_ranking_and_zero_for_none_found() {
        assert!(close(
            ndcg_at_k(&ids(&["a", "b", "x"]), &set(&["a", "b"]), 10),
            1.0
        ));
        assert!(close(ndcg_at_k(&ids(&["x", "y"]), &set(&["a"]), 10), 0.0));
        assert!(close(ndcg_at_k(&ids(&["x"]), &set(&[]), 10), 0.0));
    }

    #[test]
    fn ndcg_ignores_hits_below_the_cutoff() {
        assert!(close(ndcg_at_k(&ids(&["x", "a"]), &set(&["a"]), 1), 0.0));
    }

    #[test]
    fn ndcg_within_retrieved_only_counts_relevant_ids_that_were_found() {
        // One of three relevant ids found, at rank 2: DCG = 1/log2(3); the ideal of what was
        // found is 1 (it at rank 1), against 1 + 1/log2(3) + 1/2 for the standard nDCG.
        let ranked = ids(&["x", "a", "y"]);
        let relevant = set(&["a", "b", "c"]);
        let within = ndcg_at_k_within_retrieved(&ranked, &relevant, 3);
        assert!(close(within, 1.0 / 3f64.log2()), "{within}");
        let standard = ndcg_at_k(&ranked, &relevant, 3);
        assert!(
            close(
                standard,
                (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2() + 0.5)
            ),
            "{standard}"
        );
        assert!(close(
            ndcg_at_k_within_retrieved(&ids(&["a", "x"]), &relevant, 10),
            1.0
        ));
        assert!(close(
            ndcg_at_k_within_retrieved(&ids(&["x", "a"]), &relevant, 1),
            0.0
        ));
        assert!(close(
            ndcg_at_k_within_retrieved(&ids(&[]), &relevant, 5),
            0.0
        ));
    }

    #[test]
    fn mrr_is_the_reciprocal_rank_of_the_first_hit() {
        assert!(close(
            mrr_at_k(&ids(&["x", "y", "a", "b"]), &set(&["a", "b"]), 10),
            1.0 / 3.0
        ));
        assert!(close(
            mrr_at_k(&ids(&["x", "y", "a"]), &set(&["a"]), 2),
            0.0
        ));
    }

    #[test]
    fn recall_counts_the_share_of_relevant_found() {
        assert!(close(
            recall_at_k(
                &ids(&["a", "x", "b", "y", "z", "c"]),
                &set(&["a", "b", "c", "d"]),
                5
            ),
            0.5
        ));
        assert!(close(recall_at_k(&ids(&["a"]), &set(&[]), 5), 0.0));
    }

    #[test]
    fn precision_counts_relevant_slots() {
        assert!(close(
            precision_at_k(&ids(&["a", "x", "b", "y", "z"]), &set(&["a", "b"]), 5),
            0.4
        ));
    }
}
