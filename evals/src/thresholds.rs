//! `--threshold METRIC=VALUE`: the quality floor CI guards.
//!
//! Metric names are `SUITE/VARIANT/METRIC`, e.g. `intent:banking77/full/accuracy`,
//! `intent:clinc150/10shot/oos_recall`, `sentiment:tweets/es/macro_f1`,
//! `retrieval:stackfaq/dense/ndcg_at_10`; every value is a fraction in [0, 1] and the report's
//! `metrics` object lists them all. A run fails when a metric is below its threshold; a name
//! no suite produced is an error that lists the known ones, so a typo cannot pass silently.

use anyhow::{Result, bail};
use std::collections::BTreeMap;

/// One `METRIC=VALUE`: `metric` must be at least `min`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The metric's full name.
    pub metric: String,
    /// The lowest passing value.
    pub min: f64,
}

/// Parses `METRIC=VALUE` (the `--threshold` value parser; the message names the argument).
pub fn parse(arg: &str) -> Result<Threshold, String> {
    let Some((metric, value)) = arg.split_once('=') else {
        return Err(format!(
            "`{arg}` is not METRIC=VALUE (e.g. intent:banking77/full/accuracy=0.85)"
        ));
    };
    let metric = metric.trim();
    if metric.is_empty() || metric.split('/').count() != 3 {
        return Err(format!(
            "`{arg}`: the metric must be SUITE/VARIANT/METRIC (e.g. sentiment:tweets/es/macro_f1)"
        ));
    }
    let min: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{arg}`: `{value}` is not a number"))?;
    if !(0.0..=1.0).contains(&min) {
        return Err(format!(
            "`{arg}`: {min} is outside [0, 1]; metrics are fractions (0.85 for 85%)"
        ));
    }
    Ok(Threshold {
        metric: metric.to_string(),
        min,
    })
}

/// The suite a metric name belongs to (`intent:banking77` of `intent:banking77/full/accuracy`).
pub fn suite_of(metric: &str) -> &str {
    metric.split('/').next().unwrap_or(metric)
}

/// A metric below its threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    /// The metric.
    pub metric: String,
    /// What the run measured.
    pub value: f64,
    /// Its threshold.
    pub min: f64,
}

/// The thresholds not met by `metrics`, in the order given.
///
/// Errors: a threshold names a metric absent from `metrics`; the message lists the known
/// names of that suite (or all of them).
pub fn check(thresholds: &[Threshold], metrics: &BTreeMap<String, f64>) -> Result<Vec<Breach>> {
    let unknown: Vec<&Threshold> = thresholds
        .iter()
        .filter(|t| !metrics.contains_key(&t.metric))
        .collect();
    if let Some(first) = unknown.first() {
        let suite = suite_of(&first.metric);
        let mut known: Vec<&str> = metrics
            .keys()
            .filter(|m| suite_of(m) == suite)
            .map(String::as_str)
            .collect();
        if known.is_empty() {
            known = metrics.keys().map(String::as_str).collect();
        }
        bail!(
            "unknown metric {} in --threshold; known metrics: {}",
            unknown
                .iter()
                .map(|t| format!("`{}`", t.metric))
                .collect::<Vec<_>>()
                .join(", "),
            known.join(", ")
        );
    }
    Ok(thresholds
        .iter()
        .filter_map(|t| {
            let value = *metrics.get(&t.metric)?;
            (value < t.min).then(|| Breach {
                metric: t.metric.clone(),
                value,
                min: t.min,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn parses_metric_equals_value() {
        assert_eq!(
            parse("intent:banking77/full/accuracy=0.85").unwrap(),
            Threshold {
                metric: "intent:banking77/full/accuracy".into(),
                min: 0.85
            }
        );
    }

    #[test]
    fn parse_errors_name_the_bad_argument() {
        for bad in [
            "intent:banking77/full/accuracy",
            "accuracy=0.8",
            "intent:banking77/full/accuracy=high",
            "intent:banking77/full/accuracy=85",
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
    }

    fn metrics() -> BTreeMap<String, f64> {
        [
            ("intent:banking77/full/accuracy", 0.87),
            ("intent:banking77/full/macro_f1", 0.86),
            ("sentiment:tweets/es/macro_f1", 0.55),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn reports_each_metric_below_its_threshold() {
        let thresholds = [
            parse("intent:banking77/full/accuracy=0.87").unwrap(),
            parse("intent:banking77/full/macro_f1=0.9").unwrap(),
            parse("sentiment:tweets/es/macro_f1=0.6").unwrap(),
        ];
        let breaches = check(&thresholds, &metrics()).unwrap();
        let names: Vec<&str> = breaches.iter().map(|b| b.metric.as_str()).collect();
        // Equal to the threshold passes.
        assert_eq!(
            names,
            [
                "intent:banking77/full/macro_f1",
                "sentiment:tweets/es/macro_f1"
            ]
        );
        assert_eq!(breaches[0].value, 0.86);
        assert_eq!(breaches[0].min, 0.9);
    }

    #[test]
    fn an_unknown_metric_is_an_error_listing_the_known_ones() {
        let thresholds = [parse("intent:banking77/full/acuracy=0.8").unwrap()];
        let error = check(&thresholds, &metrics()).unwrap_err().to_string();
        assert!(error.contains("intent:banking77/full/acuracy"), "{error}");
        assert!(error.contains("intent:banking77/full/accuracy"), "{error}");
        assert!(!error.contains("sentiment:tweets"), "{error}");
    }
}
