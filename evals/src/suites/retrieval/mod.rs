//! The retrieval suites: a public corpus goes through charla's real ingest pipeline (files,
//! chunking, the embedded Qdrant engine in a fresh folder), then every judged query runs in
//! each retrieval mode (BM25, dense, hybrid) and is scored against the dataset's relevance
//! judgements.
//!
//! - `stackfaq`: `retrieval:stackfaq`, FAQ retrieval with paraphrased user queries.
//! - `tau2`: `retrieval:tau2-banking`, the τ²-bench banking knowledge base and the articles
//!   each customer task needs.

pub mod stackfaq;
pub mod tau2;

use crate::metrics::ranking as metrics;
use crate::progress::{IngestLines, Progress};
use anyhow::{Context, Result};
use charla_knowledge::index::Hit;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::index::{DenseLayout, IndexLayout, SearchMode};
use charla_knowledge::ingest::{IngestOptions, Ingestor};
use charla_knowledge::search::{SearchRequest, Searcher};
use charla_knowledge::{Embedder, Kind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Queries whose misses a mode lists in the report.
const MISSES_LISTED: usize = 8;
/// Characters of a query kept in the list of misses.
const QUERY_EXCERPT: usize = 160;

/// A retrieval dataset under `shared/datasets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrievalDataset {
    /// StackFAQ: 719 FAQ items, 1,249 paraphrased queries.
    StackFaq,
    /// τ²-bench banking knowledge: 698 articles, 97 tasks.
    Tau2Banking,
}

impl RetrievalDataset {
    const ALL: [RetrievalDataset; 2] = [Self::StackFaq, Self::Tau2Banking];

    /// The suite name.
    pub fn suite(self) -> &'static str {
        match self {
            Self::StackFaq => stackfaq::SUITE,
            Self::Tau2Banking => tau2::SUITE,
        }
    }

    /// The dataset of a suite name.
    pub fn from_suite(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.suite() == name)
    }

    /// Runs the suite on at most `limit` queries.
    pub async fn run(
        self,
        datasets: &Path,
        embedder: Option<Arc<dyn Embedder>>,
        limit: Option<usize>,
    ) -> Result<RetrievalReport> {
        match self {
            Self::StackFaq => stackfaq::run(datasets, embedder, limit).await,
            Self::Tau2Banking => tau2::run(datasets, embedder, limit).await,
        }
    }
}

/// A query with its relevant documents.
#[derive(Debug, Clone)]
pub struct JudgedQuery {
    /// The dataset's query id.
    pub id: String,
    /// What is searched.
    pub text: String,
    /// The ids of the documents that answer it.
    pub relevant: HashSet<String>,
}

/// A query of a mode that missed relevant documents in its top 10.
#[derive(Debug, Clone, Serialize)]
pub struct RetrievalMiss {
    /// The dataset's query id.
    pub query_id: String,
    /// The start of the query.
    pub query: String,
    /// Relevant documents not in the top 10.
    pub missed: Vec<String>,
    /// The first five documents retrieved.
    pub retrieved: Vec<String>,
    /// Recall@10 of the query.
    pub recall_at_10: f64,
}

/// The scores of one retrieval mode, averaged over the queries.
#[derive(Debug, Clone, Serialize)]
pub struct ModeScores {
    /// `bm25`, `dense` or `hybrid`.
    pub mode: String,
    /// Queries scored.
    pub queries: usize,
    /// nDCG@10, standard (BEIR, trec_eval): the ideal ranking holds every relevant item.
    pub ndcg_at_10: f64,
    /// nDCG@5 as BERT-FAQ computes it (ideal made of the relevant items found in the top 5).
    pub bertfaq_ndcg_at_5: f64,
    /// nDCG@10 as BERT-FAQ computes it (ideal made of the relevant items found in the top 10).
    pub bertfaq_ndcg_at_10: f64,
    /// MRR@10.
    pub mrr_at_10: f64,
    /// Recall@1.
    pub recall_at_1: f64,
    /// Recall@5.
    pub recall_at_5: f64,
    /// Recall@10.
    pub recall_at_10: f64,
    /// Precision@5 (the published StackFAQ table reports it).
    pub precision_at_5: f64,
    /// Mean search latency per query, embedding included.
    pub mean_latency_ms: f64,
    /// The queries with the lowest recall@10, worst first.
    pub misses: Vec<RetrievalMiss>,
}

