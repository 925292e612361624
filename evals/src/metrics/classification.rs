//! Classification metrics over (gold, predicted) label pairs, as scikit-learn computes them.
//!
//! "Every class" means the union of the labels that occur as gold or as prediction, which is
//! what scikit-learn's `f1_score(average="macro")` and `classification_report` use when no
//! `labels` are given. Following scikit-learn:
//!
//! - a class absent from both the gold labels and the predictions is not counted at all, so a
//!   `--limit` sample that misses an intent does not add a zero to the macro average;
//! - a class that is predicted but never gold (recall 0/0), or gold but never predicted
//!   (precision 0/0), counts with that undefined value as 0 (`zero_division=0`, what
//!   scikit-learn returns after its warning), so its F1 is 0.

use serde::Serialize;
use std::collections::BTreeMap;

/// One classified example: its gold label and the label predicted for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The dataset's label.
    pub gold: String,
    /// What the classifier answered.
    pub predicted: String,
}

impl Pair {
    /// A pair from its gold and predicted labels.
    pub fn new(gold: impl Into<String>, predicted: impl Into<String>) -> Self {
        Self {
            gold: gold.into(),
            predicted: predicted.into(),
        }
    }

    /// Whether the prediction is the gold label.
    pub fn is_correct(&self) -> bool {
        self.gold == self.predicted
    }
}

/// Accuracy: the share of pairs predicted right; 0 for no pairs.
pub fn accuracy(pairs: &[Pair]) -> f64 {
    share(pairs.iter().filter(|p| p.is_correct()).count(), pairs.len())
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScores {
    /// The class.
    pub label: String,
    /// Pairs whose gold label is this class.
    pub support: usize,
    /// Pairs predicted as this class.
    pub predicted: usize,
    /// Pairs both gold and predicted as this class.
    pub correct: usize,
    /// `correct / predicted`, 0 when never predicted.
    pub precision: f64,
    /// `correct / support`, 0 when never gold.
    pub recall: f64,
    /// The harmonic mean of precision and recall, `2·correct / (support + predicted)`; 0 when
    /// both are 0.
    pub f1: f64,
}

/// The scores of every class (see the module docs), sorted by label.
pub fn per_class(pairs: &[Pair]) -> Vec<ClassScores> {
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for pair in pairs {
        counts.entry(pair.gold.as_str()).or_default()[0] += 1;
        counts.entry(pair.predicted.as_str()).or_default()[1] += 1;
        if pair.is_correct() {
            counts.entry(pair.gold.as_str()).or_default()[2] += 1;
        }
    }
    counts
        .into_iter()
        .map(|(label, [support, predicted, correct])| ClassScores {
            label: label.to_string(),
            support,
            predicted,
            correct,
            precision: share(correct, predicted),
            recall: share(correct, support),
            f1: share(2 * correct, support + predicted),
        })
        .collect()
}

/// Macro-F1: the unweighted mean of [`per_class`] F1 over every class (see the module docs);
/// 0 for no pairs.
pub fn macro_f1(pairs: &[Pair]) -> f64 {
    let classes = per_class(pairs);
    if classes.is_empty() {
        return 0.0;
    }
    classes.iter().map(|c| c.f1).sum::<f64>() / classes.len() as f64
}

/// Out-of-scope recall (Larson et al. 2019): the share of the pairs whose gold label is
/// `oos_label` that were predicted `oos_label`; `None` when no pair is out of scope.
pub fn oos_recall(pairs: &[Pair], oos_label: &str) -> Option<f64> {
    let out_of_scope: Vec<&Pair> = pairs.iter().filter(|p| p.gold == oos_label).collect();
    (!out_of_scope.is_empty()).then(|| {
        share(
            out_of_scope.iter().filter(|p| p.is_correct()).count(),
            out_of_scope.len(),
        )
    })
}

/// In-scope accuracy (Larson et al. 2019): accuracy over the pairs whose gold label is not
/// `oos_label` (predicting `oos_label` for one of them is wrong); `None` when every pair is
/// out of scope.
pub fn in_scope_accuracy(pairs: &[Pair], oos_label: &str) -> Option<f64> {
    let in_scope: Vec<&Pair> = pairs.iter().filter(|p| p.gold != oos_label).collect();
    (!in_scope.is_empty()).then(|| {
        share(
            in_scope.iter().filter(|p| p.is_correct()).count(),
            in_scope.len(),
        )
    })
}

/// How often one gold class was predicted as another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// The gold class.
    pub gold: String,
    /// The class predicted instead.
    pub predicted: String,
    /// How many pairs.
    pub count: usize,
}

