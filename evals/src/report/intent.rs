//! The Markdown section of an intent suite: our variants beside the published rows, then the
//! most confused pairs and the worst failures of each variant.

use super::{cell, percent};
use crate::suites::intent::IntentReport;
use std::fmt::Write as _;

/// The Markdown section of an intent suite.
pub fn markdown(report: &IntentReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### {} ({} of {} test examples, {} training examples, embedder: {}, {:.1}s of which {:.1}s embedding)\n",
        report.suite,
        report.test_examples,
        report.test_split_size,
        report.train_examples,
        report.embedder,
        report.seconds,
        report.embed_seconds
    );
    let _ = writeln!(md, "Classifier: {}.\n", report.classifier);
    for variant in report.variants.iter().filter(|v| v.model_errors > 0) {
        let _ = writeln!(
            md,
            "**{}: the chat model failed {} of {} queries**; they are scored as wrong.\n",
            variant.name, variant.model_errors, report.test_examples
        );
    }
    let open_set = report.out_of_scope.is_some();
    if open_set {
        let _ = writeln!(
            md,
            "| setting | system | examples | accuracy | macro-F1 | in-scope acc. | OOS recall | source |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            md,
            "| setting | system | examples | accuracy | macro-F1 | below default threshold | source |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    }
    for variant in &report.variants {
        let setting = setting_name(&variant.name);
        if open_set {
            let _ = writeln!(
                md,
                "| {setting} | **charla** | {} | {} | {} | {} | {} | this run |",
                variant.examples,
                percent(Some(variant.accuracy)),
                percent(Some(variant.macro_f1)),
                percent(variant.in_scope_accuracy),
                percent(variant.oos_recall),
            );
        } else {
            let _ = writeln!(
                md,
                "| {setting} | **charla** | {} | {} | {} | {} | this run |",
                variant.examples,
                percent(Some(variant.accuracy)),
                percent(Some(variant.macro_f1)),
                percent(variant.below_default_threshold),
            );
        }
        for row in report
            .published
            .iter()
            .filter(|p| p.variant == variant.name)
        {
            if open_set {
                let _ = writeln!(
                    md,
                    "| {setting} | {} | | {} | | {} | {} | {} |",
                    row.system,
                    percent(row.accuracy),
                    percent(row.in_scope_accuracy),
                    percent(row.oos_recall),
                    row.source
                );
            } else {
                let _ = writeln!(
                    md,
                    "| {setting} | {} | | {} | | | {} |",
                    row.system,
                    percent(row.accuracy),
                    row.source
                );
            }
        }
    }
    let _ = writeln!(md, "\nFigures in %.");
    for note in &report.notes {
        let _ = writeln!(md, "{note}");
    }
    for variant in &report.variants {
        let _ = writeln!(
            md,
            "\n#### {} {}: most confused\n",
            report.suite,
            setting_name(&variant.name)
        );
        if variant.confused_pairs.is_empty() {
            let _ = writeln!(md, "No errors.");
        }
        for c in &variant.confused_pairs {
            let _ = writeln!(
                md,
                "- `{}` taken for `{}`: {}",
                c.gold, c.predicted, c.count
            );
        }
        if !variant.failures.is_empty() {
            let _ = writeln!(
                md,
                "\nWorst failures (the errors charla was surest of):\n\n| text | gold | predicted | confidence | runner-up |\n|---|---|---|---|---|"
            );
            for f in &variant.failures {
                let _ = writeln!(
                    md,
                    "| {} | `{}` | `{}` | {:.3} | {} |",
                    cell(&f.text),
                    f.gold,
                    f.predicted,
                    f.confidence,
                    f.runner_up
                        .as_deref()
                        .map(|r| format!("`{r}`"))
                        .unwrap_or_default()
                );
            }
        }
    }
    md
}

fn setting_name(variant: &str) -> &str {
    match variant {
        "full" => "full train",
        "10shot" => "10-shot",
        other => other,
    }
}
