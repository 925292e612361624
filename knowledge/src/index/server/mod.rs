//! [`ServerIndex`]: the index in a Qdrant server, through qdrant-client over gRPC.
//!
//! - `persist`: the collection (created with its vectors and payload indexes, or checked
//!   against the wanted layout), upserts, deletes, the stored-chunk listing.
//! - `retrieve`: queries (dense, BM25, hybrid with reciprocal rank fusion), filters, hits.
//!
//! The collection matches the edge shard: a cosine dense vector `dense` (when the layout has
//! one), a sparse vector `bm25` with the IDF modifier filled by the server's own `qdrant/bm25`
//! inference (points and queries are sent as text documents with the language and average
//! length options), the same payload and payload indexes. The layout is recorded in the
//! collection's metadata under `charla`.

mod persist;
mod retrieve;

use crate::index::edge::{BM25_AVG_LEN, Bm25Models, LayoutFile};
use crate::index::{
    Hit, IndexError, IndexLayout, IndexPoint, IndexQuery, IndexReader, IndexWriter, StoredChunk,
};
use crate::record::ChunkId;
use async_trait::async_trait;
use qdrant_client::{Qdrant, QdrantError};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How long one request may take before it fails as [`IndexError::Transient`]. Upserts wait
/// until the server has applied them, so this is generous.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How qdrant-client's channel pool starts the message of a failed connection.
const CONNECT_FAILURE: &str = "Failed to connect to";
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An index in one collection of a Qdrant server.
///
/// Cheap to clone (the gRPC channel is shared); safe to use from several tasks at once.
#[derive(Clone)]
pub struct ServerIndex {
    client: Qdrant,
    collection: Arc<str>,
    layout: IndexLayout,
    bm25: Arc<Bm25Settings>,
}

/// The server's BM25 options and a local copy of the same model, used only to tell whether a
/// query has any searchable term (so both backends treat stop-word-only queries alike).
struct Bm25Settings {
    avg_len: f64,
    terms: Bm25Models,
}

impl fmt::Debug for ServerIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIndex")
            .field("collection", &self.collection)
            .field("layout", &self.layout)
            .field("bm25_avg_len", &self.bm25.avg_len)
            .finish_non_exhaustive()
    }
}

impl ServerIndex {
    /// Connects to the server at `url` (gRPC, usually port 6334) and opens `collection`,
    /// creating it for `layout` when it does not exist.
    ///
    /// Fails with [`IndexError::Incompatible`] when the collection exists with another layout;
    /// [`ServerIndex::recreate`] then starts it afresh.
    pub async fn connect(
        url: &str,
        api_key: Option<String>,
        collection: &str,
        layout: IndexLayout,
    ) -> Result<Self, IndexError> {
        let client = client(url, api_key)?;
        let file = match persist::stored_layout(&client, collection).await? {
            Some(file) if file.layout() == layout => file,
            Some(file) => {
                return Err(IndexError::Incompatible {
                    expected: layout.to_string(),
                    found: file.layout().to_string(),
                });
            }
            None => {
                let file = LayoutFile::new(&layout, BM25_AVG_LEN);
                persist::create_collection(&client, collection, &layout, &file).await?;
                file
            }
        };
        Self::assemble(client, collection, layout, &file)
    }

    /// Connects to the server at `url` and opens `collection` with the layout it was created
    /// with (for searching an index as it is). Fails with [`IndexError::Open`] when the
    /// collection does not exist.
    pub async fn open_existing(
        url: &str,
        api_key: Option<String>,
        collection: &str,
    ) -> Result<Self, IndexError> {
        let client = client(url, api_key)?;
        match persist::stored_layout(&client, collection).await? {
            Some(file) => {
                let layout = file.layout();
                Self::assemble(client, collection, layout, &file)
            }
            None => Err(IndexError::Open(format!(
                "the Qdrant collection `{collection}` does not exist"
            ))),
        }
    }

    /// Deletes `collection`, if it exists, and creates it empty for `layout`.
    pub async fn recreate(
        url: &str,
        api_key: Option<String>,
        collection: &str,
        layout: IndexLayout,
    ) -> Result<Self, IndexError> {
        let client = client(url, api_key.clone())?;
        persist::delete_collection(&client, collection).await?;
        Self::connect(url, api_key, collection, layout).await
    }

    /// Deletes the collection and everything in it.
    pub async fn delete_collection(self) -> Result<(), IndexError> {
        persist::delete_collection(&self.client, &self.collection).await
    }

    /// The collection's name.
    pub fn collection(&self) -> &str {
        &self.collection
    }

    fn assemble(
        client: Qdrant,
        collection: &str,
        layout: IndexLayout,
        file: &LayoutFile,
    ) -> Result<Self, IndexError> {
        let bm25 = Bm25Settings {
            avg_len: file.avg_len(),
            terms: Bm25Models::new(file.avg_len())?,
        };
        Ok(Self {
            client,
            collection: Arc::from(collection),
            layout,
            bm25: Arc::new(bm25),
        })
    }
}

fn client(url: &str, api_key: Option<String>) -> Result<Qdrant, IndexError> {
    Qdrant::from_url(url)
        .api_key(api_key)
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        // The check blocks the calling thread and prints to stdout (the MCP protocol's channel
        // under `charla mcp`); the first real request reports an unreachable server anyway.
        .skip_compatibility_check()
        .build()
        .map_err(|err| IndexError::Open(format!("Qdrant at {url}: {err}")))
}

#[async_trait]
impl IndexWriter for ServerIndex {
    async fn upsert(&self, points: Vec<IndexPoint>) -> Result<(), IndexError> {
        persist::upsert(self, points).await
    }

    async fn delete(&self, ids: &[ChunkId]) -> Result<(), IndexError> {
        persist::delete(self, ids).await
    }

    async fn stored(&self) -> Result<Vec<StoredChunk>, IndexError> {
        persist::stored(self).await
    }

    /// Nothing to do: the server's own optimisers index new segments in the background, and
    /// upserts wait until they are applied, so what was written is already searchable.
    async fn optimize(&self) -> Result<(), IndexError> {
        Ok(())
    }
}

#[async_trait]
impl IndexReader for ServerIndex {
    async fn query(&self, query: &IndexQuery) -> Result<Vec<Hit>, IndexError> {
        retrieve::query(self, query).await
    }

    async fn count(&self) -> Result<usize, IndexError> {
        retrieve::count(self).await
    }

    fn layout(&self) -> &IndexLayout {
        &self.layout
    }
}

/// A failed call: the server being down, overloaded or slow is worth retrying; the rest is not.
fn server_error(err: QdrantError) -> IndexError {
    use tonic::Code;
    match &err {
        QdrantError::ResponseError { status } => match status.code() {
            Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted => {
                IndexError::Transient(err.to_string())
            }
            // qdrant-client reports a refused or failed connection as `Internal` with this
            // message (its channel pool), not as `Unavailable`.
            Code::Internal if status.message().starts_with(CONNECT_FAILURE) => {
                IndexError::Transient(err.to_string())
            }
            _ => IndexError::Engine(err.to_string()),
        },
        QdrantError::ResourceExhaustedError { .. } => IndexError::Transient(err.to_string()),
        _ => IndexError::Engine(err.to_string()),
    }
}
