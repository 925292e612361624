//! The behaviour every [`VectorIndex`] backend must show, as plain async functions over a
//! [`Backend`] (something that opens a named index with a layout). `tests/index_edge.rs` and
//! `tests/index_server.rs` run the whole list through [`conformance_tests!`].
//!
//! The data is handmade: 8-dimensional unit vectors (no embedding model needed) and a small
//! catalog, FAQ and policy whose words make the BM25 expectations obvious.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use async_trait::async_trait;
use charla_knowledge::index::{
    DenseLayout, Hit, IndexError, IndexLayout, IndexPoint, IndexQuery, SearchFilter, SearchMode,
    StoredChunk,
};
use charla_knowledge::{Chunk, ChunkId, Kind, VectorIndex};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The dimension of the handmade vectors.
pub const DIMS: usize = 8;

/// Opens indexes for the suite.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Opens the index called `name`, creating it with `layout` when it does not exist. The same
    /// name opened again (after the previous handle is dropped) is the same index.
    async fn open(
        &self,
        name: &str,
        layout: IndexLayout,
    ) -> Result<Arc<dyn VectorIndex>, IndexError>;
}

/// Generates one `#[tokio::test]` per suite function; `$backend` is an async function returning
/// `Option<impl Backend>` (`None` skips the test). Use it after `#[macro_use] mod
/// index_conformance;`.
macro_rules! conformance_tests {
    ($backend:path) => {
        conformance_tests!(@tests $backend;
            keyword_query_finds_the_chunk_that_contains_it,
            keyword_query_in_spanish_matches_other_forms_of_the_word,
            keyword_query_finds_a_product_by_its_sku,
            dense_query_finds_the_nearest_vector,
            hybrid_query_ranks_first_the_chunk_strong_in_both_retrievers,
            hybrid_query_without_a_vector_falls_back_to_keywords,
            bm25_only_index_answers_with_keywords_and_refuses_vectors,
            hits_carry_the_whole_stored_chunk,
            kind_filter_keeps_only_those_kinds,
            category_filter_ignores_case,
            locale_filter_keeps_only_that_language,
            price_range_filter_is_inclusive_at_both_ends,
            in_stock_filter_drops_products_out_of_stock,
            source_filter_keeps_only_that_source,
            filters_combine_and_apply_to_every_mode,
            upsert_with_an_existing_id_replaces_the_chunk,
            delete_removes_chunks_and_ignores_unknown_ids,
            stored_lists_every_chunk_with_its_hash,
            stored_pages_through_thousands_of_chunks,
            data_survives_closing_and_reopening,
            opening_with_another_layout_is_incompatible,
            query_returns_at_most_limit_hits,
            empty_index_query_returns_no_hits,
            vector_of_the_wrong_size_is_rejected,
            optimize_keeps_every_chunk_searchable,
            concurrent_queries_and_writes_succeed,
        );
    };
    (@tests $backend:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(backend) = $backend().await else { return };
                index_conformance::$name(&backend).await;
            }
        )*
    };
}

/// The layout of the suite: 8-dimensional dense vectors and BM25.
pub fn dense_layout() -> IndexLayout {
    IndexLayout {
        dense: Some(DenseLayout {
            model: "conformance-unit-vectors".into(),
            dims: DIMS,
        }),
    }
}

/// A layout without dense vectors.
pub fn bm25_layout() -> IndexLayout {
    IndexLayout { dense: None }
}

/// The unit vector along axis `axis`.
pub fn axis(axis: usize) -> Vec<f32> {
    let mut v = vec![0.0; DIMS];
    v[axis] = 1.0;
    v
}

/// A unit vector at cosine `cos` from axis 0, leaning towards axis `towards`.
pub fn at_cosine(cos: f32, towards: usize) -> Vec<f32> {
    let mut v = vec![0.0; DIMS];
    v[0] = cos;
    v[towards] = (1.0 - cos * cos).sqrt();
    v
}

