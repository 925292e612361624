//! Assembling an [`Agent`] for one business from its folder, its index and its data
//! directory: the same assembly serves `charla chat`, `charla serve`, the evals and the
//! tests, so they all run the product as it ships.
//!
//! A business folder holds `business.toml` (services, shops, hours), optionally
//! `intents.toml` (its own intents; the built-in commerce set otherwise) and `prompts/`
//! (template overrides), and the sources under `knowledge/`.

use crate::conversation::{ConversationError, ConversationStore};
use crate::model::ChatModel;
use crate::model::offline::OfflineModel;
use crate::turn::{Agent, AgentConfig, AgentParts};
use crate::understanding::{
    IntentClassifier, IntentSet, LexicalEmbedder, LlmIntentClassifier, SentimentAnalyzer,
    Understander, UnderstandingError,
};
use charla_knowledge::search::Searcher;
use charla_knowledge::{Embedder, VectorIndex};
use charla_prompts::{PromptError, Prompts};
use charla_tools::{
    BuiltinDeps, Business, BusinessError, Clock, Store, StoreError, ToolRegistry, builtin_registry,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file of a business's own intents, in its folder.
pub const INTENTS_FILE: &str = "intents.toml";
/// The folder of a business's template overrides, in its folder.
pub const PROMPTS_DIR: &str = "prompts";
/// The folder of a business's sources, in its folder.
pub const KNOWLEDGE_DIR: &str = "knowledge";

/// Word-overlap similarities run far lower than a neural model's: below this, a message
/// shares too little with every example to be anything but out of scope.
pub const LEXICAL_OUT_OF_SCOPE_THRESHOLD: f32 = 0.3;

/// What an agent is assembled from.
pub struct RuntimeOptions {
    /// Where the SQLite file (and caches) live.
    pub data_dir: PathBuf,
    /// The business's folder (`business.toml`, `intents.toml`, `prompts/`), if any.
    pub business_dir: Option<PathBuf>,
    /// The business's knowledge index.
    pub index: Arc<dyn VectorIndex>,
    /// The embedder of the index's dense vectors (`None`: BM25 only).
    pub search_embedder: Option<Arc<dyn Embedder>>,
    /// The embedder intents and sentiment use (`None`: [`LexicalEmbedder`]).
    pub understanding_embedder: Option<Arc<dyn Embedder>>,
    /// The chat model (`None`: the offline model).
    pub model: Option<Arc<dyn ChatModel>>,
    /// Who labels intents. [`IntentClassifierKind::Llm`] needs `model`; without one the
    /// embedding classifier is used (with a warning).
    pub intent_classifier: IntentClassifierKind,
    /// Where "now" comes from.
    pub clock: Clock,
    /// The loop's settings.
    pub config: AgentConfig,
}

/// Who labels each message's intent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntentClassifierKind {
    /// The embedding classifier: local, about a millisecond, no cost per message.
    #[default]
    Embedding,
    /// The chat model, asked once per message, with the embedding classifier as its fallback
    /// and runner-up ([`LlmIntentClassifier`]).
    Llm,
}

/// An assembled agent with the parts other doors (MCP, operators) share with it.
#[derive(Clone)]
pub struct Runtime {
    /// The agent.
    pub agent: Agent,
    /// Tickets, bookings, contacts.
    pub store: Store,
    /// The tools (the same registry MCP and WebMCP serve).
    pub tools: ToolRegistry,
    /// Search over the business's knowledge.
    pub searcher: Searcher,
    /// The business, if it has a `business.toml`.
    pub business: Option<Arc<Business>>,
}

