//! The ingest pipeline: files -> records -> chunks -> (only what changed) embeddings -> index.
//!
//! Idempotent by construction: chunk ids derive from source and record key, a content hash
//! tells unchanged chunks apart (they are neither embedded nor written again), and chunks whose
//! record disappeared from a source, or whose file disappeared from an ingested folder, are
//! deleted. A file that cannot be read or parsed keeps what the index already had from it.

use crate::chunk::Chunker;
use crate::embed::{EmbedError, EmbedRole, Embedder};
use crate::index::{IndexError, IndexPoint, StoredChunk, VectorIndex};
use crate::record::{Chunk, ChunkId, Kind};
use crate::source::{self, Rejection, SourceError, SourceFile};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many chunks are embedded and written per batch: large enough to amortise a model call
/// and an index write, small enough for a progress bar to move.
const BATCH: usize = 128;

/// How many chunks go into one index write when nothing needs embedding: every write ends with
/// a flush to disk (fsyncs included), which at [`BATCH`] chunks a write took longer than the
/// writing itself (20k BM25-only chunks: 157 flushes).
const WRITE_BATCH_WITHOUT_MODEL: usize = 2048;

/// Errors that stop an ingest as a whole. Problems with single files or rows are not errors:
/// they are reported in [`IngestReport`] and the rest is ingested.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A path given on the command line does not exist or cannot be listed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The embedder failed; nothing of the failed batch was written.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Options of one ingest run.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Treat every file as this kind instead of detecting it.
    pub kind: Option<Kind>,
}

/// A file that could not be ingested at all (unreadable, unknown kind, unsupported format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFailure {
    /// The file's source name.
    pub source: String,
    /// Why, for a person.
    pub reason: String,
}

/// What an ingest did.
#[derive(Debug, Clone, Default)]
pub struct IngestReport {
    /// Files read.
    pub files: usize,
    /// Chunks that were not in the index.
    pub added: usize,
    /// Chunks whose content changed.
    pub updated: usize,
    /// Chunks already in the index with the same content (not embedded again).
    pub unchanged: usize,
    /// Chunks removed because their record or file disappeared.
    pub deleted: usize,
    /// Rows or records that were rejected, with file, line and reason.
    pub rejected: Vec<Rejection>,
    /// Files that could not be ingested at all.
    pub failed_files: Vec<FileFailure>,
    /// Chunks sent to the embedder.
    pub embedded: usize,
    /// Time spent in the embedder.
    pub embed_time: Duration,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl IngestReport {
    /// True when something was rejected or a file failed: the command exits non-zero.
    pub fn has_problems(&self) -> bool {
        !self.rejected.is_empty() || !self.failed_files.is_empty()
    }

    /// Chunks written (added + updated).
    pub fn written(&self) -> usize {
        self.added + self.updated
    }
}

/// Hooks for showing progress; every method has a no-op default.
pub trait IngestProgress: Send + Sync {
    /// Chunks to embed and write in total (known after parsing and diffing).
    fn start_writing(&self, _total: usize) {}
    /// `n` more chunks were written.
    fn wrote(&self, _n: usize) {}
    /// A file is being read.
    fn reading(&self, _source: &str) {}
}

/// Progress hooks that show nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl IngestProgress for NoProgress {}

/// Runs ingests against one index with one (optional) embedder.
pub struct Ingestor {
    index: Arc<dyn VectorIndex>,
    embedder: Option<Arc<dyn Embedder>>,
    chunker: Chunker,
}

impl Ingestor {
    /// An ingestor writing to `index`, embedding with `embedder` (`None`: BM25 only; the index
    /// layout must then have no dense vector).
    pub fn new(index: Arc<dyn VectorIndex>, embedder: Option<Arc<dyn Embedder>>) -> Self {
        Self {
            index,
            embedder,
            chunker: Chunker::default(),
        }
    }

    /// Uses `chunker` instead of the default one.
    pub fn with_chunker(mut self, chunker: Chunker) -> Self {
        self.chunker = chunker;
        self
    }

