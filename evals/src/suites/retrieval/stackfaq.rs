//! `retrieval:stackfaq`: FAQ retrieval with paraphrased user queries (Karan & Šnajder 2018,
//! BEIR-style files built in shared/datasets/stackfaq). The corpus is written as one FAQ file
//! (question, answer, and the StackFAQ id as the record key) and ingested as a business's FAQ.

use super::{Corpus, JudgedQuery, RetrievalReport};
use anyhow::{Context, Result};
use charla_knowledge::index::Hit;
use charla_knowledge::{Embedder, Kind};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// The suite's name.
pub const SUITE: &str = "retrieval:stackfaq";

/// The published comparison: BERT-FAQ's unsupervised BM25 row for StackFAQ (Elasticsearch
/// 7.10 `multi_match` on question and answer concatenated; README "Evaluation" table of
/// github.com/ML-Recipes/BERT-FAQ, the same 719 items, 1,249 queries and relevance as ours).
///
/// Its `evaluation.py` appends nDCG@k and P@k in turn for k = 3, 5, 10 and then assigns the
/// seven values to the columns NDCG@3, NDCG@5, NDCG@10, P@3, P@5, P@10, MAP in order, so the
/// printed columns are shuffled: the "NDCG@10" 0.7831 is nDCG@5, nDCG@10 is the 0.7893 printed
/// under "P@5", and P@5 is the 0.5284 printed under "P@3" (the P@10 and MAP columns are right).
/// Its nDCG is scikit-learn's `ndcg_score` over the top-k hits, i.e.
/// [`crate::metrics::ranking::ndcg_at_k_within_retrieved`], not the standard
/// [`crate::metrics::ranking::ndcg_at_k`].
pub struct PublishedBm25;

impl PublishedBm25 {
    /// nDCG@5 within retrieved (printed as "NDCG@10").
    pub const NDCG_AT_5: f64 = 0.7831;
    /// nDCG@10 within retrieved (printed as "P@5").
    pub const NDCG_AT_10: f64 = 0.7893;
    /// P@5 (printed as "P@3").
    pub const PRECISION_AT_5: f64 = 0.5284;
}

#[derive(Debug, Deserialize)]
struct CorpusItem {
    #[serde(rename = "_id")]
    id: String,
    question: String,
    answer: String,
}

#[derive(Debug, Deserialize)]
struct Query {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

/// Runs `retrieval:stackfaq` with at most `limit` queries.
pub async fn run(
    datasets: &Path,
    embedder: Option<Arc<dyn Embedder>>,
    limit: Option<usize>,
) -> Result<RetrievalReport> {
    let dir = datasets.join("stackfaq");
    let corpus: Vec<CorpusItem> = crate::datasets::read_jsonl(&dir.join("corpus.jsonl"))?;
    let queries: Vec<Query> = crate::datasets::read_jsonl(&dir.join("queries.jsonl"))?;
    let qrels = read_qrels(&dir.join("qrels.tsv"))?;
    let queries: Vec<JudgedQuery> =
        super::judged(queries.into_iter().map(|q| (q.id, q.text)), &qrels);
    let queries = crate::sample::spread(queries, limit);

    let work = tempfile::tempdir().context("temporary folder")?;
    let faq_path = work.path().join("stackfaq.json");
    let faq: Vec<serde_json::Value> = corpus
        .iter()
        .map(|c| serde_json::json!({"id": c.id, "question": c.question, "answer": c.answer}))
        .collect();
    std::fs::write(&faq_path, serde_json::to_vec(&faq)?).context("writing the FAQ file")?;
    let corpus = Corpus {
        paths: vec![faq_path],
        kind: Kind::Faq,
        documents: corpus.len(),
        document_of: stackfaq_id,
    };
    super::run(SUITE, work.path(), corpus, &queries, embedder, Vec::new()).await
}

/// The StackFAQ id a hit's FAQ item was ingested with.
fn stackfaq_id(hit: &Hit) -> Option<String> {
    hit.chunk
        .fields
        .get("id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn read_qrels(path: &Path) -> Result<HashMap<String, HashSet<String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut qrels: HashMap<String, HashSet<String>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        if i == 0 && cols.first() == Some(&"query-id") {
            continue;
        }
        let [query, doc, score] = cols[..] else {
            anyhow::bail!(
                "{}:{}: expected 3 tab-separated columns",
                path.display(),
                i + 1
            );
        };
        let score: f64 = score
            .trim()
            .parse()
            .with_context(|| format!("{}:{}: score", path.display(), i + 1))?;
        if score > 0.0 {
            qrels
                .entry(query.to_string())
                .or_default()
                .insert(doc.to_string());
        }
    }
    Ok(qrels)
}
