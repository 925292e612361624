//! The read path of the edge index: an [`IndexQuery`] becomes one engine query (dense, BM25, or
//! both prefetched and fused with reciprocal rank fusion), filters become one engine filter that
//! applies to every prefetch, and scored points become [`Hit`]s with their full chunks.

use super::persist::{chunk_id, json_path};
use super::{BM25_VECTOR, DENSE_VECTOR, EdgeInner, engine_error, payload};
use crate::index::{Hit, IndexError, IndexQuery, SearchFilter, SearchMode};
use qdrant_edge::external::ordered_float::OrderedFloat;
use qdrant_edge::{
    Condition, CountRequest, FieldCondition, Filter, Fusion, JsonPath, Match, NamedQuery, Prefetch,
    QueryEnum, QueryRequest, Range, ScoredPoint, ScoringQuery, SparseVector, VectorInternal,
    WithPayloadInterface, WithVector,
};

/// Reciprocal rank fusion's `k`: the Qdrant server's default, so both backends rank alike.
pub(crate) const RRF_K: usize = 2;

/// How many candidates each retriever hands to the fusion for `limit` final hits.
pub(crate) fn prefetch_limit(limit: usize) -> usize {
    (limit * 4).max(50)
}

/// The payload keys filters use, parsed once.
#[derive(Debug)]
pub(crate) struct FilterPaths {
    kind: JsonPath,
    category: JsonPath,
    locale: JsonPath,
    price: JsonPath,
    in_stock: JsonPath,
    source: JsonPath,
}

impl FilterPaths {
    pub(crate) fn new() -> Result<Self, IndexError> {
        Ok(Self {
            kind: json_path(payload::KIND)?,
            category: json_path(payload::CATEGORY)?,
            locale: json_path(payload::LOCALE)?,
            price: json_path(payload::PRICE)?,
            in_stock: json_path(payload::IN_STOCK)?,
            source: json_path(payload::SOURCE)?,
        })
    }
}

/// Which retrievers a query actually runs once the index and the query have been looked at.
enum Plan {
    Dense(Vec<f32>),
    Sparse(SparseVector),
    Hybrid(Vec<f32>, SparseVector),
    /// Nothing can match: a query whose words are all stop words, without a vector.
    Nothing,
}

/// Builds the engine request for `query`; `None` when no point can match.
pub(crate) fn request(
    inner: &EdgeInner,
    query: &IndexQuery,
) -> Result<Option<QueryRequest>, IndexError> {
    if query.limit == 0 {
        return Ok(None);
    }
    let limit = query.limit;
    let (prefetches, scoring) = match plan(inner, query)? {
        Plan::Nothing => return Ok(None),
        Plan::Dense(dense) => (Vec::new(), dense_query(dense)),
        Plan::Sparse(sparse) => (Vec::new(), sparse_query(sparse)),
        Plan::Hybrid(dense, sparse) => {
            let candidates = prefetch_limit(limit);
            let prefetch = |query| Prefetch {
                prefetches: Vec::new(),
                query: Some(query),
                limit: candidates,
                params: None,
                filter: None,
                score_threshold: None,
            };
            let prefetches = vec![prefetch(dense_query(dense)), prefetch(sparse_query(sparse))];
            (
                prefetches,
                ScoringQuery::Fusion(Fusion::Rrf {
                    k: RRF_K,
                    weights: None,
                }),
            )
        }
    };
    Ok(Some(QueryRequest {
        prefetches,
        query: Some(scoring),
        filter: filter(&inner.paths, &query.filter),
        score_threshold: None,
        limit,
        offset: 0,
        params: None,
        with_vector: WithVector::Bool(false),
        with_payload: WithPayloadInterface::Bool(true),
    }))
}