/// A chunk with the given identity and text; fields from a JSON object.
pub fn chunk(
    source: &str,
    key: &str,
    kind: Kind,
    locale: &str,
    title: &str,
    text: &str,
    fields: Value,
) -> Chunk {
    let fields: Map<String, Value> = fields.as_object().cloned().unwrap_or_default();
    Chunk {
        id: ChunkId::derive(source, key, 0),
        kind,
        source: source.into(),
        origin: format!("/data/{source}"),
        title: title.into(),
        text: text.into(),
        locale: locale.into(),
        fields,
        hash: format!("hash-of-{key}-v1"),
    }
}

/// The shop of the suite, each chunk with its own axis as dense vector.
pub struct Shop {
    pub boots: Chunk,
    pub sandals: Chunk,
    pub jacket: Chunk,
    pub returns: Chunk,
    pub shipping: Chunk,
    pub zapatos: Chunk,
}

impl Shop {
    pub fn new() -> Self {
        Self {
            boots: chunk(
                "catalog.csv",
                "B-1",
                Kind::Catalog,
                "en",
                "Hiking boots",
                "Waterproof leather hiking boots with a rubber sole.",
                json!({ "sku": "B-1", "category": "Footwear", "price": 89.5, "in_stock": true }),
            ),
            sandals: chunk(
                "catalog.csv",
                "S-2",
                Kind::Catalog,
                "en",
                "Beach sandals",
                "Light summer sandals for the beach.",
                json!({ "sku": "S-2", "category": "footwear", "price": 25.0, "in_stock": false }),
            ),
            jacket: chunk(
                "catalog.csv",
                "J-3",
                Kind::Catalog,
                "en",
                "Winter jacket",
                "Insulated winter jacket with a detachable hood.",
                json!({ "sku": "J-3", "category": "Outerwear", "price": 150.0, "in_stock": true }),
            ),
            returns: chunk(
                "faq.md",
                "How do I return an order?",
                Kind::Faq,
                "en",
                "How do I return an order?",
                "Any item can be returned within 30 days for a full refund.",
                json!({}),
            ),
            shipping: chunk(
                "policies/shipping.md",
                "Shipping",
                Kind::Policy,
                "en",
                "Shipping",
                "We ship to Spain, Portugal and Italy within five working days.",
                json!({}),
            ),
            zapatos: chunk(
                "catalogo.csv",
                "Z-4",
                Kind::Catalog,
                "es",
                "Zapatos de montaña",
                "Zapatos de cuero impermeables para caminar por la montaña.",
                json!({ "sku": "Z-4", "category": "Calzado", "price": 60.0, "in_stock": true }),
            ),
        }
    }

    pub fn chunks(&self) -> [&Chunk; 6] {
        [
            &self.boots,
            &self.sandals,
            &self.jacket,
            &self.returns,
            &self.shipping,
            &self.zapatos,
        ]
    }

    pub fn points(&self) -> Vec<IndexPoint> {
        self.chunks()
            .into_iter()
            .enumerate()
            .map(|(i, chunk)| IndexPoint {
                chunk: chunk.clone(),
                dense: Some(axis(i)),
            })
            .collect()
    }

    pub fn bm25_points(&self) -> Vec<IndexPoint> {
        self.chunks()
            .into_iter()
            .map(|chunk| IndexPoint {
                chunk: chunk.clone(),
                dense: None,
            })
            .collect()
    }
}

/// Opens `name` with the dense layout and fills it with the shop.
pub async fn shop_index(backend: &dyn Backend, name: &str) -> (Arc<dyn VectorIndex>, Shop) {
    let index = backend.open(name, dense_layout()).await.expect("open");
    let shop = Shop::new();
    index.upsert(shop.points()).await.expect("upsert");
    (index, shop)
}

/// A query with everything but the text at its default.
pub fn text_query(text: &str, mode: SearchMode) -> IndexQuery {
    IndexQuery {
        text: text.into(),
        locale: None,
        dense: None,
        mode,
        filter: SearchFilter::default(),
        limit: 10,
    }
}