/// The outcome of a retrieval suite.
#[derive(Debug, Clone, Serialize)]
pub struct RetrievalReport {
    /// Suite name.
    pub suite: String,
    /// Documents ingested.
    pub documents: usize,
    /// Chunks the documents became.
    pub chunks: usize,
    /// Mean relevant documents per query.
    pub relevant_per_query: f64,
    /// The embedder, if any.
    pub embedder: Option<String>,
    /// One row per mode.
    pub modes: Vec<ModeScores>,
    /// Seconds spent ingesting.
    pub ingest_seconds: f64,
    /// Seconds the whole suite took.
    pub seconds: f64,
    /// How the dataset was turned into documents and queries.
    pub notes: Vec<String>,
}

impl RetrievalReport {
    /// Its metrics by full name (`retrieval:stackfaq/dense/ndcg_at_10`, ...); higher is
    /// better.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut metrics = BTreeMap::new();
        for m in &self.modes {
            for (name, value) in [
                ("ndcg_at_10", m.ndcg_at_10),
                ("mrr_at_10", m.mrr_at_10),
                ("recall_at_1", m.recall_at_1),
                ("recall_at_5", m.recall_at_5),
                ("recall_at_10", m.recall_at_10),
                ("precision_at_5", m.precision_at_5),
                ("bertfaq_ndcg_at_5", m.bertfaq_ndcg_at_5),
                ("bertfaq_ndcg_at_10", m.bertfaq_ndcg_at_10),
            ] {
                metrics.insert(format!("{}/{}/{name}", self.suite, m.mode), value);
            }
        }
        metrics
    }
}

/// A corpus written as files charla ingests, and how a hit names its document.
pub struct Corpus {
    /// Files or folders to ingest.
    pub paths: Vec<PathBuf>,
    /// The kind every file is ingested as.
    pub kind: Kind,
    /// Documents in it.
    pub documents: usize,
    /// The dataset's id of the document a hit comes from (`None`: the hit cannot be judged,
    /// which is an error rather than a silent miss).
    pub document_of: fn(&Hit) -> Option<String>,
}

/// Ingests `corpus` into a fresh index in `work`, then scores `queries` in every mode the
/// embedder allows.
///
/// Errors: a file that does not ingest cleanly, a search failing, or a hit naming no document.
pub async fn run(
    suite: &str,
    work: &Path,
    corpus: Corpus,
    queries: &[JudgedQuery],
    embedder: Option<Arc<dyn Embedder>>,
    notes: Vec<String>,
) -> Result<RetrievalReport> {
    let suite_started = Instant::now();
    let layout = IndexLayout {
        dense: embedder.as_ref().map(|e| DenseLayout {
            model: e.id().to_string(),
            dims: e.dims(),
        }),
    };
    let index = Arc::new(EdgeIndex::open(&work.join("index"), layout)?);
    let started = Instant::now();
    let progress = IngestLines::default();
    let report = Ingestor::new(index.clone(), embedder.clone())
        .ingest(
            &corpus.paths,
            &IngestOptions {
                kind: Some(corpus.kind),
            },
            &progress,
        )
        .await?;
    progress.finish();
    anyhow::ensure!(
        !report.has_problems(),
        "the {suite} corpus was not ingested cleanly: {:?} {:?}",
        report.failed_files.first(),
        report.rejected.first()
    );
    let ingest_seconds = started.elapsed().as_secs_f64();

    let searcher = Searcher::new(index, embedder.clone());
    let mut modes = vec![(SearchMode::Sparse, "bm25")];
    if searcher.has_dense() {
        modes.push((SearchMode::Dense, "dense"));
        modes.push((SearchMode::Hybrid, "hybrid"));
    }
    let mut rows = Vec::new();
    for (mode, name) in modes {
        rows.push(score_mode(&searcher, mode, name, queries, corpus.document_of).await?);
    }
    let relevant: usize = queries.iter().map(|q| q.relevant.len()).sum();
    Ok(RetrievalReport {
        suite: suite.to_string(),
        documents: corpus.documents,
        chunks: report.added + report.updated + report.unchanged,
        relevant_per_query: relevant as f64 / queries.len().max(1) as f64,
        embedder: embedder.map(|e| e.id().to_string()),
        modes: rows,
        ingest_seconds,
        seconds: suite_started.elapsed().as_secs_f64(),
        notes,
    })
}

