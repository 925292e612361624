//! The [`VectorIndex`] seam: where chunks are stored and searched.
//!
//! - `edge`: qdrant-edge, Qdrant's engine in process, stored in the data directory (default).
//! - `server`: a Qdrant server through qdrant-client (when `QDRANT_URL` is set).
//! - `tests/index_conformance`: the behaviour every backend must show, run by each backend's
//!   tests (`tests/index_edge.rs`, `tests/index_server.rs`).
//!
//! Both backends hold one collection per business with a named dense vector `dense` (when an
//! embedder is configured) and a BM25 sparse vector `bm25` computed by Qdrant's own BM25 (the
//! edge's `bm25_embed` module in process, the server's `qdrant/bm25` inference remotely), with
//! payload indexes on the filtered fields.

pub mod edge;
pub mod server;

use crate::record::{Chunk, ChunkId, Kind};
use async_trait::async_trait;
use std::fmt;

/// Errors of an index backend.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The storage could not be opened or created (path or URL in the message).
    #[error("cannot open the index: {0}")]
    Open(String),
    /// The stored collection was made for other vectors (another embedding model).
    #[error("the index was built with {found}, not {expected}")]
    Incompatible {
        /// What the caller asked for.
        expected: String,
        /// What is stored.
        found: String,
    },
    /// A call to the engine or server failed and may succeed if retried.
    #[error("index unavailable (transient): {0}")]
    Transient(String),
    /// A call to the engine or server failed.
    #[error("index operation failed: {0}")]
    Engine(String),
    /// A request was invalid (for example a dense query against an index without vectors).
    #[error("invalid index request: {0}")]
    Invalid(String),
}

/// How the vectors of a collection are laid out; fixed when the collection is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexLayout {
    /// The embedder's id and dimension, or `None` for a BM25-only index.
    pub dense: Option<DenseLayout>,
}

impl fmt::Display for IndexLayout {
    /// How the layout reads in messages: `dense vectors of MODEL (DIMS dimensions) and BM25` or
    /// `BM25 only`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dense {
            Some(dense) => write!(
                f,
                "dense vectors of {} ({} dimensions) and BM25",
                dense.model, dense.dims
            ),
            None => f.write_str("BM25 only"),
        }
    }
}

/// The dense vector of a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseLayout {
    /// The embedder's [`crate::embed::Embedder::id`].
    pub model: String,
    /// The embedder's dimension.
    pub dims: usize,
}

/// A chunk with its dense vector, ready to be written.
#[derive(Debug, Clone)]
pub struct IndexPoint {
    /// The chunk (its text feeds BM25, its fields the payload).
    pub chunk: Chunk,
    /// The dense vector; required when the layout has one.
    pub dense: Option<Vec<f32>>,
}

/// What the index knows about a stored chunk without reading its text: enough to decide what
/// an ingest must add, update or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChunk {
    /// The chunk's id.
    pub id: ChunkId,
    /// Its source name.
    pub source: String,
    /// Its source's absolute path.
    pub origin: String,
    /// Its content hash.
    pub hash: String,
}

/// Which retrievers a query uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchMode {
    /// Dense and BM25 prefetches fused with reciprocal rank fusion (default).
    #[default]
    Hybrid,
    /// Dense vectors only.
    Dense,
    /// BM25 only.
    Sparse,
}

/// Payload filters; every set field must match. They apply to every prefetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilter {
    /// Any of these kinds (empty: all).
    pub kinds: Vec<Kind>,
    /// Exact category (case-insensitive: categories are stored lowercased).
    pub category: Option<String>,
    /// Exact locale (ISO 639-1).
    pub locale: Option<String>,
    /// Lowest price, inclusive.
    pub min_price: Option<f64>,
    /// Highest price, inclusive.
    pub max_price: Option<f64>,
    /// Only products in stock.
    pub in_stock: bool,
    /// Exact source name.
    pub source: Option<String>,
}

/// A search request.
#[derive(Debug, Clone)]
pub struct IndexQuery {
    /// The query text (for BM25).
    pub text: String,
    /// The language used to stem and drop stop words from the query text (ISO 639-1); `None`
    /// uses English.
    pub locale: Option<String>,
    /// The query's dense vector (required for [`SearchMode::Hybrid`] and [`SearchMode::Dense`]
    /// when the index has dense vectors; hybrid falls back to BM25 without one).
    pub dense: Option<Vec<f32>>,
    /// Which retrievers to use.
    pub mode: SearchMode,
    /// Payload filters.
    pub filter: SearchFilter,
    /// How many hits to return.
    pub limit: usize,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The stored chunk.
    pub chunk: Chunk,
    /// The fused (or single-retriever) score; higher is better.
    pub score: f32,
}

/// Writing to an index. Implementations are cheap to share (`Arc`) and safe to call from
/// several tasks; blocking engines run their work off the async executor.
#[async_trait]
pub trait IndexWriter: Send + Sync {
    /// Writes points, replacing those with the same ids. Every point carries a dense vector if
    /// and only if the layout has one.
    async fn upsert(&self, points: Vec<IndexPoint>) -> Result<(), IndexError>;

    /// Deletes points by id; unknown ids are ignored.
    async fn delete(&self, ids: &[ChunkId]) -> Result<(), IndexError>;

    /// Lists every stored chunk's id, source, origin and hash.
    async fn stored(&self) -> Result<Vec<StoredChunk>, IndexError>;

    /// Makes the index fast to query after a batch of writes (builds the HNSW graph).
    async fn optimize(&self) -> Result<(), IndexError>;
}

/// Querying an index.
#[async_trait]
pub trait IndexReader: Send + Sync {
    /// Runs a query; hits come best first, at most `query.limit` of them.
    async fn query(&self, query: &IndexQuery) -> Result<Vec<Hit>, IndexError>;

    /// How many chunks are stored.
    async fn count(&self) -> Result<usize, IndexError>;

    /// The layout the collection was created with.
    fn layout(&self) -> &IndexLayout;
}

/// A full index backend: both capabilities.
pub trait VectorIndex: IndexWriter + IndexReader {}

impl<T: IndexWriter + IndexReader> VectorIndex for T {}
