//! Understanding a message: language, intent (with confidence and out-of-scope), sentiment.
//!
//! - [`language`]: the language of short WhatsApp messages, with the conversation's as
//!   fallback.
//! - [`intent`]: intents from an editable TOML file, the embedding [`IntentClassifier`] and the
//!   [`IntentModel`] seam.
//! - [`llm_intent`]: the [`LlmIntentClassifier`], which asks a chat model for the intent and
//!   falls back to the embedding classifier.
//! - [`lexical`]: the embedder intents fall back to without a model.
//! - [`injection`]: messages that try to override the agent's instructions.
//! - [`sentiment`]: polarity, label and intensity from a lexicon with rules and, optionally,
//!   embedding prototypes.
//!
//! [`Understander`] runs the three on a message with one query embedding shared by intent and
//! sentiment (a second one only for a greeting followed by a question, which is classified
//! without its greeting); the resulting [`Understanding`] is stored with the message.

pub mod injection;
pub mod intent;
pub mod language;
pub mod lexical;
pub mod llm_intent;
pub mod sentiment;

use std::sync::Arc;
use std::time::Instant;

use charla_knowledge::{EmbedError, EmbedRole, Embedder};
use serde::{Deserialize, Serialize};

pub use intent::{
    ClassifierConfig, GREETING, IntentClassifier, IntentInput, IntentModel, IntentPrediction,
    IntentSet, IntentSpec, OUT_OF_SCOPE, Scoring,
};
pub use language::{Language, LanguageSource, detect_language};
pub use lexical::LexicalEmbedder;
pub use llm_intent::LlmIntentClassifier;
pub use sentiment::{
    Sentiment, SentimentAnalyzer, SentimentConfig, SentimentLabel, SentimentMethod,
};

/// Errors of understanding, by what the caller does next: fix a file, or retry the model.
#[derive(Debug, thiserror::Error)]
pub enum UnderstandingError {
    /// An intents file cannot be read or breaks a rule; `origin` names it.
    #[error("intents file {origin}: {message}")]
    IntentFile {
        /// The file (or "built-in intents").
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The built-in sentiment seed phrases do not parse (a build problem, not input).
    #[error("sentiment seeds: {0}")]
    Seeds(String),
    /// A classifier was given no examples to learn from.
    #[error("no intent examples to learn from")]
    NoExamples,
    /// The embedder failed; see [`EmbedError`] for whether to retry.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// Another [`IntentModel`] (e.g. one that asks an LLM) failed.
    #[error("intent model: {0}")]
    IntentModel(String),
}

/// What charla understood of one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Understanding {
    /// The message's language.
    pub language: Language,
    /// What the customer wants.
    pub intent: IntentPrediction,
    /// How they feel.
    pub sentiment: Sentiment,
}

/// Runs language detection, intent classification and sentiment analysis on messages.
pub struct Understander {
    embedder: Arc<dyn Embedder>,
    intents: Arc<dyn IntentModel>,
    sentiment: SentimentAnalyzer,
}

impl std::fmt::Debug for Understander {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Understander")
            .field("embedder", &self.embedder.id())
            .field("intents", &self.intents.labels())
            .field("sentiment", &self.sentiment)
            .finish()
    }
}

impl Understander {
    /// An understander from its parts. `embedder` embeds each message once, for whichever of
    /// `intents` and `sentiment` wants that model's vectors (see
    /// [`IntentModel::embedding_model`]).
    pub fn new(
        embedder: Arc<dyn Embedder>,
        intents: Arc<dyn IntentModel>,
        sentiment: SentimentAnalyzer,
    ) -> Self {
        Self {
            embedder,
            intents,
            sentiment,
        }
    }

    /// The built-in intents ([`IntentSet::builtin`]) or `intents`, the embedding classifier
    /// and the default sentiment analyser, all on `embedder`.
    ///
    /// Errors: [`UnderstandingError::Embed`] when the examples or seeds cannot be embedded;
    /// [`UnderstandingError::IntentFile`] for a broken built-in set.
    pub async fn with_embedder(
        embedder: Arc<dyn Embedder>,
        intents: Option<&IntentSet>,
    ) -> Result<Self, UnderstandingError> {
        let builtin;
        let intents = match intents {
            Some(set) => set,
            None => {
                builtin = IntentSet::builtin()?;
                &builtin
            }
        };
        let classifier = IntentClassifier::new(Arc::clone(&embedder), intents).await?;
        let sentiment = SentimentAnalyzer::new(&embedder).await?;
        Ok(Self::new(embedder, Arc::new(classifier), sentiment))
    }

