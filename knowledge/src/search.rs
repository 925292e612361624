//! Retrieval for people and tools: embeds the query (when a model is there), detects its
//! language for BM25, and runs one hybrid query against the index.

use crate::embed::{EmbedError, EmbedRole, Embedder};
use crate::index::{Hit, IndexError, IndexQuery, SearchFilter, SearchMode, VectorIndex};
use crate::locale;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Errors of a search.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query could not be embedded.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The request cannot be served (for example dense search without a model).
    #[error("{0}")]
    Invalid(String),
}

/// A search request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// What the customer or tool is looking for.
    pub query: String,
    /// How many hits.
    pub top_k: usize,
    /// Which retrievers.
    pub mode: SearchMode,
    /// Payload filters.
    pub filter: SearchFilter,
}

impl SearchRequest {
    /// A hybrid search for the 5 best chunks, unfiltered.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            top_k: 5,
            mode: SearchMode::Hybrid,
            filter: SearchFilter::default(),
        }
    }
}

/// The hits of a search and what it cost.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Best first.
    pub hits: Vec<Hit>,
    /// The language detected in the query (used for BM25), if any.
    pub query_locale: Option<&'static str>,
    /// The mode that actually ran (hybrid degrades to BM25 without a model).
    pub mode: SearchMode,
    /// Time spent embedding the query.
    pub embed_time: Duration,
    /// Time spent in the index.
    pub index_time: Duration,
}

/// Searches one index, embedding queries with the same model that embedded its passages.
#[derive(Clone)]
pub struct Searcher {
    index: Arc<dyn VectorIndex>,
    embedder: Option<Arc<dyn Embedder>>,
}

impl Searcher {
    /// A searcher over `index`. Pass the embedder the index was built with, or `None` to search
    /// with BM25 only.
    pub fn new(index: Arc<dyn VectorIndex>, embedder: Option<Arc<dyn Embedder>>) -> Self {
        // A model other than the one that embedded the passages would give meaningless dense
        // scores: such a searcher uses BM25 only.
        let embedder = embedder.filter(|e| {
            index
                .layout()
                .dense
                .as_ref()
                .is_some_and(|d| d.model == e.id() && d.dims == e.dims())
        });
        Self { index, embedder }
    }

    /// Whether dense (and so hybrid) retrieval is available.
    pub fn has_dense(&self) -> bool {
        self.embedder.is_some()
    }

    /// The index searched.
    pub fn index(&self) -> &Arc<dyn VectorIndex> {
        &self.index
    }

    /// Runs `request`.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let query_locale = locale::detect(&request.query);
        let mode = match (request.mode, &self.embedder) {
            (SearchMode::Dense, None) => {
                return Err(SearchError::Invalid(
                    "dense search needs the embedding model the index was built with".into(),
                ));
            }
            (SearchMode::Hybrid, None) => SearchMode::Sparse,
            (mode, _) => mode,
        };
        let mut embed_time = Duration::ZERO;
        let dense = match (&self.embedder, mode) {
            (Some(embedder), SearchMode::Hybrid | SearchMode::Dense) => {
                let started = Instant::now();
                let mut vectors = embedder
                    .embed(std::slice::from_ref(&request.query), EmbedRole::Query)
                    .await?;
                embed_time = started.elapsed();
                vectors.pop()
            }
            _ => None,
        };
        let query = IndexQuery {
            text: request.query.clone(),
            locale: query_locale.map(str::to_string),
            dense,
            mode,
            filter: request.filter.clone(),
            limit: request.top_k,
        };
        let started = Instant::now();
        let hits = self.index.query(&query).await?;
        Ok(SearchResults {
            hits,
            query_locale,
            mode,
            embed_time,
            index_time: started.elapsed(),
        })
    }
}
