//! Shared set-up of the agent tests: the example business ingested into a real qdrant-edge
//! index in a temporary folder, a real SQLite store, the agent assembled as the binary does.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use charla_agent::model::ChatModel;
use charla_agent::runtime::{self, Runtime, RuntimeOptions};
use charla_agent::turn::{AgentConfig, Inbound, TurnOutcome};
use charla_knowledge::Embedder;
use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::ingest::{IngestOptions, Ingestor, NoProgress};
use charla_tools::Clock;
use std::path::PathBuf;
use std::sync::Arc;

/// The example business's folder.
pub fn velora() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/velora"))
}

/// Monday 2 March 2026, 10:00 in Barcelona: shops open, team online.
pub fn monday_morning() -> jiff::Timestamp {
    "2026-03-02T10:00:00+01:00".parse().unwrap()
}

/// An agent for the example business with `model`, BM25-only search and lexical
/// understanding (fast, no model files), in a fresh temporary folder.
pub async fn agent_with(
    model: Arc<dyn ChatModel>,
    config: AgentConfig,
) -> (tempfile::TempDir, Runtime) {
    agent_full(Some(model), config, None, Clock::fixed(monday_morning())).await
}

/// An agent with any model (None: offline) and embedder (None: BM25 and lexical intents).
pub async fn agent_full(
    model: Option<Arc<dyn ChatModel>>,
    config: AgentConfig,
    embedder: Option<Arc<dyn Embedder>>,
    clock: Clock,
) -> (tempfile::TempDir, Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let layout = IndexLayout {
        dense: embedder
            .as_ref()
            .map(|e| charla_knowledge::index::DenseLayout {
                model: e.id().to_string(),
                dims: e.dims(),
            }),
    };
    let index: Arc<dyn charla_knowledge::VectorIndex> =
        Arc::new(EdgeIndex::open(&dir.path().join("index"), layout).unwrap());
    let report = Ingestor::new(index.clone(), embedder.clone())
        .ingest(
            &[velora().join("knowledge")],
            &IngestOptions::default(),
            &NoProgress,
        )
        .await
        .unwrap();
    assert!(
        report.written() > 50,
        "the example business has its knowledge"
    );
    let runtime = runtime::build(RuntimeOptions {
        data_dir: dir.path().join("data"),
        business_dir: Some(velora()),
        index,
        search_embedder: embedder.clone(),
        understanding_embedder: embedder,
        model,
        clock,
        config,
        intent_classifier: Default::default(),
    })
    .await
    .unwrap();
    (dir, runtime)
}

/// A message from `contact` on the test channel.
pub fn from(contact: &str, text: &str) -> Inbound {
    Inbound {
        contact_id: contact.into(),
        channel: "test".into(),
        text: text.into(),
        customer_name: Some("Lucía".into()),
    }
}

/// Sends `text` as `contact` and returns the turn.
pub async fn say(runtime: &Runtime, contact: &str, text: &str) -> TurnOutcome {
    runtime.agent.handle(from(contact, text)).await.unwrap()
}

/// The tool names a turn called, in order.
pub fn tools_called(outcome: &TurnOutcome) -> Vec<String> {
    outcome.tool_calls.iter().map(|c| c.name.clone()).collect()
}

/// The local embedding model, loaded once per test binary; `None` when absent, unless
/// CHARLA_REQUIRE_MODEL=1, which makes its absence a failure.
pub fn local_model() -> Option<Arc<dyn Embedder>> {
    static MODEL: std::sync::OnceLock<Option<Arc<dyn Embedder>>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| {
            let mut candidates = Vec::new();
            if let Some(dir) = std::env::var_os("CHARLA_MODEL_DIR") {
                candidates.push(PathBuf::from(dir));
            }
            candidates.push(PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../models"
            )));
            let required = std::env::var("CHARLA_REQUIRE_MODEL").is_ok_and(|v| v == "1");
            match charla_knowledge::embed::locate::find_local_model(&candidates) {
                Some(dir) => Some(Arc::new(
                    charla_knowledge::embed::bert::LocalEmbedder::load(&dir).expect("model loads"),
                ) as Arc<dyn Embedder>),
                None if required => panic!("CHARLA_REQUIRE_MODEL=1 but no model in {candidates:?}"),
                None => None,
            }
        })
        .clone()
}
