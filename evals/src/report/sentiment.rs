//! The Markdown section of the sentiment suite: macro-F1 per language beside the published
//! rows, then each language's confusions and worst failures.

use super::{cell, percent};
use crate::suites::sentiment::SentimentReport;
use std::fmt::Write as _;

/// The Markdown section of `sentiment:tweets`.
pub fn markdown(report: &SentimentReport) -> String {
    let mut md = String::new();
    let tweets: usize = report.languages.iter().map(|l| l.tweets).sum();
    let _ = writeln!(
        md,
        "### {} ({tweets} test tweets, embedder: {}, {:.1}s of which {:.1}s embedding)\n",
        report.suite, report.embedder, report.seconds, report.embed_seconds
    );
    let _ = writeln!(md, "Analyser: `{}`.\n", report.analyzer);
    let _ = writeln!(
        md,
        "| language | tweets | **charla** macro-F1 | accuracy | language match | FastText mono | XLM-R mono | XLM-Tw mono | XLM-R multi | XLM-Tw multi |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
    for l in &report.languages {
        let p = &l.published;
        let _ = writeln!(
            md,
            "| {} | {} of {} | **{}** | {} | {} | {} | {} | {} | {} | {} |",
            l.language,
            l.tweets,
            l.test_split_size,
            percent(Some(l.macro_f1)),
            percent(Some(l.accuracy)),
            percent(Some(l.language_match)),
            percent(Some(p.fasttext_mono)),
            percent(Some(p.xlm_r_mono)),
            percent(Some(p.xlm_tw_mono)),
            percent(Some(p.xlm_r_multi)),
            percent(Some(p.xlm_tw_multi)),
        );
    }
    if let Some(mean) = report.mean_macro_f1 {
        let _ = writeln!(
            md,
            "| mean of es, it, pt, en | | **{}** | | | | | | | |",
            percent(Some(mean))
        );
    }
    let _ = writeln!(
        md,
        "\nFigures in %. Published macro-F1: {}.",
        report.published_source
    );
    for note in &report.notes {
        let _ = writeln!(md, "{note}");
    }
    for l in &report.languages {
        let _ = writeln!(md, "\n#### {} {}: errors\n", report.suite, l.language);
        let confusions: Vec<String> = l
            .confused_pairs
            .iter()
            .map(|c| format!("{} taken for {}: {}", c.gold, c.predicted, c.count))
            .collect();
        let _ = writeln!(md, "{}.", confusions.join("; "));
        if !l.failures.is_empty() {
            let _ = writeln!(
                md,
                "\n| tweet | gold | predicted | polarity | detected language |\n|---|---|---|---|---|"
            );
            for f in &l.failures {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:+.2} | {} |",
                    cell(&f.text),
                    f.gold,
                    f.predicted,
                    f.polarity,
                    f.detected_language
                );
            }
        }
    }
    md
}