    /// Ingests files and folders. Folders are read recursively; files of a folder that are no
    /// longer there have their chunks deleted.
    pub async fn ingest(
        &self,
        paths: &[PathBuf],
        options: &IngestOptions,
        progress: &dyn IngestProgress,
    ) -> Result<IngestReport, IngestError> {
        let started = Instant::now();
        let mut report = IngestReport::default();
        let files = source::discover(paths)?;
        report.files = files.len();

        let mut chunks: Vec<Chunk> = Vec::new();
        // Origins whose content we now know completely: only their chunks may be deleted.
        let mut read_origins: HashSet<String> = HashSet::new();
        for file in &files {
            progress.reading(&file.name);
            match self.read_file(file, options) {
                Ok((file_chunks, rejected)) => {
                    report.rejected.extend(rejected);
                    read_origins.insert(file.path.to_string_lossy().into_owned());
                    chunks.extend(file_chunks);
                }
                Err(reason) => report.failed_files.push(FileFailure {
                    source: file.name.clone(),
                    reason,
                }),
            }
        }
        let chunks = dedup_by_id(chunks, &mut report.rejected);

        let stored = self.index.stored().await?;
        let plan = plan_changes(&chunks, &stored, &read_origins, &folder_prefixes(paths));
        report.added = plan.added;
        report.updated = plan.updated;
        report.unchanged = plan.unchanged;

        let to_write: Vec<&Chunk> = plan.write.iter().map(|&i| &chunks[i]).collect();
        progress.start_writing(to_write.len());
        let batch_size = if self.embedder.is_some() {
            BATCH
        } else {
            WRITE_BATCH_WITHOUT_MODEL
        };
        for batch in to_write.chunks(batch_size) {
            let points = self.embed_batch(batch, &mut report).await?;
            self.index.upsert(points).await?;
            progress.wrote(batch.len());
        }
        if !plan.delete.is_empty() {
            self.index.delete(&plan.delete).await?;
            report.deleted = plan.delete.len();
        }
        if report.written() > 0 || report.deleted > 0 {
            self.index.optimize().await?;
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    fn read_file(
        &self,
        file: &SourceFile,
        options: &IngestOptions,
    ) -> Result<(Vec<Chunk>, Vec<Rejection>), String> {
        let kind = match options.kind.or_else(|| source::detect_kind(&file.path)) {
            Some(kind) => kind,
            None => {
                return Err(
                    "cannot tell whether this is a catalog, an FAQ or a policy; name it so \
                            (e.g. catalog.csv, faq.md) or pass --kind"
                        .to_string(),
                );
            }
        };
        let parsed = source::parse(file, kind).map_err(|e| e.to_string())?;
        let chunks = parsed
            .records
            .iter()
            .flat_map(|record| self.chunker.chunk(file, kind, record))
            .collect();
        Ok((chunks, parsed.rejected))
    }

    async fn embed_batch(
        &self,
        batch: &[&Chunk],
        report: &mut IngestReport,
    ) -> Result<Vec<IndexPoint>, IngestError> {
        let Some(embedder) = &self.embedder else {
            return Ok(batch
                .iter()
                .map(|c| IndexPoint {
                    chunk: (*c).clone(),
                    dense: None,
                })
                .collect());
        };
        let texts: Vec<String> = batch.iter().map(|c| c.embedding_text()).collect();
        let started = Instant::now();
        let vectors = embedder.embed(&texts, EmbedRole::Passage).await?;
        report.embed_time += started.elapsed();
        report.embedded += texts.len();
        if vectors.len() != batch.len() {
            return Err(EmbedError::Inference(format!(
                "the embedder returned {} vectors for {} texts",
                vectors.len(),
                batch.len()
            ))
            .into());
        }
        Ok(batch
            .iter()
            .zip(vectors)
            .map(|(c, v)| IndexPoint {
                chunk: (*c).clone(),
                dense: Some(v),
            })
            .collect())
    }
}

/// Two records of one file that produce the same id (the same SKU twice, say) would overwrite
/// each other silently: the later one is rejected instead.
fn dedup_by_id(chunks: Vec<Chunk>, rejected: &mut Vec<Rejection>) -> Vec<Chunk> {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        if seen.insert(chunk.id) {
            kept.push(chunk);
        } else {
            rejected.push(Rejection {
                source: chunk.source.clone(),
                line: chunk
                    .fields
                    .get("line")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0) as usize,
                reason: format!(
                    "duplicate entry `{}`: an earlier one with the same key is kept",
                    chunk.title
                ),
            });
        }
    }
    kept
}

/// What an ingest must write and delete, from the new chunks and what the index holds.
#[derive(Debug, Default, PartialEq)]
struct ChangePlan {
    /// Indexes into the new chunks that must be embedded and written.
    write: Vec<usize>,
    delete: Vec<ChunkId>,
    added: usize,
    updated: usize,
    unchanged: usize,
}

fn plan_changes(
    chunks: &[Chunk],
    stored: &[StoredChunk],
    read_origins: &HashSet<String>,
    folders: &[String],
) -> ChangePlan {
    let stored_hash: HashMap<ChunkId, &str> =
        stored.iter().map(|s| (s.id, s.hash.as_str())).collect();
    let mut plan = ChangePlan::default();
    let mut current: HashSet<ChunkId> = HashSet::with_capacity(chunks.len());
    for (i, chunk) in chunks.iter().enumerate() {
        current.insert(chunk.id);
        match stored_hash.get(&chunk.id) {
            Some(hash) if *hash == chunk.hash => plan.unchanged += 1,
            Some(_) => {
                plan.updated += 1;
                plan.write.push(i);
            }
            None => {
                plan.added += 1;
                plan.write.push(i);
            }
        }
    }
    for s in stored {
        if current.contains(&s.id) {
            continue;
        }
        // A chunk goes when its file was read completely and no longer has it, or when its file
        // sat in an ingested folder and is gone from it.
        let file_was_read = read_origins.contains(&s.origin);
        let file_left_folder = !read_origins.contains(&s.origin)
            && folders.iter().any(|f| s.origin.starts_with(f.as_str()))
            && !Path::new(&s.origin).exists();
        if file_was_read || file_left_folder {
            plan.delete.push(s.id);
        }
    }
    plan
}

/// The ingested folders as absolute path prefixes ending in a separator.
fn folder_prefixes(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .map(|p| {
            let mut s = p.to_string_lossy().into_owned();
            if !s.ends_with(std::path::MAIN_SEPARATOR) {
                s.push(std::path::MAIN_SEPARATOR);
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn chunk(key: &str, hash: &str, origin: &str) -> Chunk {
        Chunk {
            id: ChunkId::derive("faq.md", key, 0),
            kind: Kind::Faq,
            source: "faq.md".into(),
            origin: origin.into(),
            title: key.into(),
            text: key.into(),
            locale: "en".into(),
            fields: Map::new(),
            hash: hash.into(),
        }
    }

    fn stored(c: &Chunk, hash: &str) -> StoredChunk {
        StoredChunk {
            id: c.id,
            source: c.source.clone(),
            origin: c.origin.clone(),
            hash: hash.into(),
        }
    }

    #[test]
    fn plan_tells_added_updated_unchanged_and_deleted_apart() {
        let same = chunk("a", "h1", "/x/faq.md");
        let changed = chunk("b", "h2-new", "/x/faq.md");
        let new = chunk("c", "h3", "/x/faq.md");
        let gone = chunk("d", "h4", "/x/faq.md");
        let other_file = chunk("e", "h5", "/y/other.md");
        let stored = vec![
            stored(&same, "h1"),
            stored(&changed, "h2-old"),
            stored(&gone, "h4"),
            stored(&other_file, "h5"),
        ];
        let read: HashSet<String> = ["/x/faq.md".to_string()].into();
        let plan = plan_changes(&[same, changed, new], &stored, &read, &[]);
        assert_eq!((plan.added, plan.updated, plan.unchanged), (1, 1, 1));
        assert_eq!(plan.write, vec![1, 2]);
        assert_eq!(
            plan.delete,
            vec![gone.id],
            "only the vanished record of the file that was read"
        );
    }

    #[test]
    fn chunks_of_a_file_that_failed_to_parse_are_kept() {
        let old = chunk("a", "h1", "/x/faq.md");
        let plan = plan_changes(
            &[],
            &[stored(&old, "h1")],
            &HashSet::new(),
            &["/x/".to_string()],
        );
        // The file still exists? It does not on this machine, so it counts as removed from the
        // folder; a file that exists but failed is kept:
        assert_eq!(
            plan.delete.len(),
            usize::from(!Path::new("/x/faq.md").exists())
        );
        let plan = plan_changes(&[], &[stored(&old, "h1")], &HashSet::new(), &[]);
        assert!(plan.delete.is_empty());
    }
}