/// A dense query that ranks every chunk (all have vectors): what a filter keeps shows exactly.
pub fn everything(filter: SearchFilter) -> IndexQuery {
    IndexQuery {
        dense: Some(vec![0.35; DIMS]),
        filter,
        ..text_query("", SearchMode::Dense)
    }
}

pub fn titles(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|hit| hit.chunk.title.clone()).collect()
}

pub fn title_set(hits: &[Hit]) -> BTreeSet<String> {
    hits.iter().map(|hit| hit.chunk.title.clone()).collect()
}

pub fn set(titles: &[&str]) -> BTreeSet<String> {
    titles.iter().map(|t| (*t).to_owned()).collect()
}

async fn filtered(index: &dyn VectorIndex, filter: SearchFilter) -> BTreeSet<String> {
    title_set(
        &index
            .query(&everything(filter))
            .await
            .expect("filtered query"),
    )
}

// ---------------------------------------------------------------------------------------------
// Retrieval

pub async fn keyword_query_finds_the_chunk_that_contains_it(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "keyword").await;
    let hits = index
        .query(&text_query("jacket with a hood", SearchMode::Sparse))
        .await
        .unwrap();
    assert_eq!(
        titles(&hits).first().map(String::as_str),
        Some("Winter jacket"),
        "{:?}",
        titles(&hits)
    );
    assert!(hits[0].score > 0.0);
    let hits = index
        .query(&text_query("refund", SearchMode::Sparse))
        .await
        .unwrap();
    assert_eq!(
        titles(&hits),
        ["How do I return an order?"],
        "only the FAQ mentions refunds"
    );
}

pub async fn keyword_query_finds_a_product_by_its_sku(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "sku").await;
    // The SKU is only a field: its description never mentions it.
    let ebike = chunk(
        "catalog.csv",
        "VC-2210",
        Kind::Catalog,
        "en",
        "Urbana E",
        "City e-bike with a 500 Wh removable battery.",
        json!({ "sku": "VC-2210", "category": "E-bikes", "price": 2699.0, "in_stock": true }),
    );
    index
        .upsert(vec![IndexPoint {
            chunk: ebike,
            dense: Some(axis(7)),
        }])
        .await
        .unwrap();
    for query in ["VC-2210", "do you have vc-2210 in stock?"] {
        let hits = index
            .query(&text_query(query, SearchMode::Sparse))
            .await
            .unwrap();
        assert_eq!(
            titles(&hits).first().map(String::as_str),
            Some("Urbana E"),
            "{query}: {:?}",
            titles(&hits)
        );
    }
}

pub async fn keyword_query_in_spanish_matches_other_forms_of_the_word(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "spanish").await;
    // "zapato" and "impermeable" are stored as "zapatos" and "impermeables": only a Spanish
    // stemmer on both sides makes them meet.
    let mut query = text_query("zapato impermeable", SearchMode::Sparse);
    query.locale = Some("es".into());
    let hits = index.query(&query).await.unwrap();
    assert_eq!(
        titles(&hits).first().map(String::as_str),
        Some("Zapatos de montaña"),
        "{:?}",
        titles(&hits)
    );
}

pub async fn dense_query_finds_the_nearest_vector(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "dense").await;
    // Closest to the jacket's axis (2), then the FAQ's (3).
    let mut near = vec![0.0; DIMS];
    near[2] = 0.9;
    near[3] = 0.4;
    let query = IndexQuery {
        dense: Some(near),
        ..text_query("", SearchMode::Dense)
    };
    let hits = index.query(&query).await.unwrap();
    assert_eq!(
        titles(&hits)[..2],
        ["Winter jacket", "How do I return an order?"]
    );
    assert!(hits[0].score > hits[1].score);
    assert!(
        hits[0].score <= 1.0 + 1e-4,
        "cosine similarity, got {}",
        hits[0].score
    );
}

