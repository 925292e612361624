//! `cargo bench -p charla-knowledge --bench knowledge`: the figures the README reports.
//!
//! - ingestion throughput (chunks/s) through the whole pipeline (parse, chunk, hash, embed,
//!   index, optimise), without a model (BM25 only) and with the local model when one is found;
//! - hybrid query latency (p50/p99) on qdrant-edge with 10k and 100k chunks, and the query
//!   embedding time of the local model reported separately.
//!
//! The 10k/100k indexes hold synthetic products with real BM25 text and random unit vectors:
//! embedding 100k passages with the model would take most of an hour on two cores and measure
//! the model, not the index. Set `CHARLA_BENCH_QUICK=1` for a fast smoke run.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use charla_knowledge::embed::bert::LocalEmbedder;
use charla_knowledge::embed::locate::find_local_model;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::index::{
    DenseLayout, IndexLayout, IndexPoint, IndexQuery, IndexWriter, SearchFilter, SearchMode,
    VectorIndex,
};
use charla_knowledge::ingest::{IngestOptions, Ingestor, NoProgress};
use charla_knowledge::record::{Chunk, ChunkId, Kind};
use charla_knowledge::{EmbedRole, Embedder};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DIMS: usize = 384;

const ADJECTIVES: &[&str] = &[
    "lightweight",
    "carbon",
    "aluminium",
    "folding",
    "waterproof",
    "reflective",
    "kids",
    "urban",
    "gravel",
    "electric",
    "compact",
    "padded",
    "thermal",
    "breathable",
    "hydraulic",
    "tubeless",
    "magnetic",
    "rechargeable",
    "classic",
    "pro",
];
const NOUNS: &[&str] = &[
    "helmet",
    "bike",
    "light",
    "lock",
    "pump",
    "saddle",
    "jacket",
    "glove",
    "tyre",
    "chain",
    "brake pad",
    "bottle",
    "bag",
    "rack",
    "mudguard",
    "pedal",
    "bell",
    "mirror",
    "computer",
    "multitool",
];
const CATEGORIES: &[&str] = &[
    "helmets",
    "bikes",
    "lights",
    "locks",
    "tools",
    "clothing",
    "spare-parts",
    "accessories",
];

/// A small deterministic generator, so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn unit_vector(&mut self) -> Vec<f32> {
        let mut v: Vec<f32> = (0..DIMS)
            .map(|_| (self.next() % 20_001) as f32 / 10_000.0 - 1.0)
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        v
    }
}

fn product_text(rng: &mut Rng, i: usize) -> (String, String, String) {
    let name = format!(
        "{} {} {} {}",
        rng.pick(ADJECTIVES),
        rng.pick(ADJECTIVES),
        rng.pick(NOUNS),
        i
    );
    let description = format!(
        "A {} {} for {} riders, {} and {}, made to last through daily commutes and weekend trips. Fits most {} setups.",
        rng.pick(ADJECTIVES),
        rng.pick(NOUNS),
        rng.pick(ADJECTIVES),
        rng.pick(ADJECTIVES),
        rng.pick(ADJECTIVES),
        rng.pick(NOUNS)
    );
    (name, description, rng.pick(CATEGORIES).to_string())
}

fn write_catalog(dir: &std::path::Path, rows: usize) -> PathBuf {
    let path = dir.join("catalog.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(file, "sku,name,description,price,currency,stock,category").unwrap();
    let mut rng = Rng(7);
    for i in 0..rows {
        let (name, description, category) = product_text(&mut rng, i);
        let price = 5 + rng.next() % 2000;
        let stock = rng.next() % 12;
        writeln!(
            file,
            "SKU-{i:06},{name},\"{description}\",{price}.90,EUR,{stock},{category}"
        )
        .unwrap();
    }
    path
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn local_embedder() -> Option<Arc<LocalEmbedder>> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("CHARLA_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"));
    let dir = find_local_model(&dirs)?;
    Some(Arc::new(
        LocalEmbedder::load(&dir).expect("the local model loads"),
    ))
}

async fn bench_ingest(rows: usize, embedder: Option<Arc<dyn Embedder>>) -> (usize, Duration) {
    let tmp = tempfile::tempdir().unwrap();
    let catalog = write_catalog(tmp.path(), rows);
    let layout = IndexLayout {
        dense: embedder.as_ref().map(|e| DenseLayout {
            model: e.id().to_string(),
            dims: e.dims(),
        }),
    };
    let index: Arc<dyn VectorIndex> =
        Arc::new(EdgeIndex::open(&tmp.path().join("index"), layout).unwrap());
    let ingestor = Ingestor::new(index, embedder);
    let report = ingestor
        .ingest(&[catalog], &IngestOptions::default(), &NoProgress)
        .await
        .unwrap();
    assert_eq!(report.added, rows, "every synthetic row is ingested");
    (report.added, report.elapsed)
}

