//! The reports of a run: `report.json` (stable field names) and `report.md` (one table per
//! suite beside the published figures, then the worst failures).
//!
//! `report.json` is `{"run": RunInfo, "suites": [...], "metrics": {name: value}}`; each suite
//! has a `kind` (`retrieval`, `intent`, `sentiment`, `scenarios`, `tools_bfcl`, `tools_sgd`)
//! and the fields of its report type; `metrics` holds every metric a `--threshold` may name,
//! as fractions. A suite that needs a real chat model and had none (`tools_bfcl`, `tools_sgd`
//! with `--model offline`) has `"run": false`, its `reason` and its dataset's size, and no
//! metrics.
//!
//! - `run_info`: date, commit, model, embedder and machine.
//! - `retrieval`, `intent`, `sentiment`, `scenarios`, `tools`: the Markdown section of each
//!   kind of suite.

pub mod intent;
pub mod retrieval;
pub mod run_info;
pub mod scenarios;
pub mod sentiment;
pub mod tools;

use crate::scenarios::ScenariosReport;
use crate::suites::intent::IntentReport;
use crate::suites::retrieval::RetrievalReport;
use crate::suites::sentiment::SentimentReport;
use crate::suites::tools::bfcl::BfclReport;
use crate::suites::tools::sgd::SgdReport;
use anyhow::{Context, Result};
use run_info::RunInfo;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The report of one suite.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SuiteReport {
    /// `retrieval:*`.
    Retrieval(RetrievalReport),
    /// `intent:*`.
    Intent(IntentReport),
    /// `sentiment:*`.
    Sentiment(SentimentReport),
    /// `scenarios:PATH`.
    Scenarios(ScenariosReport),
    /// `tools:bfcl`.
    ToolsBfcl(BfclReport),
    /// `tools:sgd`.
    ToolsSgd(SgdReport),
}

impl SuiteReport {
    /// The suite's metrics by full name; higher is better.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        match self {
            Self::Retrieval(r) => r.metrics(),
            Self::Intent(r) => r.metrics(),
            Self::Sentiment(r) => r.metrics(),
            Self::Scenarios(r) => r.metrics(),
            Self::ToolsBfcl(r) => r.metrics(),
            Self::ToolsSgd(r) => r.metrics(),
        }
    }

    /// The suite's Markdown section.
    pub fn markdown(&self) -> String {
        match self {
            Self::Retrieval(r) => retrieval::markdown(r),
            Self::Intent(r) => intent::markdown(r),
            Self::Sentiment(r) => sentiment::markdown(r),
            Self::Scenarios(r) => scenarios::markdown(r),
            Self::ToolsBfcl(r) => tools::bfcl_markdown(r),
            Self::ToolsSgd(r) => tools::sgd_markdown(r),
        }
    }
}

/// Every metric of `reports` by full name.
pub fn metrics(reports: &[SuiteReport]) -> BTreeMap<String, f64> {
    reports.iter().flat_map(SuiteReport::metrics).collect()
}

/// Writes `report.json` and `report.md` into `dir`.
///
/// Errors: the folder or a file cannot be written.
pub fn write(dir: &Path, run: &RunInfo, reports: &[SuiteReport]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Through a struct rather than `json!`, which would widen every f32 to its f64 digits.
    #[derive(Serialize)]
    struct File<'a> {
        run: &'a RunInfo,
        suites: &'a [SuiteReport],
        metrics: BTreeMap<String, f64>,
    }
    let json = serde_json::to_string_pretty(&File {
        run,
        suites: reports,
        metrics: metrics(reports),
    })?;
    std::fs::write(dir.join("report.json"), json).context("writing report.json")?;
    std::fs::write(dir.join("report.md"), markdown(run, reports)).context("writing report.md")?;
    Ok(())
}

fn markdown(run: &RunInfo, reports: &[SuiteReport]) -> String {
    let mut md = String::from("# charla evaluation\n\n");
    let m = &run.machine;
    let _ = writeln!(
        md,
        "- date: {}\n- commit: {}{}\n- model: {}\n- embedder: {}\n- machine: {} cores, {} {}{}{}{}\n- limit: {}\n- embedding cache: {}; texts embedded by the model in this run: {}\n- total time: {:.1}s\n- command: `{}`\n",
        run.date,
        run.commit.as_deref().unwrap_or("unknown"),
        if run.dirty == Some(true) {
            " (with uncommitted changes)"
        } else {
            ""
        },
        run.model,
        run.embedder.as_deref().unwrap_or("none"),
        m.cores,
        m.os,
        m.arch,
        m.cpu
            .as_deref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default(),
        m.memory_gib
            .map(|g| format!(", {g} GiB"))
            .unwrap_or_default(),
        m.kernel
            .as_deref()
            .map(|k| format!(", kernel {k}"))
            .unwrap_or_default(),
        run.limit.map_or("none".to_string(), |l| format!(
            "{l} examples per suite (per language for sentiment, per category for tools:bfcl)"
        )),
        run.embedding_cache.as_deref().unwrap_or("none"),
        run.texts_embedded,
        run.seconds,
        run.command,
    );
    let sections: Vec<String> = reports.iter().map(SuiteReport::markdown).collect();
    md.push_str(&sections.join("\n"));
    md
}

/// A fraction as a percentage with two decimals, or empty.
fn percent(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:.2}", v * 100.0))
        .unwrap_or_default()
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Text made safe for one Markdown table cell.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn percent_has_two_decimals() {
        assert_eq!(percent(Some(0.87214)), "87.21");
        assert_eq!(percent(None), "");
    }

    #[test]
    fn long_texts_are_shortened_with_an_ellipsis() {
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn cells_keep_tables_intact() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