pub async fn hybrid_query_ranks_first_the_chunk_strong_in_both_retrievers(backend: &dyn Backend) {
    let index = backend.open("hybrid", dense_layout()).await.unwrap();
    let doc = |key: &str, text: &str, dense: Vec<f32>| IndexPoint {
        chunk: chunk("hybrid.csv", key, Kind::Catalog, "en", key, text, json!({})),
        dense: Some(dense),
    };
    index
        .upsert(vec![
            // First for BM25 (both words, repeated), last for the vectors.
            doc(
                "keyword-best",
                "Rain boots: rubber rain boots for the rain.",
                axis(7),
            ),
            // Second for both.
            doc("both-good", "Leather boots.", at_cosine(0.8, 1)),
            // First for the vectors, absent from BM25.
            doc("vector-best", "A silk scarf.", axis(0)),
            doc("filler-1", "A wool hat.", at_cosine(0.6, 2)),
            doc("filler-2", "A cotton shirt.", at_cosine(0.4, 3)),
            doc("filler-3", "A linen towel.", at_cosine(0.2, 4)),
        ])
        .await
        .unwrap();
    let query = IndexQuery {
        dense: Some(axis(0)),
        ..text_query("rain boots", SearchMode::Hybrid)
    };
    let hybrid = index.query(&query).await.unwrap();
    let dense = index
        .query(&IndexQuery {
            mode: SearchMode::Dense,
            ..query.clone()
        })
        .await
        .unwrap();
    let sparse = index
        .query(&IndexQuery {
            mode: SearchMode::Sparse,
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(titles(&dense)[0], "vector-best");
    assert_eq!(titles(&sparse)[..2], ["keyword-best", "both-good"]);
    assert_eq!(
        titles(&hybrid)[0],
        "both-good",
        "fused ranking: {:?}",
        titles(&hybrid)
    );
    assert_eq!(
        title_set(&hybrid).len(),
        6,
        "the fusion keeps candidates of both retrievers"
    );
}

pub async fn hybrid_query_without_a_vector_falls_back_to_keywords(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "fallback").await;
    let hits = index
        .query(&text_query("sandals for the beach", SearchMode::Hybrid))
        .await
        .unwrap();
    assert_eq!(titles(&hits), ["Beach sandals"]);
}

pub async fn bm25_only_index_answers_with_keywords_and_refuses_vectors(backend: &dyn Backend) {
    let index = backend.open("bm25-only", bm25_layout()).await.unwrap();
    assert_eq!(index.layout(), &bm25_layout());
    let shop = Shop::new();
    let with_vector = IndexPoint {
        chunk: shop.boots.clone(),
        dense: Some(axis(0)),
    };
    assert!(matches!(
        index.upsert(vec![with_vector]).await,
        Err(IndexError::Invalid(_))
    ));
    index.upsert(shop.bm25_points()).await.unwrap();
    // A vector given to a hybrid query is ignored: the index has none to compare it with.
    let query = IndexQuery {
        dense: Some(axis(0)),
        ..text_query("winter jacket", SearchMode::Hybrid)
    };
    assert_eq!(
        titles(&index.query(&query).await.unwrap())[0],
        "Winter jacket"
    );
    let dense = IndexQuery {
        mode: SearchMode::Dense,
        ..query
    };
    assert!(matches!(
        index.query(&dense).await,
        Err(IndexError::Invalid(_))
    ));
}

pub async fn hits_carry_the_whole_stored_chunk(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "whole-chunk").await;
    let hits = index
        .query(&text_query("hiking boots", SearchMode::Sparse))
        .await
        .unwrap();
    assert_eq!(hits[0].chunk, shop.boots);
    let query = IndexQuery {
        locale: Some("es".into()),
        ..text_query("montaña", SearchMode::Sparse)
    };
    assert_eq!(index.query(&query).await.unwrap()[0].chunk, shop.zapatos);
}

// ---------------------------------------------------------------------------------------------
// Filters