/// Why an agent could not be assembled; each names the file or part at fault.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// `business.toml` is unreadable or invalid.
    #[error(transparent)]
    Business(#[from] BusinessError),
    /// The SQLite store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The conversation tables could not be set up.
    #[error(transparent)]
    Conversation(#[from] ConversationError),
    /// The intents file is invalid, or the examples could not be embedded.
    #[error(transparent)]
    Understanding(#[from] UnderstandingError),
    /// A template override is invalid.
    #[error(transparent)]
    Prompt(#[from] PromptError),
}

/// Assembles the agent.
///
/// Errors: see [`RuntimeError`]; nothing is half-opened on error.
pub async fn build(options: RuntimeOptions) -> Result<Runtime, RuntimeError> {
    let business_dir = options.business_dir.as_deref();
    let business = match business_dir {
        Some(dir) => Business::load_from_dir(dir)?.map(Arc::new),
        None => None,
    };
    let prompts = Arc::new(
        match business_dir
            .map(|d| d.join(PROMPTS_DIR))
            .filter(|d| d.is_dir())
        {
            Some(dir) => Prompts::from_dir(dir)?,
            None => Prompts::embedded(),
        },
    );
    let intents = intent_set(business_dir)?;
    let mut understander = understander(&intents, options.understanding_embedder).await?;
    match (options.intent_classifier, &options.model) {
        (IntentClassifierKind::Llm, Some(model)) => {
            let embedding_classifier = Arc::clone(understander.intent_model());
            let classifier = LlmIntentClassifier::new(
                Arc::clone(model),
                &intents,
                &prompts,
                Some(embedding_classifier),
            )?;
            understander = understander.with_intent_model(Arc::new(classifier));
        }
        (IntentClassifierKind::Llm, None) => tracing::warn!(
            "the LLM intent classifier needs a chat model; using the embedding classifier"
        ),
        (IntentClassifierKind::Embedding, _) => {}
    }
    let understander = Arc::new(understander);

    let store = Store::open(&options.data_dir).await?;
    let conversations = ConversationStore::open(&store).await?;
    let searcher = Searcher::new(options.index, options.search_embedder);
    let tools = builtin_registry(BuiltinDeps {
        searcher: searcher.clone(),
        store: store.clone(),
        business: business.clone(),
        clock: options.clock.clone(),
    });
    let model = options.model.unwrap_or_else(|| {
        Arc::new(OfflineModel::new(
            prompts.clone(),
            business.clone(),
            options.clock.clone(),
        ))
    });
    let agent = Agent::new(
        AgentParts {
            model,
            tools: tools.clone(),
            understander,
            conversations,
            prompts,
            business: business.clone(),
            clock: options.clock,
            searcher: Some(searcher.clone()),
        },
        options.config,
    );
    Ok(Runtime {
        agent,
        store,
        tools,
        searcher,
        business,
    })
}

/// A business's intents: its `intents.toml`, or the built-in set.
///
/// Errors: [`UnderstandingError::IntentFile`] for a file that cannot be read or is invalid.
pub fn intent_set(business_dir: Option<&Path>) -> Result<IntentSet, UnderstandingError> {
    match business_dir
        .map(|d| d.join(INTENTS_FILE))
        .filter(|f| f.is_file())
    {
        Some(file) => IntentSet::load(file),
        None => IntentSet::builtin(),
    }
}

/// The understander for `intents` with the embedding classifier on `embedder`, with sentiment
/// from the lexicon alone when the embedder is lexical (its vectors carry no feeling).
///
/// Errors: [`UnderstandingError::Embed`] when the examples or seeds cannot be embedded.
pub async fn understander(
    intents: &IntentSet,
    embedder: Option<Arc<dyn Embedder>>,
) -> Result<Understander, UnderstandingError> {
    match embedder {
        Some(embedder) => Understander::with_embedder(embedder, Some(intents)).await,
        None => {
            let embedder: Arc<dyn Embedder> = Arc::new(LexicalEmbedder);
            let classifier = IntentClassifier::new(embedder.clone(), intents)
                .await?
                .with_out_of_scope_threshold(LEXICAL_OUT_OF_SCOPE_THRESHOLD);
            Ok(Understander::new(
                embedder,
                Arc::new(classifier),
                SentimentAnalyzer::lexicon(),
            ))
        }
    }
}