fn plan(inner: &EdgeInner, query: &IndexQuery) -> Result<Plan, IndexError> {
    let dense = match (&inner.layout.dense, &query.dense) {
        (Some(layout), Some(vector)) if vector.len() == layout.dims => Some(vector.clone()),
        (Some(layout), Some(vector)) => {
            return Err(IndexError::Invalid(format!(
                "the query vector has {} dimensions; the index holds {}",
                vector.len(),
                layout.dims
            )));
        }
        (None, Some(_)) if query.mode == SearchMode::Dense => {
            return Err(IndexError::Invalid(
                "dense search on an index without dense vectors".to_owned(),
            ));
        }
        _ => None,
    };
    let sparse = || -> Result<Option<SparseVector>, IndexError> {
        let sparse = inner
            .bm25
            .embed_query(&query.text, query.locale.as_deref())?;
        // A query made only of stop words has no term: BM25 has nothing to say about it.
        Ok((!sparse.indices.is_empty()).then_some(sparse))
    };
    Ok(match query.mode {
        SearchMode::Dense => match dense {
            Some(dense) => Plan::Dense(dense),
            None => {
                let why = if inner.layout.dense.is_none() {
                    "the index has no dense vectors"
                } else {
                    "no query vector"
                };
                return Err(IndexError::Invalid(format!(
                    "dense search needs a query vector: {why}"
                )));
            }
        },
        SearchMode::Sparse => sparse()?.map_or(Plan::Nothing, Plan::Sparse),
        SearchMode::Hybrid => match (dense, sparse()?) {
            (Some(dense), Some(sparse)) => Plan::Hybrid(dense, sparse),
            (Some(dense), None) => Plan::Dense(dense),
            (None, Some(sparse)) => Plan::Sparse(sparse),
            (None, None) => Plan::Nothing,
        },
    })
}

fn dense_query(vector: Vec<f32>) -> ScoringQuery {
    ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery::new(
        VectorInternal::Dense(vector),
        DENSE_VECTOR,
    )))
}

fn sparse_query(vector: SparseVector) -> ScoringQuery {
    ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery::new(
        VectorInternal::Sparse(vector),
        BM25_VECTOR,
    )))
}

/// The engine filter of `filter`; `None` when it filters nothing.
pub(crate) fn filter(paths: &FilterPaths, filter: &SearchFilter) -> Option<Filter> {
    let mut must = Vec::new();
    let mut matches = |path: &JsonPath, value: Match| {
        must.push(Condition::Field(FieldCondition::new_match(
            path.clone(),
            value,
        )));
    };
    if !filter.kinds.is_empty() {
        let kinds = filter
            .kinds
            .iter()
            .map(|kind| kind.as_str().to_owned())
            .collect::<Vec<_>>();
        matches(&paths.kind, Match::from(kinds));
    }
    if let Some(category) = &filter.category {
        matches(&paths.category, Match::from(category.to_lowercase()));
    }
    if let Some(locale) = &filter.locale {
        matches(&paths.locale, Match::from(locale.clone()));
    }
    if filter.in_stock {
        matches(&paths.in_stock, Match::from(true));
    }
    if let Some(source) = &filter.source {
        matches(&paths.source, Match::from(source.clone()));
    }
    if filter.min_price.is_some() || filter.max_price.is_some() {
        let range = Range {
            gte: filter.min_price.map(OrderedFloat),
            lte: filter.max_price.map(OrderedFloat),
            lt: None,
            gt: None,
        };
        must.push(Condition::Field(FieldCondition::new_range(
            paths.price.clone(),
            range,
        )));
    }
    (!must.is_empty()).then(|| Filter {
        must: Some(must),
        ..Filter::default()
    })
}

/// Runs `request` and rebuilds each hit's chunk from its payload.
pub(crate) fn run(inner: &EdgeInner, request: QueryRequest) -> Result<Vec<Hit>, IndexError> {
    let points = inner.shard.query(request).map_err(engine_error)?;
    points.into_iter().map(hit).collect()
}

fn hit(point: ScoredPoint) -> Result<Hit, IndexError> {
    let id = chunk_id(point.id)?;
    let payload = point
        .payload
        .ok_or_else(|| IndexError::Engine(format!("point {id} came back without its payload")))?;
    Ok(Hit {
        chunk: payload::chunk_from_payload(payload.0)?,
        score: point.score,
    })
}

/// How many points are stored.
pub(crate) fn count(inner: &EdgeInner) -> Result<usize, IndexError> {
    inner
        .shard
        .count(CountRequest {
            filter: None,
            exact: true,
        })
        .map_err(engine_error)
}