    /// The same understander with another intent model (e.g. an LLM classifier).
    pub fn with_intent_model(mut self, intents: Arc<dyn IntentModel>) -> Self {
        self.intents = intents;
        self
    }

    /// The intent model in use.
    pub fn intent_model(&self) -> &Arc<dyn IntentModel> {
        &self.intents
    }

    /// The sentiment analyser in use.
    pub fn sentiment(&self) -> &SentimentAnalyzer {
        &self.sentiment
    }

    /// Understands one message. `fallback_language` is the conversation's language so far,
    /// else the business default: it is kept when the text says nothing about its language.
    ///
    /// Errors: [`UnderstandingError::Embed`] when the embedder fails,
    /// [`UnderstandingError::IntentModel`] when another intent model does.
    #[tracing::instrument(skip_all, fields(chars = text.chars().count()))]
    pub async fn understand(
        &self,
        text: &str,
        fallback_language: &str,
    ) -> Result<Understanding, UnderstandingError> {
        let language = detect_language(text, fallback_language);
        let embedding = if self.wants_embedding() && !text.trim().is_empty() {
            let started = Instant::now();
            let input = [intent::text_for_embedding(text)];
            let mut vectors = self.embedder.embed(&input, EmbedRole::Query).await?;
            tracing::debug!(
                elapsed_us = started.elapsed().as_micros() as u64,
                "message embedded"
            );
            vectors.pop()
        } else {
            None
        };
        self.understand_embedded(text, language, embedding.as_deref())
            .await
    }

    /// Understands many messages with one batched embedding call (what evaluations want);
    /// each message falls back to `fallback_language`.
    ///
    /// Errors: as [`Understander::understand`].
    pub async fn understand_batch(
        &self,
        texts: &[String],
        fallback_language: &str,
    ) -> Result<Vec<Understanding>, UnderstandingError> {
        let vectors = if self.wants_embedding() {
            let inputs: Vec<String> = texts
                .iter()
                .map(|t| intent::text_for_embedding(t))
                .collect();
            self.embedder.embed(&inputs, EmbedRole::Query).await?
        } else {
            Vec::new()
        };
        let mut understood = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let language = detect_language(text, fallback_language);
            let embedding = vectors
                .get(i)
                .filter(|_| !text.trim().is_empty())
                .map(Vec::as_slice);
            understood.push(self.understand_embedded(text, language, embedding).await?);
        }
        Ok(understood)
    }

    async fn understand_embedded(
        &self,
        text: &str,
        language: Language,
        embedding: Option<&[f32]>,
    ) -> Result<Understanding, UnderstandingError> {
        let model = self.embedder.id();
        let for_intents = embedding.filter(|_| self.intents.embedding_model() == Some(model));
        let mut intent = self
            .intents
            .predict(IntentInput {
                text,
                language: &language.code,
                embedding: for_intents,
            })
            .await?;
        if intent.intent == GREETING
            && let Some(rest) = intent::after_greeting(text)
        {
            // "Buongiorno, avete luci anteriori?": the hello outweighs a short question in
            // the embedding, but the customer wants the question answered. The rest alone
            // decides, unless it is a greeting too or says nothing the business handles.
            let rest = intent::as_sent_alone(rest);
            let asked = self
                .intents
                .predict(IntentInput {
                    text: &rest,
                    language: &language.code,
                    embedding: None,
                })
                .await?;
            if asked.intent != GREETING && asked.intent != OUT_OF_SCOPE {
                intent = asked;
            }
        }
        let for_sentiment = embedding.filter(|_| self.sentiment.embedding_model() == Some(model));
        let sentiment = self.sentiment.analyze(text, &language.code, for_sentiment);
        Ok(Understanding {
            language,
            intent,
            sentiment,
        })
    }

    fn wants_embedding(&self) -> bool {
        let model = Some(self.embedder.id());
        self.intents.embedding_model() == model || self.sentiment.embedding_model() == model
    }
}
