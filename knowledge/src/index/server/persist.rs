//! The write path of the server index: the collection (created or checked), upserts, deletes
//! and the stored-chunk listing.

use super::{ServerIndex, server_error};
use crate::index::edge::{BM25_VECTOR, DENSE_VECTOR, LayoutFile, bm25_language, payload};
use crate::index::{IndexError, IndexLayout, IndexPoint, StoredChunk};
use crate::record::ChunkId;
use qdrant_client::qdrant::point_id::PointIdOptions;
use qdrant_client::qdrant::vectors_config::Config as VectorsConfigKind;
use qdrant_client::qdrant::{
    CreateCollectionBuilder, CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance,
    Document, FieldType, Modifier, PayloadIncludeSelector, PointId, PointStruct, PointsIdsList,
    ScrollPointsBuilder, SparseVectorParamsBuilder, SparseVectorsConfigBuilder,
    UpsertPointsBuilder, Value, Vector, VectorParamsBuilder, VectorsConfigBuilder,
};
use qdrant_client::{Payload, Qdrant};
use std::collections::HashMap;

/// The metadata key under which the collection records its [`LayoutFile`].
const LAYOUT_METADATA: &str = "charla";
/// The model name of the server's BM25 inference.
const BM25_MODEL: &str = "qdrant/bm25";
/// Points per upsert request: the server embeds each point's text, so requests stay modest.
const UPSERT_BATCH: usize = 256;
/// Ids per delete request.
const DELETE_BATCH: usize = 4_096;
/// Points per page of [`stored`].
const SCROLL_PAGE: u32 = 2_048;

/// The layout `collection` was created with, or `None` when it does not exist.
///
/// A collection charla created carries its layout in its metadata. One created by hand is
/// accepted if its vectors match: its dense size is read from the collection, its model is
/// unknown (so it matches no layout with a named model and reads as incompatible).
pub(super) async fn stored_layout(
    client: &Qdrant,
    collection: &str,
) -> Result<Option<LayoutFile>, IndexError> {
    if !client
        .collection_exists(collection)
        .await
        .map_err(server_error)?
    {
        return Ok(None);
    }
    let info = client
        .collection_info(collection)
        .await
        .map_err(server_error)?;
    let config = info.result.and_then(|info| info.config).ok_or_else(|| {
        IndexError::Engine(format!(
            "the Qdrant collection `{collection}` did not report its configuration"
        ))
    })?;
    let params = config.params.unwrap_or_default();
    let has_bm25 = params
        .sparse_vectors_config
        .as_ref()
        .is_some_and(|sparse| sparse.map.contains_key(BM25_VECTOR));
    let dense_dims = match params.vectors_config.and_then(|v| v.config) {
        Some(VectorsConfigKind::ParamsMap(map)) => map.map.get(DENSE_VECTOR).map(|p| p.size),
        Some(VectorsConfigKind::Params(_)) => {
            return Err(foreign(
                collection,
                "it has an unnamed vector instead of `dense`",
            ));
        }
        None => None,
    };
    if !has_bm25 {
        return Err(foreign(collection, "it has no `bm25` sparse vector"));
    }
    let file = match config.metadata.get(LAYOUT_METADATA) {
        Some(value) => {
            let file: LayoutFile =
                serde_json::from_value(value.clone().into_json()).map_err(|err| {
                    IndexError::Engine(format!(
                        "the layout recorded in `{collection}` is unreadable: {err}"
                    ))
                })?;
            file.check_format()?;
            file
        }
        None => {
            let dense = dense_dims.map(|dims| crate::index::DenseLayout {
                model: "an unknown model".to_owned(),
                dims: usize::try_from(dims).unwrap_or(usize::MAX),
            });
            LayoutFile::new(&IndexLayout { dense }, crate::index::edge::BM25_AVG_LEN)
        }
    };
    // The metadata could be stale if someone changed the vectors by hand: trust the vectors.
    let recorded_dims = file.layout().dense.map(|d| d.dims as u64);
    if recorded_dims != dense_dims {
        return Err(IndexError::Incompatible {
            expected: file.layout().to_string(),
            found: match dense_dims {
                Some(dims) => format!("a `dense` vector of {dims} dimensions"),
                None => "no `dense` vector".to_owned(),
            },
        });
    }
    Ok(Some(file))
}

fn foreign(collection: &str, why: &str) -> IndexError {
    IndexError::Incompatible {
        expected: "a collection made by charla".to_owned(),
        found: format!("the Qdrant collection `{collection}`, but {why}"),
    }
}

/// Creates `collection` for `layout` with its payload indexes, recording `file` in its metadata.
pub(super) async fn create_collection(
    client: &Qdrant,
    collection: &str,
    layout: &IndexLayout,
    file: &LayoutFile,
) -> Result<(), IndexError> {
    let mut sparse = SparseVectorsConfigBuilder::default();
    sparse.add_named_vector_params(
        BM25_VECTOR,
        SparseVectorParamsBuilder::default().modifier(Modifier::Idf),
    );
    let record = serde_json::to_value(file).map_err(|err| IndexError::Engine(err.to_string()))?;
    let metadata = HashMap::from([(LAYOUT_METADATA.to_owned(), record)]);
    let mut create = CreateCollectionBuilder::new(collection)
        .sparse_vectors_config(sparse)
        .metadata(metadata);
    if let Some(dense) = &layout.dense {
        let mut vectors = VectorsConfigBuilder::default();
        vectors.add_named_vector_params(
            DENSE_VECTOR,
            VectorParamsBuilder::new(dense.dims as u64, Distance::Cosine),
        );
        create = create.vectors_config(vectors);
    }
    if let Err(err) = client.create_collection(create).await {
        // Another process may have created it first; then it is there and that is enough.
        if !client.collection_exists(collection).await.unwrap_or(false) {
            return Err(server_error(err));
        }
    }
    let schemas = payload::KEYWORD_FIELDS
        .iter()
        .map(|field| (field, FieldType::Keyword))
        .chain(
            payload::FLOAT_FIELDS
                .iter()
                .map(|field| (field, FieldType::Float)),
        )
        .chain(
            payload::BOOL_FIELDS
                .iter()
                .map(|field| (field, FieldType::Bool)),
        );
    for (field, schema) in schemas {
        let index = CreateFieldIndexCollectionBuilder::new(collection, *field, schema).wait(true);
        client
            .create_field_index(index)
            .await
            .map_err(server_error)?;
    }
    Ok(())
}

