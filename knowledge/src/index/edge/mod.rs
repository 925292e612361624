//! [`EdgeIndex`]: the index in process, with qdrant-edge (Qdrant's engine as a library) on disk
//! in the data directory.
//!
//! - `persist`: the shard and its `layout.json`, upserts, deletes, the stored-chunk listing,
//!   optimisation.
//! - `retrieve`: queries (dense, BM25, hybrid with reciprocal rank fusion), filters, hits.
//! - `bm25`: BM25 sparse vectors per language, computed in process.
//! - `payload`: the payload format, shared with the server backend.
//!
//! On disk, an index folder holds `layout.json` (the dense model and dimension, and the BM25
//! settings) beside `shard/`, the engine's own files. The engine is synchronous: every call
//! runs on tokio's blocking pool, one hop per request.

mod bm25;
pub(crate) mod payload;
mod persist;
mod retrieve;

pub(crate) use bm25::{Bm25Models, DEFAULT_AVG_LEN as BM25_AVG_LEN, bm25_language};
pub(crate) use persist::LayoutFile;
pub(crate) use retrieve::prefetch_limit;

use crate::index::{
    Hit, IndexError, IndexLayout, IndexPoint, IndexQuery, IndexReader, IndexWriter, StoredChunk,
};
use crate::record::ChunkId;
use async_trait::async_trait;
use persist::{LAYOUT_FILE, SHARD_DIR};
use qdrant_edge::{EdgeShard, OperationError, PointId};
use retrieve::FilterPaths;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The name of the dense vector in both backends.
pub(crate) const DENSE_VECTOR: &str = "dense";
/// The name of the BM25 sparse vector in both backends.
pub(crate) const BM25_VECTOR: &str = "bm25";

/// An index in process, stored in one folder.
///
/// Cheap to clone (the shard is shared); safe to use from several tasks at once. Writes are
/// serialised, queries run alongside them and alongside each other. One folder must be opened
/// by one process at a time.
#[derive(Clone)]
pub struct EdgeIndex {
    inner: Arc<EdgeInner>,
}

/// What the blocking functions of `persist` and `retrieve` work on.
pub(crate) struct EdgeInner {
    shard: EdgeShard,
    layout: IndexLayout,
    bm25: Bm25Models,
    paths: FilterPaths,
    writes: Mutex<()>,
}

impl EdgeInner {
    /// Holds off other writers until the guard drops.
    fn lock_writes(&self) -> MutexGuard<'_, ()> {
        // The guarded value is `()`: a writer that panicked left nothing half-changed in it.
        self.writes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for EdgeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeIndex")
            .field("path", &self.inner.shard.path())
            .field("layout", &self.inner.layout)
            .field("bm25_avg_len", &self.inner.bm25.avg_len())
            .finish()
    }
}

impl EdgeIndex {
    /// Opens the index in `dir`, creating it (and `dir`) when there is none.
    ///
    /// Fails with [`IndexError::Incompatible`] when the stored index was built for another
    /// layout (another embedding model, or with/without dense vectors) or its layout file is
    /// missing; [`EdgeIndex::recreate`] then starts it afresh. Blocks while the shard loads.
    pub fn open(dir: &Path, layout: IndexLayout) -> Result<Self, IndexError> {
        let shard_dir = dir.join(SHARD_DIR);
        let file = match persist::read_layout_file(dir)? {
            Some(file) if file.layout() == layout => file,
            Some(file) => {
                return Err(IndexError::Incompatible {
                    expected: layout.to_string(),
                    found: file.layout().to_string(),
                });
            }
            None if shard_dir.exists() => {
                return Err(IndexError::Incompatible {
                    expected: layout.to_string(),
                    found: format!("an index without its {LAYOUT_FILE}"),
                });
            }
            None => {
                std::fs::create_dir_all(dir)
                    .map_err(|err| IndexError::Open(format!("{}: {err}", dir.display())))?;
                let file = LayoutFile::new(&layout, bm25::DEFAULT_AVG_LEN);
                let shard = persist::create_shard(&shard_dir, &layout)?;
                // Written last: a layout file means the shard beside it is complete.
                persist::write_layout_file(dir, &file)?;
                return Self::assemble(shard, layout, &file);
            }
        };
        let shard = persist::open_shard(&shard_dir, &layout)?;
        Self::assemble(shard, layout, &file)
    }

