//! The Markdown section of a retrieval suite: one row per mode, the published row where the
//! dataset has one, then the queries that missed the most relevant documents.

use crate::suites::retrieval::stackfaq::{self, PublishedBm25};
use crate::suites::retrieval::{ModeScores, RetrievalReport};
use std::fmt::Write as _;

/// The Markdown section of a retrieval suite.
pub fn markdown(report: &RetrievalReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### {} ({} documents in {} chunks, {:.1} relevant per query, embedder: {}, ingest \
         {:.1}s, {:.1}s in all)\n",
        report.suite,
        report.documents,
        report.chunks,
        report.relevant_per_query,
        report.embedder.as_deref().unwrap_or("none"),
        report.ingest_seconds,
        report.seconds
    );
    let _ = writeln!(
        md,
        "| mode | queries | nDCG@10 | MRR@10 | R@1 | R@5 | R@10 | P@5 | BERT-FAQ nDCG@5 | BERT-FAQ nDCG@10 | ms/query |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
    for m in &report.modes {
        let _ = writeln!(
            md,
            "| {} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.1} |",
            m.mode,
            m.queries,
            m.ndcg_at_10,
            m.mrr_at_10,
            m.recall_at_1,
            m.recall_at_5,
            m.recall_at_10,
            m.precision_at_5,
            m.bertfaq_ndcg_at_5,
            m.bertfaq_ndcg_at_10,
            m.mean_latency_ms
        );
    }
    if report.suite == stackfaq::SUITE {
        let _ = writeln!(
            md,
            "| published BM25, question+answer (BERT-FAQ README) | 1249 | | | | | | {:.4} | {:.4} | {:.4} | |",
            PublishedBm25::PRECISION_AT_5,
            PublishedBm25::NDCG_AT_5,
            PublishedBm25::NDCG_AT_10
        );
        let _ = writeln!(
            md,
            "\nnDCG@10 is the standard one (every relevant item in the ideal ranking). The \
             BERT-FAQ columns compute nDCG as that project does (only the relevant items found \
             in the top k), which is what its README reports; its printed \"NDCG@10\" 0.7831 is \
             nDCG@5 (its columns are shuffled)."
        );
    }
    let _ = writeln!(
        md,
        "\nRecall@k is the share of a query's relevant documents ({:.1} on average) in the top \
         k, so R@1 is at most {:.2}.",
        report.relevant_per_query,
        1.0 / report.relevant_per_query.max(1.0)
    );
    for note in &report.notes {
        let _ = writeln!(md, "\n{note}");
    }
    if let Some(mode) = report.modes.last() {
        misses(&mut md, mode);
    }
    md
}

/// The queries of `mode` that missed the most.
fn misses(md: &mut String, mode: &ModeScores) {
    if mode.misses.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n#### Most missed ({}): relevant documents not in the top 10\n",
        mode.mode
    );
    for miss in &mode.misses {
        let _ = writeln!(
            md,
            "- `{}` (R@10 {:.2}) \"{}\": missed {}; top 5: {}",
            miss.query_id,
            miss.recall_at_10,
            super::cell(&miss.query),
            miss.missed.join(", "),
            miss.retrieved.join(", ")
        );
    }
}