async fn score_mode(
    searcher: &Searcher,
    mode: SearchMode,
    name: &str,
    queries: &[JudgedQuery],
    document_of: fn(&Hit) -> Option<String>,
) -> Result<ModeScores> {
    let mut sums = [0.0f64; 8];
    let mut misses = Vec::new();
    let started = Instant::now();
    let mut progress = Progress::start(format!("{name} queries"), queries.len());
    for query in queries {
        let mut request = SearchRequest::new(query.text.clone());
        request.mode = mode;
        // Long documents are split into several chunks: ask for more and keep each
        // document's best chunk.
        request.top_k = 40;
        let results = searcher.search(&request).await?;
        let mut ranked: Vec<String> = Vec::new();
        for hit in &results.hits {
            let id = document_of(hit)
                .with_context(|| format!("hit `{}` names no document", hit.chunk.title))?;
            if !ranked.contains(&id) {
                ranked.push(id);
            }
        }
        let relevant = &query.relevant;
        let recall_at_10 = metrics::recall_at_k(&ranked, relevant, 10);
        sums[0] += metrics::ndcg_at_k(&ranked, relevant, 10);
        sums[1] += metrics::mrr_at_k(&ranked, relevant, 10);
        sums[2] += metrics::recall_at_k(&ranked, relevant, 1);
        sums[3] += metrics::recall_at_k(&ranked, relevant, 5);
        sums[4] += recall_at_10;
        sums[5] += metrics::precision_at_k(&ranked, relevant, 5);
        sums[6] += metrics::ndcg_at_k_within_retrieved(&ranked, relevant, 5);
        sums[7] += metrics::ndcg_at_k_within_retrieved(&ranked, relevant, 10);
        if recall_at_10 < 1.0 {
            let top: HashSet<&String> = ranked.iter().take(10).collect();
            let mut missed: Vec<String> = relevant
                .iter()
                .filter(|d| !top.contains(d))
                .cloned()
                .collect();
            missed.sort();
            misses.push(RetrievalMiss {
                query_id: query.id.clone(),
                query: crate::report::shorten(&query.text, QUERY_EXCERPT),
                missed,
                retrieved: ranked.iter().take(5).cloned().collect(),
                recall_at_10,
            });
        }
        progress.advance(1);
    }
    progress.finish();
    misses.sort_by(|a, b| a.recall_at_10.total_cmp(&b.recall_at_10));
    misses.truncate(MISSES_LISTED);
    let n = queries.len().max(1) as f64;
    Ok(ModeScores {
        mode: name.to_string(),
        queries: queries.len(),
        ndcg_at_10: sums[0] / n,
        bertfaq_ndcg_at_5: sums[6] / n,
        bertfaq_ndcg_at_10: sums[7] / n,
        mrr_at_10: sums[1] / n,
        recall_at_1: sums[2] / n,
        recall_at_5: sums[3] / n,
        recall_at_10: sums[4] / n,
        precision_at_5: sums[5] / n,
        mean_latency_ms: started.elapsed().as_secs_f64() * 1e3 / n,
        misses,
    })
}

/// Keeps only the judgements of queries that exist; a query without a relevant document
/// cannot be scored.
pub fn judged(
    queries: impl IntoIterator<Item = (String, String)>,
    qrels: &HashMap<String, HashSet<String>>,
) -> Vec<JudgedQuery> {
    queries
        .into_iter()
        .filter_map(|(id, text)| {
            let relevant = qrels.get(&id).filter(|r| !r.is_empty())?.clone();
            Some(JudgedQuery { id, text, relevant })
        })
        .collect()
}
