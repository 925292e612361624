//! The reports of a run: `report.json` (stable field names) and `report.md` (tables beside the
//! published figures).

use crate::suites::retrieval::{PUBLISHED_BM25_NDCG10, RetrievalReport};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;

/// The Markdown table of a retrieval suite.
pub fn retrieval_markdown(report: &RetrievalReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### {} ({} documents, embedder: {}, ingest {:.1}s)\n",
        report.suite,
        report.documents,
        report.embedder.as_deref().unwrap_or("none"),
        report.ingest_seconds
    );
    let _ = writeln!(md, "| mode | queries | nDCG@10 | MRR@10 | R@1 | R@5 | R@10 | P@5 | ms/query |");
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    for m in &report.modes {
        let _ = writeln!(
            md,
            "| {} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.1} |",
            m.mode, m.queries, m.ndcg_at_10, m.mrr_at_10, m.recall_at_1, m.recall_at_5, m.recall_at_10, m.precision_at_5, m.mean_latency_ms
        );
    }
    let _ = writeln!(
        md,
        "| published BM25, question+answer (BERT-FAQ README) | 1249 | {PUBLISHED_BM25_NDCG10:.4} | | | | | | |"
    );
    md
}

/// Writes both reports into `dir`.
pub fn write(dir: &Path, reports: &[RetrievalReport]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json = serde_json::to_string_pretty(&serde_json::json!({ "suites": reports }))?;
    std::fs::write(dir.join("report.json"), json).context("writing report.json")?;
    let md: String = reports.iter().map(retrieval_markdown).collect::<Vec<_>>().join("\n");
    std::fs::write(dir.join("report.md"), format!("# charla evaluation\n\n{md}")).context("writing report.md")?;
    Ok(())
}