async fn build_index(dir: &std::path::Path, chunks: usize) -> Arc<EdgeIndex> {
    let layout = IndexLayout {
        dense: Some(DenseLayout {
            model: "synthetic".into(),
            dims: DIMS,
        }),
    };
    let index = Arc::new(EdgeIndex::open(dir, layout).unwrap());
    let mut rng = Rng(11);
    let mut batch = Vec::with_capacity(1000);
    for i in 0..chunks {
        let (name, description, category) = product_text(&mut rng, i);
        let mut fields = serde_json::Map::new();
        fields.insert("category".into(), category.into());
        fields.insert("price".into(), ((5 + rng.next() % 2000) as f64).into());
        fields.insert("in_stock".into(), (!rng.next().is_multiple_of(4)).into());
        let chunk = Chunk {
            id: ChunkId::derive("bench.csv", &i.to_string(), 0),
            kind: Kind::Catalog,
            source: "bench.csv".into(),
            origin: "/bench/bench.csv".into(),
            title: name,
            text: description,
            locale: "en".into(),
            fields,
            hash: i.to_string(),
        };
        batch.push(IndexPoint {
            chunk,
            dense: Some(rng.unit_vector()),
        });
        if batch.len() == 1000 {
            index.upsert(std::mem::take(&mut batch)).await.unwrap();
        }
    }
    index.upsert(batch).await.unwrap();
    index.optimize().await.unwrap();
    index
}

async fn bench_queries(index: &EdgeIndex, queries: usize, filtered: bool) -> (f64, f64) {
    let mut rng = Rng(23);
    let mut latencies = Vec::with_capacity(queries);
    for _ in 0..queries {
        let query = IndexQuery {
            text: format!(
                "{} {} {}",
                rng.pick(ADJECTIVES),
                rng.pick(NOUNS),
                rng.pick(ADJECTIVES)
            ),
            locale: Some("en".into()),
            dense: Some(rng.unit_vector()),
            mode: SearchMode::Hybrid,
            filter: if filtered {
                SearchFilter {
                    kinds: vec![Kind::Catalog],
                    max_price: Some(500.0),
                    in_stock: true,
                    ..Default::default()
                }
            } else {
                SearchFilter::default()
            },
            limit: 10,
        };
        let started = Instant::now();
        let hits = charla_knowledge::index::IndexReader::query(index, &query)
            .await
            .unwrap();
        latencies.push(started.elapsed());
        assert!(!hits.is_empty());
    }
    latencies.sort();
    (percentile(&latencies, 0.5), percentile(&latencies, 0.99))
}

#[tokio::main]
async fn main() {
    let quick = std::env::var_os("CHARLA_BENCH_QUICK").is_some();
    let embedder = local_embedder();
    println!(
        "charla-knowledge benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let rows = if quick { 2_000 } else { 20_000 };
    let (n, elapsed) = bench_ingest(rows, None).await;
    println!(
        "ingest, BM25 only:        {n} chunks in {:.2}s = {:.0} chunks/s",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    match &embedder {
        Some(embedder) => {
            let rows = if quick { 200 } else { 2_000 };
            let (n, elapsed) = bench_ingest(rows, Some(embedder.clone())).await;
            println!(
                "ingest, {}: {n} chunks in {:.2}s = {:.0} chunks/s",
                embedder.id(),
                elapsed.as_secs_f64(),
                n as f64 / elapsed.as_secs_f64()
            );
            let mut latencies = Vec::new();
            for q in [
                "¿tenéis cascos para niños?",
                "casco per bambini",
                "how long does shipping take",
                "devolução de bicicleta",
            ]
            .iter()
            .cycle()
            .take(if quick { 20 } else { 200 })
            {
                let started = Instant::now();
                embedder
                    .embed(&[q.to_string()], EmbedRole::Query)
                    .await
                    .unwrap();
                latencies.push(started.elapsed());
            }
            latencies.sort();
            println!(
                "query embedding, {}:  p50 {:.2} ms  p99 {:.2} ms",
                embedder.id(),
                percentile(&latencies, 0.5),
                percentile(&latencies, 0.99)
            );
        }
        None => {
            println!("ingest with the local model: skipped (no model; run scripts/fetch-models.sh)")
        }
    }

    let sizes: &[usize] = if quick { &[10_000] } else { &[10_000, 100_000] };
    for &size in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let index = build_index(tmp.path(), size).await;
        println!(
            "built {size} chunks (upsert + optimise) in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        let queries = if quick { 200 } else { 2_000 };
        let (p50, p99) = bench_queries(&index, queries, false).await;
        println!("hybrid query, {size:>6} chunks:            p50 {p50:.2} ms  p99 {p99:.2} ms");
        let (p50, p99) = bench_queries(&index, queries, true).await;
        println!("hybrid query + filters, {size:>6} chunks:  p50 {p50:.2} ms  p99 {p99:.2} ms");
    }
}