pub async fn kind_filter_keeps_only_those_kinds(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "filter-kind").await;
    let kept = filtered(
        &*index,
        SearchFilter {
            kinds: vec![Kind::Faq, Kind::Policy],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kept, set(&["How do I return an order?", "Shipping"]));
    let kept = filtered(
        &*index,
        SearchFilter {
            kinds: vec![Kind::Catalog],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        kept,
        set(&[
            "Hiking boots",
            "Beach sandals",
            "Winter jacket",
            "Zapatos de montaña"
        ])
    );
}

pub async fn category_filter_ignores_case(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "filter-category").await;
    let kept = filtered(
        &*index,
        SearchFilter {
            category: Some("FOOTWEAR".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kept, set(&["Hiking boots", "Beach sandals"]));
}

pub async fn locale_filter_keeps_only_that_language(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "filter-locale").await;
    let kept = filtered(
        &*index,
        SearchFilter {
            locale: Some("es".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kept, set(&["Zapatos de montaña"]));
}

pub async fn price_range_filter_is_inclusive_at_both_ends(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "filter-price").await;
    let range = |min: Option<f64>, max: Option<f64>| SearchFilter {
        min_price: min,
        max_price: max,
        ..Default::default()
    };
    assert_eq!(
        filtered(&*index, range(Some(60.0), Some(89.5))).await,
        set(&["Hiking boots", "Zapatos de montaña"])
    );
    assert_eq!(
        filtered(&*index, range(Some(100.0), None)).await,
        set(&["Winter jacket"])
    );
    assert_eq!(
        filtered(&*index, range(None, Some(25.0))).await,
        set(&["Beach sandals"])
    );
    assert!(filtered(&*index, range(Some(151.0), None)).await.is_empty());
}

pub async fn in_stock_filter_drops_products_out_of_stock(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "filter-stock").await;
    let kept = filtered(
        &*index,
        SearchFilter {
            in_stock: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        kept,
        set(&["Hiking boots", "Winter jacket", "Zapatos de montaña"])
    );
}

pub async fn source_filter_keeps_only_that_source(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "filter-source").await;
    let kept = filtered(
        &*index,
        SearchFilter {
            source: Some("faq.md".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kept, set(&["How do I return an order?"]));
    let kept = filtered(
        &*index,
        SearchFilter {
            source: Some("catalog.csv".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        kept,
        set(&["Hiking boots", "Beach sandals", "Winter jacket"])
    );
}

pub async fn filters_combine_and_apply_to_every_mode(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "filter-combined").await;
    let filter = SearchFilter {
        kinds: vec![Kind::Catalog],
        in_stock: true,
        max_price: Some(100.0),
        ..Default::default()
    };
    assert_eq!(
        filtered(&*index, filter.clone()).await,
        set(&["Hiking boots", "Zapatos de montaña"])
    );
    // "boots" and "sandals" both match the words; only the boots pass the filter, in every mode.
    for mode in [SearchMode::Sparse, SearchMode::Hybrid] {
        let query = IndexQuery {
            dense: Some(axis(1)),
            filter: filter.clone(),
            ..text_query("boots sandals", mode)
        };
        assert_eq!(
            titles(&index.query(&query).await.unwrap())
                .first()
                .map(String::as_str),
            Some("Hiking boots")
        );
        assert!(
            !titles(&index.query(&query).await.unwrap()).contains(&"Beach sandals".to_owned()),
            "{mode:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

pub async fn upsert_with_an_existing_id_replaces_the_chunk(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "replace").await;
    assert_eq!(index.count().await.unwrap(), 6);
    let mut boots = shop.boots.clone();
    boots.text = "Waterproof leather hiking boots, now in cobalt blue.".into();
    boots.hash = "hash-of-B-1-v2".into();
    index
        .upsert(vec![IndexPoint {
            chunk: boots.clone(),
            dense: Some(axis(0)),
        }])
        .await
        .unwrap();
    assert_eq!(index.count().await.unwrap(), 6);
    let hits = index
        .query(&text_query("cobalt", SearchMode::Sparse))
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].chunk, boots);
    let rubber = index
        .query(&text_query("rubber sole", SearchMode::Sparse))
        .await
        .unwrap();
    assert!(
        rubber.is_empty(),
        "the old text is gone: {:?}",
        titles(&rubber)
    );
    let stored = index.stored().await.unwrap();
    assert!(
        stored
            .iter()
            .any(|s| s.id == boots.id && s.hash == "hash-of-B-1-v2")
    );
}

pub async fn delete_removes_chunks_and_ignores_unknown_ids(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "delete").await;
    let unknown = ChunkId::derive("nowhere.csv", "nothing", 0);
    index.delete(&[shop.boots.id, unknown]).await.unwrap();
    assert_eq!(index.count().await.unwrap(), 5);
    let hits = index
        .query(&text_query("hiking boots", SearchMode::Sparse))
        .await
        .unwrap();
    assert!(!titles(&hits).contains(&"Hiking boots".to_owned()));
    index.delete(&[unknown]).await.unwrap();
    index.delete(&[]).await.unwrap();
    assert_eq!(index.count().await.unwrap(), 5);
}

pub async fn stored_lists_every_chunk_with_its_hash(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "stored").await;
    let mut stored = index.stored().await.unwrap();
    stored.sort_by_key(|s| s.id);
    let mut expected: Vec<StoredChunk> = shop
        .chunks()
        .into_iter()
        .map(|c| StoredChunk {
            id: c.id,
            source: c.source.clone(),
            origin: c.origin.clone(),
            hash: c.hash.clone(),
        })
        .collect();
    expected.sort_by_key(|s| s.id);
    assert_eq!(stored, expected);
}

pub async fn stored_pages_through_thousands_of_chunks(backend: &dyn Backend) {
    let index = backend.open("stored-pages", bm25_layout()).await.unwrap();
    let total = 5_000;
    let points: Vec<IndexPoint> = (0..total)
        .map(|i| {
            let text = format!("Product number {i}");
            IndexPoint {
                chunk: chunk(
                    "bulk.csv",
                    &i.to_string(),
                    Kind::Catalog,
                    "en",
                    "",
                    &text,
                    json!({}),
                ),
                dense: None,
            }
        })
        .collect();
    for batch in points.chunks(1_000) {
        index.upsert(batch.to_vec()).await.unwrap();
    }
    let stored = index.stored().await.unwrap();
    assert_eq!(stored.len(), total);
    let ids: BTreeSet<ChunkId> = stored.iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), total, "no chunk listed twice");
    assert!(
        stored
            .iter()
            .all(|s| s.source == "bulk.csv" && s.hash.starts_with("hash-of-"))
    );
    assert_eq!(index.count().await.unwrap(), total);
}