/// The `top` most frequent (gold, predicted) combinations with gold ≠ predicted, most
/// frequent first; ties ordered by gold label, then predicted label.
pub fn confused_pairs(pairs: &[Pair], top: usize) -> Vec<Confusion> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for pair in pairs.iter().filter(|p| !p.is_correct()) {
        *counts
            .entry((pair.gold.as_str(), pair.predicted.as_str()))
            .or_default() += 1;
    }
    let mut confusions: Vec<Confusion> = counts
        .into_iter()
        .map(|((gold, predicted), count)| Confusion {
            gold: gold.to_string(),
            predicted: predicted.to_string(),
            count,
        })
        .collect();
    // Stable: the BTreeMap order breaks ties.
    confusions.sort_by_key(|c| std::cmp::Reverse(c.count));
    confusions.truncate(top);
    confusions
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn pairs(gold: &[&str], predicted: &[&str]) -> Vec<Pair> {
        assert_eq!(gold.len(), predicted.len());
        gold.iter()
            .zip(predicted)
            .map(|(g, p)| Pair::new(*g, *p))
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// gold a a a b b c, predicted a a b b d c.
    fn example() -> Vec<Pair> {
        pairs(
            &["a", "a", "a", "b", "b", "c"],
            &["a", "a", "b", "b", "d", "c"],
        )
    }

    #[test]
    fn accuracy_is_the_share_predicted_right() {
        // Right at positions 1, 2, 4 and 6: 4 / 6.
        assert!(close(accuracy(&example()), 4.0 / 6.0));
        assert!(close(accuracy(&[]), 0.0));
    }

    #[test]
    fn per_class_scores_match_hand_computed_counts() {
        // a: support 3, predicted 2, correct 2 -> P 1, R 2/3, F1 2·2/(3+2) = 0.8
        // b: support 2, predicted 2 (positions 3, 4), correct 1 -> P 0.5, R 0.5, F1 0.5
        // c: support 1, predicted 1, correct 1 -> 1, 1, 1
        // d: never gold, predicted once -> P 0, R 0/0 = 0, F1 0
        let scores = per_class(&example());
        let labels: Vec<&str> = scores.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["a", "b", "c", "d"]);
        let a = &scores[0];
        assert_eq!((a.support, a.predicted, a.correct), (3, 2, 2));
        assert!(close(a.precision, 1.0) && close(a.recall, 2.0 / 3.0) && close(a.f1, 0.8));
        let b = &scores[1];
        assert_eq!((b.support, b.predicted, b.correct), (2, 2, 1));
        assert!(close(b.precision, 0.5) && close(b.recall, 0.5) && close(b.f1, 0.5));
        let c = &scores[2];
        assert!(close(c.precision, 1.0) && close(c.recall, 1.0) && close(c.f1, 1.0));
        let d = &scores[3];
        assert_eq!((d.support, d.predicted, d.correct), (0, 1, 0));
        assert!(close(d.precision, 0.0) && close(d.recall, 0.0) && close(d.f1, 0.0));
    }

    #[test]
    fn macro_f1_averages_every_class_seen_as_gold_or_prediction() {
        // (0.8 + 0.5 + 1 + 0) / 4 = 0.575: the class only predicted (d) counts as 0, as in
        // scikit-learn's f1_score(average="macro").
        assert!(
            close(macro_f1(&example()), 0.575),
            "{}",
            macro_f1(&example())
        );
        assert!(close(macro_f1(&[]), 0.0));
    }

    #[test]
    fn macro_f1_ignores_classes_absent_from_gold_and_predictions() {
        // A class "e" that the dataset has but this sample never shows nor predicts is not
        // averaged in: adding pairs of other classes only is the same computation.
        // gold a b, predicted a a: a P 1/2 R 1 F1 2·1/(1+2) = 2/3; b P 0 R 0 F1 0 -> 1/3.
        let value = macro_f1(&pairs(&["a", "b"], &["a", "a"]));
        assert!(close(value, 1.0 / 3.0), "{value}");
    }

    #[test]
    fn macro_f1_of_three_sentiment_classes() {
        // gold     neg neg neg neu neu pos pos pos
        // predicted neg neu neg neu pos pos neg pos
        // negative: support 3, predicted 3 (1, 3, 7), correct 2 -> F1 4/6 = 2/3
        // neutral: support 2, predicted 2 (2, 4), correct 1 -> F1 2/4 = 1/2
        // positive: support 3, predicted 3 (5, 6, 8), correct 2 -> F1 2/3
        // macro = (2/3 + 1/2 + 2/3) / 3 = 11/18
        let value = macro_f1(&pairs(
            &["neg", "neg", "neg", "neu", "neu", "pos", "pos", "pos"],
            &["neg", "neu", "neg", "neu", "pos", "pos", "neg", "pos"],
        ));
        assert!(close(value, 11.0 / 18.0), "{value}");
    }

    /// gold x y oos oos oos x, predicted x oos oos x oos y.
    fn with_out_of_scope() -> Vec<Pair> {
        pairs(
            &["x", "y", "oos", "oos", "oos", "x"],
            &["x", "oos", "oos", "x", "oos", "y"],
        )
    }

    #[test]
    fn oos_recall_is_the_share_of_out_of_scope_queries_caught() {
        // Gold oos at 3, 4, 5; predicted oos at 3 and 5: 2 / 3.
        let value = oos_recall(&with_out_of_scope(), "oos").unwrap();
        assert!(close(value, 2.0 / 3.0), "{value}");
        assert_eq!(oos_recall(&example(), "oos"), None);
    }

    #[test]
    fn in_scope_accuracy_counts_an_oos_answer_to_an_in_scope_query_as_wrong() {
        // In scope at 1, 2, 6: only 1 is right (2 was answered oos, 6 was confused): 1 / 3,
        // while the overall accuracy is 3 / 6 (positions 1, 3, 5).
        let all = with_out_of_scope();
        let value = in_scope_accuracy(&all, "oos").unwrap();
        assert!(close(value, 1.0 / 3.0), "{value}");
        assert!(close(accuracy(&all), 0.5));
        assert_eq!(in_scope_accuracy(&pairs(&["oos"], &["oos"]), "oos"), None);
    }

    #[test]
    fn confused_pairs_are_the_most_frequent_errors_first() {
        // gold a a a b b c c, predicted b b c a a a c:
        // a->b 2, a->c 1, b->a 2, c->a 1; ties by gold then predicted label.
        let all = pairs(
            &["a", "a", "a", "b", "b", "c", "c"],
            &["b", "b", "c", "a", "a", "a", "c"],
        );
        let top = confused_pairs(&all, 3);
        let got: Vec<(&str, &str, usize)> = top
            .iter()
            .map(|c| (c.gold.as_str(), c.predicted.as_str(), c.count))
            .collect();
        assert_eq!(got, [("a", "b", 2), ("b", "a", 2), ("a", "c", 1)]);
        assert!(confused_pairs(&pairs(&["a"], &["a"]), 5).is_empty());
    }
}
