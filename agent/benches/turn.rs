//! `cargo bench -p charla-agent --bench turn`: the runtime's own cost per turn: everything
//! but the model call (understanding, retrieval, tools, persistence), on the example business
//! with a real qdrant-edge index and a real SQLite file.
//!
//! Two runs: the offline model (it decides and writes with templates: its cost is part of the
//! runtime) and a scripted model (one catalog search per turn, the way an LLM would ask; the
//! model's own latency is zero, so what is left is charla's). Understanding uses the lexical
//! embedder and retrieval BM25, so the neural embedding model is not in these figures; its
//! time to embed one message is measured and reported separately when a model is installed
//! (`CHARLA_MODEL_DIR` or ./models). `CHARLA_BENCH_QUICK=1` runs a short smoke version.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use charla_agent::model::ChatModel;
use charla_agent::model::scripted::{ScriptedModel, ScriptedStep};
use charla_agent::runtime::{self, Runtime, RuntimeOptions};
use charla_agent::turn::{AgentConfig, Inbound};
use charla_knowledge::embed::bert::LocalEmbedder;
use charla_knowledge::embed::locate::find_local_model;
use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::ingest::{IngestOptions, Ingestor, NoProgress};
use charla_knowledge::{EmbedRole, Embedder};
use charla_tools::Clock;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Messages a shop gets all day, in four languages; bookings are left out so the run does
/// not fill the calendar and measure "no slots".
const MESSAGES: &[&str] = &[
    "¿Tenéis cascos para niños?",
    "How long does shipping to Italy take?",
    "hola!",
    "Avete luci posteriori ricaricabili?",
    "Qual é a política de devolução?",
    "my order VC-10234 arrived with a broken light, I'm not happy",
    "gracias, adiós",
    "Do you sell tubeless tyres under 50 euros?",
];

fn velora() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/velora"))
}

async fn runtime(model: Option<Arc<dyn ChatModel>>, dir: &std::path::Path) -> Runtime {
    let index: Arc<dyn charla_knowledge::VectorIndex> =
        Arc::new(EdgeIndex::open(&dir.join("index"), IndexLayout { dense: None }).unwrap());
    Ingestor::new(index.clone(), None)
        .ingest(
            &[velora().join("knowledge")],
            &IngestOptions::default(),
            &NoProgress,
        )
        .await
        .unwrap();
    runtime::build(RuntimeOptions {
        data_dir: dir.join("data"),
        business_dir: Some(velora()),
        index,
        search_embedder: None,
        understanding_embedder: None,
        model,
        clock: Clock::fixed("2026-03-02T10:00:00+01:00".parse().unwrap()),
        config: AgentConfig::default(),
        intent_classifier: Default::default(),
    })
    .await
    .unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<40} n={:<6} p50 {:>7.3} ms   p90 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.9)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap()),
    );
}

async fn turns(runtime: &Runtime, count: usize) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let inbound = Inbound {
            // 50 customers, so histories stay realistic (a few turns each, then bounded).
            contact_id: format!("bench-{}", i % 50),
            channel: "bench".into(),
            text: MESSAGES[i % MESSAGES.len()].into(),
            customer_name: None,
        };
        let started = Instant::now();
        let outcome = runtime.agent.handle(inbound).await.unwrap();
        samples.push(started.elapsed());
        assert!(outcome.reply.is_some() || outcome.with_operator);
    }
    samples
}

fn main() {
    let quick = std::env::var("CHARLA_BENCH_QUICK").is_ok_and(|v| v == "1");
    let (warmup, count) = if quick { (20, 200) } else { (200, 3000) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("charla per-turn cost (everything but the model call), example business, qdrant-edge + SQLite");

        let dir = tempfile::tempdir().unwrap();
        let offline = runtime(None, dir.path()).await;
        turns(&offline, warmup).await;
        report("offline model", turns(&offline, count).await);

        let dir = tempfile::tempdir().unwrap();
        let script = vec![
            ScriptedStep::call("catalog_search", r#"{"query": "helmet", "limit": 3}"#),
            ScriptedStep::text("We have three helmets: see the list."),
        ];
        let scripted = runtime(Some(Arc::new(ScriptedModel::cycling(script))), dir.path()).await;
        turns(&scripted, warmup).await;
        report("scripted model (1 tool call per turn)", turns(&scripted, count).await);

        let dirs: Vec<PathBuf> = std::env::var_os("CHARLA_MODEL_DIR").map(PathBuf::from).into_iter().chain([PathBuf::from("models"), PathBuf::from("../models")]).collect();
        match find_local_model(&dirs) {
            Some(model_dir) => {
                let embedder = LocalEmbedder::load(&model_dir).unwrap();
                let mut samples = Vec::new();
                for i in 0..(if quick { 20 } else { 300 }) {
                    let text = vec![MESSAGES[i % MESSAGES.len()].to_string()];
                    let started = Instant::now();
                    embedder.embed(&text, EmbedRole::Query).await.unwrap();
                    samples.push(started.elapsed());
                }
                report(&format!("message embedding ({})", embedder.id()), samples);
            }
            None => println!("message embedding: no local model found (run scripts/fetch-models.sh): not measured"),
        }
    });
}