pub async fn data_survives_closing_and_reopening(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "reopen").await;
    drop(index);
    let index = backend.open("reopen", dense_layout()).await.unwrap();
    assert_eq!(index.count().await.unwrap(), 6);
    assert_eq!(index.layout(), &dense_layout());
    let hits = index
        .query(&text_query("insulated jacket", SearchMode::Sparse))
        .await
        .unwrap();
    assert_eq!(hits[0].chunk, shop.jacket);
    let query = IndexQuery {
        dense: Some(axis(4)),
        ..text_query("", SearchMode::Dense)
    };
    assert_eq!(index.query(&query).await.unwrap()[0].chunk, shop.shipping);
}

pub async fn opening_with_another_layout_is_incompatible(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "layout").await;
    drop(index);
    let bigger = IndexLayout {
        dense: Some(DenseLayout {
            model: "conformance-unit-vectors".into(),
            dims: 16,
        }),
    };
    let other_model = IndexLayout {
        dense: Some(DenseLayout {
            model: "another-model".into(),
            dims: DIMS,
        }),
    };
    for layout in [bigger, other_model, bm25_layout()] {
        match backend.open("layout", layout.clone()).await {
            Err(IndexError::Incompatible { .. }) => {}
            Err(other) => panic!("{layout}: expected Incompatible, got {other}"),
            Ok(_) => panic!("{layout}: opened an index built for {}", dense_layout()),
        }
    }
    // The refusal left the index as it was.
    let index = backend.open("layout", dense_layout()).await.unwrap();
    assert_eq!(index.count().await.unwrap(), 6);
}

