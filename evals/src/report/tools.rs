//! The Markdown sections of the tools suites: `tools:bfcl` per category beside the BFCL
//! leaderboard's rows, `tools:sgd` overall and per service beside the (state-tracking)
//! figures published for SGD; then the failures. A suite that did not run says so and why.

use super::{cell, percent};
use crate::suites::tools::bfcl::BfclReport;
use crate::suites::tools::sgd::SgdReport;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The Markdown section of `tools:bfcl`.
pub fn bfcl_markdown(report: &BfclReport) -> String {
    let mut md = String::new();
    let examples: usize = report.categories.iter().map(|c| c.examples).sum();
    let size: usize = report.categories.iter().map(|c| c.dataset_size).sum();
    if !report.run {
        let _ = writeln!(md, "### {}: not run\n", report.suite);
        let _ = writeln!(
            md,
            "Not run: {}.\n",
            report.reason.as_deref().unwrap_or("no reason given")
        );
        let sizes: Vec<String> = report
            .categories
            .iter()
            .map(|c| format!("{} {}", c.category, c.dataset_size))
            .collect();
        let _ = writeln!(
            md,
            "Examples in the dataset: {} ({size} in all).",
            sizes.join(", ")
        );
        return md;
    }
    let _ = writeln!(
        md,
        "### {} ({examples} of {size} examples, model: {}, {:.1}s)\n",
        report.suite,
        report.model.as_deref().unwrap_or("unknown"),
        report.seconds
    );
    let published: Vec<&str> = report.published.iter().map(|p| p.model).collect();
    let _ = writeln!(
        md,
        "| category | examples | **this run** | seconds | {} |",
        published.join(" | ")
    );
    let _ = writeln!(md, "|---|---|---|---|{}", "---|".repeat(published.len()));
    let published_cells = |row: &str| -> String {
        report
            .published
            .iter()
            .map(|p| percent(p.for_row(row)))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for c in &report.categories {
        let _ = writeln!(
            md,
            "| {} | {} of {} | **{}** | {:.1} | {} |",
            c.category,
            c.examples,
            c.dataset_size,
            percent(c.accuracy),
            c.seconds,
            published_cells(&c.category)
        );
    }
    for g in &report.groups {
        let how = if g.weighted_by_examples {
            "over examples"
        } else {
            "mean of categories"
        };
        let _ = writeln!(
            md,
            "| {} ({how}) | | **{}** | | {} |",
            g.group,
            percent(Some(g.accuracy)),
            published_cells(&g.group)
        );
    }
    if let Some(mean) = report.mean_accuracy {
        let overall: Vec<String> = report
            .published
            .iter()
            .map(|p| format!("({})", percent(Some(p.overall))))
            .collect();
        let _ = writeln!(
            md,
            "| all (mean of categories run; published: leaderboard overall, not comparable) | | **{}** | | {} |",
            percent(Some(mean)),
            overall.join(" | ")
        );
    }
    let _ = writeln!(
        md,
        "\nFigures in %. Published: {}.",
        report.published_source
    );
    for note in &report.notes {
        let _ = writeln!(md, "{note}");
    }
    for c in report.categories.iter().filter(|c| !c.failures.is_empty()) {
        let _ = writeln!(
            md,
            "\n#### {} {}: errors\n\n{}.\n",
            report.suite,
            c.category,
            kinds(&c.failure_kinds)
        );
        let _ = writeln!(
            md,
            "| id | question | expected | got | why |\n|---|---|---|---|---|"
        );
        for f in &c.failures {
            let _ = writeln!(
                md,
                "| {} | {} | `{}` | `{}` | {} |",
                f.id,
                cell(&f.question),
                cell(&f.expected),
                cell(&f.got),
                cell(&f.reason)
            );
        }
    }
    md
}

/// The Markdown section of `tools:sgd`.
pub fn sgd_markdown(report: &SgdReport) -> String {
    let mut md = String::new();
    let Some(all) = report.all.as_ref().filter(|_| report.run) else {
        let _ = writeln!(md, "### {}: not run\n", report.suite);
        let _ = writeln!(
            md,
            "Not run: {}.\n",
            report.reason.as_deref().unwrap_or("no reason given")
        );
        let _ = writeln!(
            md,
            "Dataset: {} dialogues, {} service calls.",
            report.dialogues, report.service_calls
        );
        return md;
    };
    let _ = writeln!(
        md,
        "### {} ({} of {} service calls in {} dialogues, model: {}, {:.1}s)\n",
        report.suite,
        all.calls,
        report.service_calls,
        report.dialogues,
        report.model.as_deref().unwrap_or("unknown"),
        report.seconds
    );
    let _ = writeln!(
        md,
        "| service | calls | **call exact** | method accuracy | arg precision | arg recall | arg F1 | model errors |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    let rows = std::iter::once(("**all**", all)).chain(
        report
            .services
            .iter()
            .map(|s| (s.service.as_str(), &s.scores)),
    );
    for (name, s) in rows {
        let _ = writeln!(
            md,
            "| {name} | {} | **{}** | {} | {} | {} | {} | {} |",
            s.calls,
            percent(Some(s.call_exact)),
            percent(Some(s.method_accuracy)),
            percent(Some(s.arg_precision)),
            percent(Some(s.arg_recall)),
            percent(Some(s.arg_f1)),
            s.model_errors
        );
    }
    let _ = writeln!(md, "\nFigures in %.");
    for note in &report.notes {
        let _ = writeln!(md, "{note}");
    }
    let _ = writeln!(
        md,
        "\nPublished (dialogue state tracking, full test split; not comparable): {}. Source: {}.",
        report
            .published
            .iter()
            .map(|p| format!("{} {} {}", p.system, p.metric, percent(Some(p.value))))
            .collect::<Vec<_>>()
            .join("; "),
        report.published_source
    );
    if !report.failures.is_empty() {
        let _ = writeln!(
            md,
            "\n#### {}: errors\n\n{}.\n",
            report.suite,
            kinds(&report.failure_kinds)
        );
        let _ = writeln!(
            md,
            "| task | user said | expected | got | why |\n|---|---|---|---|---|"
        );
        for f in &report.failures {
            let _ = writeln!(
                md,
                "| {} | {} | `{}` | `{}` | {} |",
                f.task,
                cell(&f.user),
                cell(&f.expected),
                cell(&f.got),
                cell(&f.reason)
            );
        }
    }
    md
}

/// `wrong_value: 3; no_call: 1`, most frequent first.
fn kinds(counts: &BTreeMap<String, usize>) -> String {
    let mut counts: Vec<(&String, &usize)> = counts.iter().collect();
    counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    counts
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect::<Vec<_>>()
        .join("; ")
}