    /// Deletes the index in `dir`, if any, and creates an empty one with `layout`.
    ///
    /// Only the index's own files are removed (`layout.json` and `shard/`); the folder must not
    /// be open elsewhere.
    pub fn recreate(dir: &Path, layout: IndexLayout) -> Result<Self, IndexError> {
        let remove = |err: std::io::Error| {
            IndexError::Open(format!("cannot clear {}: {err}", dir.display()))
        };
        // The layout file goes first: if removing the shard is interrupted, what is left is
        // an index without a layout file, which `open` refuses instead of trusting.
        match std::fs::remove_file(dir.join(LAYOUT_FILE)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(remove(err)),
            _ => {}
        }
        match std::fs::remove_dir_all(dir.join(SHARD_DIR)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(remove(err)),
            _ => {}
        }
        Self::open(dir, layout)
    }

    /// The layout of the index stored in `dir`, or `None` when nothing is stored there (for
    /// opening an index as it is, without choosing its layout).
    pub fn stored_layout(dir: &Path) -> Result<Option<IndexLayout>, IndexError> {
        Ok(persist::read_layout_file(dir)?.map(|file| file.layout()))
    }

    fn assemble(
        shard: EdgeShard,
        layout: IndexLayout,
        file: &LayoutFile,
    ) -> Result<Self, IndexError> {
        let inner = EdgeInner {
            shard,
            layout,
            bm25: Bm25Models::new(file.avg_len())?,
            paths: FilterPaths::new()?,
            writes: Mutex::new(()),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Runs `work` on the blocking pool; a panic in the engine becomes an error.
    async fn blocking<T, F>(&self, work: F) -> Result<T, IndexError>
    where
        T: Send + 'static,
        F: FnOnce(&EdgeInner) -> Result<T, IndexError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|err| IndexError::Engine(format!("the index engine stopped: {err}")))?
    }
}

#[async_trait]
impl IndexWriter for EdgeIndex {
    async fn upsert(&self, points: Vec<IndexPoint>) -> Result<(), IndexError> {
        if points.is_empty() {
            return Ok(());
        }
        self.blocking(move |inner| persist::upsert(inner, points))
            .await
    }

    async fn delete(&self, ids: &[ChunkId]) -> Result<(), IndexError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = ids.iter().map(|id| PointId::Uuid(id.0)).collect();
        self.blocking(move |inner| persist::delete(inner, ids))
            .await
    }

    async fn stored(&self) -> Result<Vec<StoredChunk>, IndexError> {
        self.blocking(persist::stored).await
    }

    async fn optimize(&self) -> Result<(), IndexError> {
        self.blocking(persist::optimize).await
    }
}

#[async_trait]
impl IndexReader for EdgeIndex {
    async fn query(&self, query: &IndexQuery) -> Result<Vec<Hit>, IndexError> {
        // The request is built here (BM25 of a query takes microseconds) so that only the
        // engine call crosses to the blocking pool.
        let Some(request) = retrieve::request(&self.inner, query)? else {
            return Ok(Vec::new());
        };
        self.blocking(move |inner| retrieve::run(inner, request))
            .await
    }

    async fn count(&self) -> Result<usize, IndexError> {
        self.blocking(retrieve::count).await
    }

    fn layout(&self) -> &IndexLayout {
        &self.inner.layout
    }
}

/// An engine failure: requests the engine judged malformed are [`IndexError::Invalid`], the
/// rest [`IndexError::Engine`] (an engine in process has no outage worth retrying).
fn engine_error(err: OperationError) -> IndexError {
    match err {
        OperationError::WrongVectorDimension { .. }
        | OperationError::VectorNameNotExists { .. }
        | OperationError::ValidationError { .. }
        | OperationError::WrongSparse
        | OperationError::NonFiniteNumber { .. } => IndexError::Invalid(err.to_string()),
        other => IndexError::Engine(other.to_string()),
    }
}
