//! The Markdown table of a retrieval suite.

use crate::suites::retrieval::{PublishedBm25, RetrievalReport};
use std::fmt::Write as _;

/// The Markdown section of a retrieval suite.
pub fn markdown(report: &RetrievalReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### {} ({} documents, embedder: {}, ingest {:.1}s, {:.1}s in all)\n",
        report.suite,
        report.documents,
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
    let _ = writeln!(
        md,
        "| published BM25, question+answer (BERT-FAQ README) | 1249 | | | | | | {:.4} | {:.4} | {:.4} | |",
        PublishedBm25::PRECISION_AT_5,
        PublishedBm25::NDCG_AT_5,
        PublishedBm25::NDCG_AT_10
    );
    let _ = writeln!(
        md,
        "\nnDCG@10 is the standard one (every relevant item in the ideal ranking). The BERT-FAQ \
         columns compute nDCG as that project does (only the relevant items found in the top k), \
         which is what its README reports; its printed \"NDCG@10\" 0.7831 is nDCG@5 (its columns \
         are shuffled). Recall@k is the share of a query's relevant items (5.75 on average) found."
    );
    md
}
