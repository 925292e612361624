//! The read path of the server index: the same query semantics as the edge index (dense, BM25,
//! or both prefetched and fused with reciprocal rank fusion; one filter for every prefetch),
//! expressed as one Query API request.

use super::persist::{bm25_document, chunk_id};
use super::{ServerIndex, server_error};
use crate::index::edge::{BM25_VECTOR, DENSE_VECTOR, payload, prefetch_limit};
use crate::index::{Hit, IndexError, IndexQuery, SearchFilter, SearchMode};
use qdrant_client::qdrant::{
    Condition, CountPointsBuilder, Filter, Fusion, PrefetchQueryBuilder, Query, QueryPointsBuilder,
    Range, ScoredPoint,
};

/// Which retrievers a query actually runs.
enum Plan {
    Dense(Vec<f32>),
    Sparse,
    Hybrid(Vec<f32>),
    Nothing,
}

fn plan(index: &ServerIndex, query: &IndexQuery) -> Result<Plan, IndexError> {
    if query.limit == 0 {
        return Ok(Plan::Nothing);
    }
    let dense = match (&index.layout.dense, &query.dense) {
        (Some(layout), Some(vector)) if vector.len() == layout.dims => Some(vector.clone()),
        (Some(layout), Some(vector)) => {
            return Err(IndexError::Invalid(format!(
                "the query vector has {} dimensions; the index holds {}",
                vector.len(),
                layout.dims
            )));
        }
        _ => None,
    };
    // The server would embed the text itself; the local twin of its model only tells whether
    // any term survives stop-word removal, so an empty BM25 query is never sent.
    let has_terms = || -> Result<bool, IndexError> {
        Ok(!index
            .bm25
            .terms
            .embed_query(&query.text, query.locale.as_deref())?
            .indices
            .is_empty())
    };
    Ok(match query.mode {
        SearchMode::Dense => match dense {
            Some(dense) => Plan::Dense(dense),
            None => {
                let why = if index.layout.dense.is_none() {
                    "the index has no dense vectors"
                } else {
                    "no query vector"
                };
                return Err(IndexError::Invalid(format!(
                    "dense search needs a query vector: {why}"
                )));
            }
        },
        SearchMode::Sparse if has_terms()? => Plan::Sparse,
        SearchMode::Sparse => Plan::Nothing,
        SearchMode::Hybrid => match (dense, has_terms()?) {
            (Some(dense), true) => Plan::Hybrid(dense),
            (Some(dense), false) => Plan::Dense(dense),
            (None, true) => Plan::Sparse,
            (None, false) => Plan::Nothing,
        },
    })
}

/// Runs `query` against the collection.
pub(super) async fn query(index: &ServerIndex, query: &IndexQuery) -> Result<Vec<Hit>, IndexError> {
    let bm25 = || {
        Query::new_nearest(bm25_document(
            query.text.clone(),
            query.locale.as_deref(),
            index.bm25.avg_len,
        ))
    };
    let limit = query.limit as u64;
    let mut request = QueryPointsBuilder::new(index.collection.as_ref())
        .limit(limit)
        .with_payload(true);
    request = match plan(index, query)? {
        Plan::Nothing => return Ok(Vec::new()),
        Plan::Dense(dense) => request.query(Query::new_nearest(dense)).using(DENSE_VECTOR),
        Plan::Sparse => request.query(bm25()).using(BM25_VECTOR),
        Plan::Hybrid(dense) => {
            let candidates = prefetch_limit(query.limit) as u64;
            request
                .add_prefetch(
                    PrefetchQueryBuilder::default()
                        .query(Query::new_nearest(dense))
                        .using(DENSE_VECTOR)
                        .limit(candidates),
                )
                .add_prefetch(
                    PrefetchQueryBuilder::default()
                        .query(bm25())
                        .using(BM25_VECTOR)
                        .limit(candidates),
                )
                // The server's RRF uses k = 2, the edge index's `RRF_K`.
                .query(Query::new_fusion(Fusion::Rrf))
        }
    };
    if let Some(filter) = filter(&query.filter) {
        request = request.filter(filter);
    }
    let response = index.client.query(request).await.map_err(server_error)?;
    response.result.into_iter().map(hit).collect()
}

/// The server filter of `filter`; `None` when it filters nothing.
pub(super) fn filter(filter: &SearchFilter) -> Option<Filter> {
    let mut must = Vec::new();
    if !filter.kinds.is_empty() {
        let kinds = filter
            .kinds
            .iter()
            .map(|kind| kind.as_str().to_owned())
            .collect::<Vec<_>>();
        must.push(Condition::matches(payload::KIND, kinds));
    }
    if let Some(category) = &filter.category {
        must.push(Condition::matches(
            payload::CATEGORY,
            category.to_lowercase(),
        ));
    }
    if let Some(locale) = &filter.locale {
        must.push(Condition::matches(payload::LOCALE, locale.clone()));
    }
    if filter.in_stock {
        must.push(Condition::matches(payload::IN_STOCK, true));
    }
    if let Some(source) = &filter.source {
        must.push(Condition::matches(payload::SOURCE, source.clone()));
    }
    if filter.min_price.is_some() || filter.max_price.is_some() {
        let range = Range {
            gte: filter.min_price,
            lte: filter.max_price,
            ..Range::default()
        };
        must.push(Condition::range(payload::PRICE, range));
    }
    (!must.is_empty()).then(|| Filter::must(must))
}

fn hit(point: ScoredPoint) -> Result<Hit, IndexError> {
    let id = chunk_id(point.id)?;
    let payload = point
        .payload
        .into_iter()
        .map(|(key, value)| (key, value.into_json()))
        .collect();
    let chunk = payload::chunk_from_payload(payload)
        .map_err(|err| IndexError::Engine(format!("point {id}: {err}")))?;
    Ok(Hit {
        chunk,
        score: point.score,
    })
}

/// How many points the collection holds.
pub(super) async fn count(index: &ServerIndex) -> Result<usize, IndexError> {
    let request = CountPointsBuilder::new(index.collection.as_ref()).exact(true);
    let response = index.client.count(request).await.map_err(server_error)?;
    let count = response.result.map(|r| r.count).unwrap_or_default();
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}