/// Deletes `collection` if it exists.
pub(super) async fn delete_collection(client: &Qdrant, collection: &str) -> Result<(), IndexError> {
    if client
        .collection_exists(collection)
        .await
        .map_err(server_error)?
    {
        client
            .delete_collection(collection)
            .await
            .map_err(server_error)?;
    }
    Ok(())
}

/// The BM25 document of `text` in `locale`, as the server's inference expects it.
pub(super) fn bm25_document(text: String, locale: Option<&str>, avg_len: f64) -> Document {
    let options = HashMap::from([
        (
            "language".to_owned(),
            Value::from(bm25_language(locale).to_string()),
        ),
        ("avg_len".to_owned(), Value::from(avg_len)),
    ]);
    Document {
        text,
        model: BM25_MODEL.to_owned(),
        options,
    }
}

/// Writes `points` in batches, each applied before the call returns.
pub(super) async fn upsert(index: &ServerIndex, points: Vec<IndexPoint>) -> Result<(), IndexError> {
    let dims = index.layout.dense.as_ref().map(|d| d.dims);
    let mut batch = Vec::with_capacity(points.len().min(UPSERT_BATCH));
    let mut points = points.into_iter().peekable();
    while let Some(point) = points.next() {
        batch.push(server_point(point, dims, index.bm25.avg_len)?);
        if batch.len() == UPSERT_BATCH || points.peek().is_none() {
            let request =
                UpsertPointsBuilder::new(index.collection.as_ref(), std::mem::take(&mut batch))
                    .wait(true);
            index
                .client
                .upsert_points(request)
                .await
                .map_err(server_error)?;
        }
    }
    Ok(())
}

fn server_point(
    point: IndexPoint,
    dims: Option<usize>,
    avg_len: f64,
) -> Result<PointStruct, IndexError> {
    let IndexPoint { chunk, dense } = point;
    let mut vectors: HashMap<String, Vector> = HashMap::with_capacity(2);
    match (dims, dense) {
        (Some(dims), Some(dense)) if dense.len() == dims => {
            vectors.insert(DENSE_VECTOR.to_owned(), Vector::new_dense(dense));
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
    let document = bm25_document(chunk.keyword_text(), Some(&chunk.locale), avg_len);
    vectors.insert(BM25_VECTOR.to_owned(), Vector::from(document));
    let payload = Payload::from(payload::chunk_payload(&chunk)?);
    Ok(PointStruct::new(chunk.id.to_string(), vectors, payload))
}

/// Deletes points by id; unknown ids are ignored by the server.
pub(super) async fn delete(index: &ServerIndex, ids: &[ChunkId]) -> Result<(), IndexError> {
    for ids in ids.chunks(DELETE_BATCH) {
        let ids = PointsIdsList {
            ids: ids.iter().map(|id| PointId::from(id.to_string())).collect(),
        };
        let request = DeletePointsBuilder::new(index.collection.as_ref())
            .points(ids)
            .wait(true);
        index
            .client
            .delete_points(request)
            .await
            .map_err(server_error)?;
    }
    Ok(())
}

/// Lists every stored chunk, page by page, reading only the fields ingest compares.
pub(super) async fn stored(index: &ServerIndex) -> Result<Vec<StoredChunk>, IndexError> {
    let fields = PayloadIncludeSelector {
        fields: payload::STORED_FIELDS
            .iter()
            .map(|f| (*f).to_owned())
            .collect(),
    };
    let mut stored = Vec::new();
    let mut offset: Option<PointId> = None;
    loop {
        let mut request = ScrollPointsBuilder::new(index.collection.as_ref())
            .limit(SCROLL_PAGE)
            .with_payload(fields.clone())
            .with_vectors(false);
        if let Some(offset) = offset.take() {
            request = request.offset(offset);
        }
        let page = index.client.scroll(request).await.map_err(server_error)?;
        stored.reserve(page.result.len());
        for point in page.result {
            let id = chunk_id(point.id)?;
            let payload = point
                .payload
                .into_iter()
                .map(|(key, value)| (key, value.into_json()))
                .collect();
            stored.push(payload::stored_from_payload(id, &payload));
        }
        match page.next_page_offset {
            Some(next) => offset = Some(next),
            None => return Ok(stored),
        }
    }
}

/// The chunk id of a server point id (charla only writes UUIDs).
pub(super) fn chunk_id(id: Option<PointId>) -> Result<ChunkId, IndexError> {
    match id.and_then(|id| id.point_id_options) {
        Some(PointIdOptions::Uuid(text)) => text
            .parse()
            .map(ChunkId)
            .map_err(|err| IndexError::Engine(format!("point id `{text}` is not a UUID: {err}"))),
        Some(PointIdOptions::Num(n)) => Err(IndexError::Engine(format!(
            "point {n} was not written by charla"
        ))),
        None => Err(IndexError::Engine(
            "the server returned a point without an id".to_owned(),
        )),
    }
}
