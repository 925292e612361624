//! The write path of the edge index: the shard and its layout file on disk, upserts, deletes,
//! the listing of stored chunks, and optimisation.
//!
//! Every function here blocks; [`super::EdgeIndex`] runs them off the async executor.

use super::bm25::Bm25Models;
use super::{BM25_VECTOR, DENSE_VECTOR, EdgeInner, engine_error, payload};
use crate::index::{DenseLayout, IndexError, IndexLayout, IndexPoint, StoredChunk};
use crate::record::ChunkId;
use qdrant_edge::{
    CreateIndex, Distance, EdgeConfig, EdgeShard, EdgeSparseVectorParams, EdgeVectorParams,
    FieldIndexOperations, JsonPath, Modifier, Payload, PayloadFieldSchema, PayloadSchemaType,
    PayloadSelector, PointId, PointInsertOperations, PointOperations, PointStructPersisted,
    ScrollRequest, UpdateOperation, VectorInternal, VectorStructInternal, VectorStructPersisted,
    WithPayloadInterface, WithVector,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::Path;

/// The file beside the shard that records the layout and BM25 settings it was built with.
pub(crate) const LAYOUT_FILE: &str = "layout.json";
/// The folder of the shard itself, inside the index folder.
pub(crate) const SHARD_DIR: &str = "shard";

/// How many points go into one engine update (one WAL record): large enough to amortise the
/// per-update cost, small enough to keep a record's memory modest.
const UPSERT_BATCH: usize = 512;
/// How many points one page of [`stored`] reads.
const SCROLL_PAGE: usize = 2_048;
/// The layout file's format, bumped if its meaning changes.
const LAYOUT_FORMAT: u32 = 1;

/// What `layout.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LayoutFile {
    format: u32,
    dense: Option<DenseFile>,
    bm25: Bm25File,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DenseFile {
    model: String,
    dims: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Bm25File {
    avg_len: f64,
}

impl LayoutFile {
    /// The file for a new index with `layout`.
    pub(crate) fn new(layout: &IndexLayout, avg_len: f64) -> Self {
        Self {
            format: LAYOUT_FORMAT,
            dense: layout.dense.as_ref().map(|d| DenseFile {
                model: d.model.clone(),
                dims: d.dims,
            }),
            bm25: Bm25File { avg_len },
        }
    }

    /// The vector layout recorded in the file.
    pub(crate) fn layout(&self) -> IndexLayout {
        IndexLayout {
            dense: self.dense.as_ref().map(|d| DenseLayout {
                model: d.model.clone(),
                dims: d.dims,
            }),
        }
    }

    /// The BM25 average length the stored documents were embedded with.
    pub(crate) fn avg_len(&self) -> f64 {
        self.bm25.avg_len
    }

    /// Fails when the record was written by a charla that gave it another meaning.
    pub(crate) fn check_format(&self) -> Result<(), IndexError> {
        if self.format == LAYOUT_FORMAT {
            Ok(())
        } else {
            Err(IndexError::Incompatible {
                expected: format!("layout format {LAYOUT_FORMAT}"),
                found: format!("layout format {}", self.format),
            })
        }
    }
}

/// Reads `dir/layout.json`; `None` when there is none.
pub(crate) fn read_layout_file(dir: &Path) -> Result<Option<LayoutFile>, IndexError> {
    let path = dir.join(LAYOUT_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(IndexError::Open(format!("{}: {err}", path.display()))),
    };
    let file: LayoutFile = serde_json::from_str(&text)
        .map_err(|err| IndexError::Open(format!("{}: {err}", path.display())))?;
    file.check_format()?;
    Ok(Some(file))
}

/// Writes `dir/layout.json` through a temporary file, so a crash leaves the old file or the new
/// one, never half of one.
pub(crate) fn write_layout_file(dir: &Path, file: &LayoutFile) -> Result<(), IndexError> {
    let path = dir.join(LAYOUT_FILE);
    let tmp = dir.join(format!("{LAYOUT_FILE}.tmp"));
    let io = |err: std::io::Error| IndexError::Open(format!("{}: {err}", path.display()));
    let text =
        serde_json::to_string_pretty(file).map_err(|err| IndexError::Open(err.to_string()))?;
    let mut out = fs::File::create(&tmp).map_err(io)?;
    out.write_all(text.as_bytes()).map_err(io)?;
    out.sync_all().map_err(io)?;
    fs::rename(&tmp, &path).map_err(io)
}

/// Creates an empty shard in `shard_dir` for `layout`, with its payload indexes (they must
/// exist before the first point so every segment carries them).
pub(crate) fn create_shard(
    shard_dir: &Path,
    layout: &IndexLayout,
) -> Result<EdgeShard, IndexError> {
    let open =
        |err: &dyn std::fmt::Display| IndexError::Open(format!("{}: {err}", shard_dir.display()));
    fs::create_dir_all(shard_dir).map_err(|err| open(&err))?;
    let mut config = EdgeConfig::builder().sparse_vector(
        BM25_VECTOR,
        EdgeSparseVectorParams::builder()
            .modifier(Modifier::Idf)
            .build(),
    );
    if let Some(dense) = &layout.dense {
        config = config.vector(
            DENSE_VECTOR,
            EdgeVectorParams::builder(dense.dims, Distance::Cosine).build(),
        );
    }
    let shard = EdgeShard::new(shard_dir, config.build()).map_err(|err| open(&err))?;
    let schemas = payload::KEYWORD_FIELDS
        .iter()
        .map(|field| (field, PayloadSchemaType::Keyword))
        .chain(
            payload::FLOAT_FIELDS
                .iter()
                .map(|field| (field, PayloadSchemaType::Float)),
        )
        .chain(
            payload::BOOL_FIELDS
                .iter()
                .map(|field| (field, PayloadSchemaType::Bool)),
        );
    for (field, schema) in schemas {
        let index = CreateIndex {
            field_name: json_path(field)?,
            field_schema: Some(PayloadFieldSchema::FieldType(schema)),
        };
        shard
            .update(UpdateOperation::FieldIndexOperation(
                FieldIndexOperations::CreateIndex(index),
            ))
            .map_err(|err| open(&err))?;
    }
    Ok(shard)
}

/// Opens the shard in `shard_dir`, creating it when the folder holds none.
pub(crate) fn open_shard(shard_dir: &Path, layout: &IndexLayout) -> Result<EdgeShard, IndexError> {
    if shard_dir.join("edge_config.json").exists() {
        EdgeShard::load(shard_dir, None)
            .map_err(|err| IndexError::Open(format!("{}: {err}", shard_dir.display())))
    } else {
        create_shard(shard_dir, layout)
    }
}

/// A payload key as the engine spells it.
pub(crate) fn json_path(key: &str) -> Result<JsonPath, IndexError> {
    key.parse()
        .map_err(|()| IndexError::Engine(format!("`{key}` is not a payload key")))
}

/// Writes `points`, replacing those with the same ids.
pub(crate) fn upsert(inner: &EdgeInner, points: Vec<IndexPoint>) -> Result<(), IndexError> {
    let dims = inner.layout.dense.as_ref().map(|d| d.dims);
    let mut batch = Vec::with_capacity(points.len().min(UPSERT_BATCH));
    // Writes are serialised: the shard's flush must not meet another update (it would panic).
    let _writing = inner.lock_writes();
    for point in points {
        batch.push(engine_point(point, dims, &inner.bm25)?);
        if batch.len() == UPSERT_BATCH {
            write_batch(&inner.shard, std::mem::take(&mut batch))?;
        }
    }
    if !batch.is_empty() {
        write_batch(&inner.shard, batch)?;
    }
    // The edge shard does not replay its WAL on load: only flushed segments survive a crash.
    flush(&inner.shard)
}

fn write_batch(shard: &EdgeShard, batch: Vec<PointStructPersisted>) -> Result<(), IndexError> {
    let operation = PointOperations::UpsertPoints(PointInsertOperations::PointsList(batch));
    shard
        .update(UpdateOperation::PointOperation(operation))
        .map_err(engine_error)
}

fn engine_point(
    point: IndexPoint,
    dims: Option<usize>,
    bm25: &Bm25Models,
) -> Result<PointStructPersisted, IndexError> {
    let IndexPoint { chunk, dense } = point;
    let mut vectors = HashMap::with_capacity(2);
    match (dims, dense) {
        (Some(dims), Some(dense)) if dense.len() == dims => {
            vectors.insert(DENSE_VECTOR.to_owned(), VectorInternal::Dense(dense));
        }
        (Some(dims), Some(dense)) => {
            return Err(IndexError::Invalid(format!(
                "chunk {} has a {}-dimensional vector; the index holds {dims} dimensions",
                chunk.id,
                dense.len()
            )));
        }
        (Some(_), None) => {
            return Err(IndexError::Invalid(format!(
                "chunk {} has no dense vector; the index needs one",
                chunk.id
            )));
        }
        (None, Some(_)) => {
            return Err(IndexError::Invalid(format!(
                "chunk {} has a dense vector; the index is BM25-only",
                chunk.id
            )));
        }
        (None, None) => {}
    }
    let sparse = bm25.embed_document(&chunk.keyword_text(), &chunk.locale)?;
    vectors.insert(BM25_VECTOR.to_owned(), VectorInternal::Sparse(sparse));
    let payload = payload::chunk_payload(&chunk)?;
    Ok(PointStructPersisted {
        id: PointId::Uuid(chunk.id.0),
        vector: VectorStructPersisted::from(VectorStructInternal::Named(vectors)),
        payload: Some(Payload(payload)),
    })
}

/// Deletes points by id; unknown ids are ignored by the engine.
pub(crate) fn delete(inner: &EdgeInner, ids: Vec<PointId>) -> Result<(), IndexError> {
    let _writing = inner.lock_writes();
    for ids in ids.chunks(UPSERT_BATCH * 8) {
        let operation = PointOperations::DeletePoints { ids: ids.to_vec() };
        inner
            .shard
            .update(UpdateOperation::PointOperation(operation))
            .map_err(engine_error)?;
    }
    flush(&inner.shard)
}

/// Lists every stored chunk, page by page, reading only the fields ingest compares.
pub(crate) fn stored(inner: &EdgeInner) -> Result<Vec<StoredChunk>, IndexError> {
    let include = payload::STORED_FIELDS
        .iter()
        .map(|key| json_path(key))
        .collect::<Result<Vec<_>, _>>()?;
    let with_payload = WithPayloadInterface::Selector(PayloadSelector::new_include(include));
    let mut stored = Vec::new();
    let mut offset = None;
    loop {
        let request = ScrollRequest {
            offset,
            limit: Some(SCROLL_PAGE),
            filter: None,
            with_payload: Some(with_payload.clone()),
            with_vector: WithVector::Bool(false),
            order_by: None,
        };
        let (records, next) = inner.shard.scroll(request).map_err(engine_error)?;
        stored.reserve(records.len());
        for record in records {
            let id = chunk_id(record.id)?;
            let payload = record.payload.map(|p| p.0).unwrap_or_default();
            stored.push(payload::stored_from_payload(id, &payload));
        }
        match next {
            Some(next) => offset = Some(next),
            None => return Ok(stored),
        }
    }
}

/// Runs the engine's optimisers until none has work left (merges segments, builds HNSW).
pub(crate) fn optimize(inner: &EdgeInner) -> Result<(), IndexError> {
    let _writing = inner.lock_writes();
    inner.shard.optimize().map_err(engine_error)?;
    flush(&inner.shard)
}

fn flush(shard: &EdgeShard) -> Result<(), IndexError> {
    // The engine's flush reports failure by panicking; keep that panic inside this call.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shard.flush()))
        .map_err(|_| IndexError::Engine("flushing the index to disk failed".to_owned()))
}

/// The chunk id of an engine point id (charla only writes UUIDs).
pub(crate) fn chunk_id(id: PointId) -> Result<ChunkId, IndexError> {
    match id {
        PointId::Uuid(uuid) => Ok(ChunkId(uuid)),
        PointId::NumId(n) => Err(IndexError::Engine(format!(
            "point {n} was not written by charla"
        ))),
    }
}
