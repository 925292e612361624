//! Opens the agent the settings describe: the business's knowledge (ingesting it on the first
//! run), the understanding embedder (the local model with its persistent cache, or the
//! lexical fallback), the chat model (offline unless an endpoint model is configured), who
//! labels intents, and the store in the data directory.

use crate::knowledge_setup::{self, Purpose};
use crate::settings::Settings;
use anyhow::{Context, Result};
use charla_agent::model::ChatModel;
use charla_agent::model::openai::{OpenAiChatConfig, OpenAiChatModel};
use charla_agent::runtime::{self, IntentClassifierKind, KNOWLEDGE_DIR, Runtime, RuntimeOptions};
use charla_agent::turn::AgentConfig;
use charla_knowledge::Embedder;
use charla_knowledge::embed::CachedEmbedder;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::ingest::{IngestOptions, Ingestor, NoProgress};
use charla_tools::Clock;
use std::sync::Arc;

/// Opens the agent.
pub async fn open(settings: &Settings) -> Result<Runtime> {
    // Checked before the first run's ingestion, which can take minutes.
    if settings.intent_classifier == IntentClassifierKind::Llm && settings.chat.model.is_none() {
        anyhow::bail!(
            "the LLM intent classifier (CHARLA_INTENT_CLASSIFIER=llm or [understanding] \
             intent_classifier = \"llm\") needs a chat model, and none is configured: set \
             CHARLA_CHAT_MODEL (or [chat] model in charla.toml), or use the embedding classifier"
        );
    }
    let first_run =
        settings.qdrant.is_none() && EdgeIndex::stored_layout(&settings.index_dir())?.is_none();
    let knowledge_dir = settings
        .business_dir
        .as_ref()
        .map(|d| d.join(KNOWLEDGE_DIR))
        .filter(|d| d.is_dir());
    let knowledge = match (&knowledge_dir, first_run) {
        (Some(dir), true) => {
            eprintln!("First run: ingesting {} …", dir.display());
            let knowledge = knowledge_setup::open(settings, Purpose::Ingest).await?;
            let ingestor = Ingestor::new(knowledge.index.clone(), knowledge.embedder.clone());
            let report = ingestor
                .ingest(
                    std::slice::from_ref(dir),
                    &IngestOptions::default(),
                    &NoProgress,
                )
                .await?;
            eprintln!(
                "ingested {} chunks from {} files ({})",
                report.written(),
                report.files,
                knowledge.dense_status
            );
            knowledge
        }
        _ => knowledge_setup::open(settings, Purpose::Search).await?,
    };
    let model = chat_model(settings)?;
    let mut config = AgentConfig::default();
    if model.is_some() {
        // An LLM reads retrieved passages with the prompt; the offline model searches itself.
        config.context_passages = 4;
    }
    // The intent examples and sentiment seeds (about a thousand phrases) are embedded at every
    // start; a cache on disk makes every start after the first one quick.
    let understanding_embedder = knowledge
        .embedder
        .clone()
        .map(|embedder| cached(embedder, settings));
    runtime::build(RuntimeOptions {
        data_dir: settings.data_dir.clone(),
        business_dir: settings.business_dir.clone(),
        index: knowledge.index,
        search_embedder: knowledge.embedder,
        understanding_embedder,
        model,
        intent_classifier: settings.intent_classifier,
        clock: settings.fixed_now.map_or_else(Clock::system, Clock::fixed),
        config,
    })
    .await
    .context("assembling the agent")
}

fn cached(embedder: Arc<dyn Embedder>, settings: &Settings) -> Arc<dyn Embedder> {
    let dir = settings.data_dir.join("cache").join("embeddings");
    match CachedEmbedder::open(embedder.clone(), &dir) {
        Ok(cached) => Arc::new(cached),
        Err(error) => {
            tracing::warn!(%error, "embedding cache unavailable; embedding without it");
            embedder
        }
    }
}

fn chat_model(settings: &Settings) -> Result<Option<Arc<dyn ChatModel>>> {
    let Some(model) = &settings.chat.model else {
        return Ok(None);
    };
    let config = OpenAiChatConfig::for_endpoint(
        model.clone(),
        settings.chat.base_url.clone(),
        settings
            .chat
            .api_key
            .as_ref()
            .map(|key| key.expose().to_string()),
    );
    let model = OpenAiChatModel::new(config).with_context(|| format!("chat model {model}"))?;
    Ok(Some(Arc::new(model)))
}