pub async fn query_returns_at_most_limit_hits(backend: &dyn Backend) {
    let (index, _) = shop_index(backend, "limit").await;
    for mode in [SearchMode::Dense, SearchMode::Hybrid] {
        let query = IndexQuery {
            limit: 2,
            ..everything(SearchFilter::default())
        };
        let query = IndexQuery {
            mode,
            text: "boots sandals jacket refund ship zapatos".into(),
            ..query
        };
        assert_eq!(index.query(&query).await.unwrap().len(), 2, "{mode:?}");
    }
    let none = IndexQuery {
        limit: 0,
        ..everything(SearchFilter::default())
    };
    assert!(index.query(&none).await.unwrap().is_empty());
    let all = IndexQuery {
        limit: 100,
        ..everything(SearchFilter::default())
    };
    assert_eq!(index.query(&all).await.unwrap().len(), 6);
}

pub async fn empty_index_query_returns_no_hits(backend: &dyn Backend) {
    let index = backend.open("empty", dense_layout()).await.unwrap();
    assert_eq!(index.count().await.unwrap(), 0);
    assert!(index.stored().await.unwrap().is_empty());
    for mode in [SearchMode::Hybrid, SearchMode::Dense, SearchMode::Sparse] {
        let query = IndexQuery {
            dense: Some(axis(0)),
            ..text_query("boots", mode)
        };
        assert!(index.query(&query).await.unwrap().is_empty(), "{mode:?}");
    }
    // Only stop words: nothing for BM25 to look for.
    assert!(
        index
            .query(&text_query("the and of", SearchMode::Sparse))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn vector_of_the_wrong_size_is_rejected(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "wrong-size").await;
    let short = IndexPoint {
        chunk: shop.boots.clone(),
        dense: Some(vec![1.0; DIMS - 1]),
    };
    assert!(matches!(
        index.upsert(vec![short]).await,
        Err(IndexError::Invalid(_))
    ));
    let missing = IndexPoint {
        chunk: shop.boots.clone(),
        dense: None,
    };
    assert!(matches!(
        index.upsert(vec![missing]).await,
        Err(IndexError::Invalid(_))
    ));
    let query = IndexQuery {
        dense: Some(vec![1.0; DIMS + 1]),
        ..text_query("boots", SearchMode::Hybrid)
    };
    assert!(matches!(
        index.query(&query).await,
        Err(IndexError::Invalid(_))
    ));
    assert_eq!(
        index.count().await.unwrap(),
        6,
        "a rejected batch writes nothing"
    );
}

pub async fn optimize_keeps_every_chunk_searchable(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "optimize").await;
    index.delete(&[shop.sandals.id]).await.unwrap();
    index.optimize().await.unwrap();
    assert_eq!(index.count().await.unwrap(), 5);
    let hits = index
        .query(&text_query("shipping to Portugal", SearchMode::Sparse))
        .await
        .unwrap();
    assert_eq!(hits[0].chunk, shop.shipping);
    let query = IndexQuery {
        dense: Some(axis(5)),
        ..text_query("zapatos", SearchMode::Hybrid)
    };
    assert_eq!(index.query(&query).await.unwrap()[0].chunk, shop.zapatos);
}

pub async fn concurrent_queries_and_writes_succeed(backend: &dyn Backend) {
    let (index, shop) = shop_index(backend, "concurrent").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let index = Arc::clone(&index);
        let boots = shop.boots.clone();
        tasks.spawn(async move {
            if i % 4 == 0 {
                let mut chunk = boots;
                chunk.hash = format!("hash-of-B-1-rewrite-{i}");
                index
                    .upsert(vec![IndexPoint {
                        chunk,
                        dense: Some(axis(0)),
                    }])
                    .await
                    .map(|()| 0)
            } else {
                let query = IndexQuery {
                    dense: Some(axis(2)),
                    ..text_query("winter jacket", SearchMode::Hybrid)
                };
                index.query(&query).await.map(|hits| hits.len())
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task").expect("index call");
    }
    assert_eq!(index.count().await.unwrap(), 6);
}
