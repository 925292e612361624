//! The conformance suite against [`EdgeIndex`] (qdrant-edge in process, in a temporary
//! folder), plus what only the edge index has: its folder on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod index_conformance;

use async_trait::async_trait;
use charla_knowledge::VectorIndex;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::index::{IndexError, IndexLayout, IndexReader, IndexWriter, SearchMode};
use index_conformance::{Backend, Shop, bm25_layout, dense_layout, text_query};
use std::sync::Arc;
use tempfile::TempDir;

/// Edge indexes in subfolders of one temporary folder.
struct EdgeBackend {
    root: TempDir,
}

#[async_trait]
impl Backend for EdgeBackend {
    async fn open(
        &self,
        name: &str,
        layout: IndexLayout,
    ) -> Result<Arc<dyn VectorIndex>, IndexError> {
        Ok(Arc::new(EdgeIndex::open(
            &self.root.path().join(name),
            layout,
        )?))
    }
}

async fn edge_backend() -> Option<EdgeBackend> {
    Some(EdgeBackend {
        root: TempDir::new().expect("temporary folder"),
    })
}

conformance_tests!(edge_backend);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recreate_replaces_an_incompatible_index_with_an_empty_one() {
    let dir = TempDir::new().unwrap();
    let index = EdgeIndex::open(dir.path(), dense_layout()).unwrap();
    index.upsert(Shop::new().points()).await.unwrap();
    drop(index);
    assert!(matches!(
        EdgeIndex::open(dir.path(), bm25_layout()),
        Err(IndexError::Incompatible { .. })
    ));
    let index = EdgeIndex::recreate(dir.path(), bm25_layout()).unwrap();
    assert_eq!(index.count().await.unwrap(), 0);
    index.upsert(Shop::new().bm25_points()).await.unwrap();
    drop(index);
    let index = EdgeIndex::open(dir.path(), bm25_layout()).unwrap();
    assert_eq!(index.count().await.unwrap(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_layout_reports_what_the_folder_was_built_with() {
    let dir = TempDir::new().unwrap();
    assert_eq!(EdgeIndex::stored_layout(dir.path()).unwrap(), None);
    drop(EdgeIndex::open(dir.path(), dense_layout()).unwrap());
    assert_eq!(
        EdgeIndex::stored_layout(dir.path()).unwrap(),
        Some(dense_layout())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_without_its_layout_file_is_not_trusted() {
    let dir = TempDir::new().unwrap();
    let index = EdgeIndex::open(dir.path(), dense_layout()).unwrap();
    index.upsert(Shop::new().points()).await.unwrap();
    drop(index);
    std::fs::remove_file(dir.path().join("layout.json")).unwrap();
    assert!(matches!(
        EdgeIndex::open(dir.path(), dense_layout()),
        Err(IndexError::Incompatible { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_one_shard() {
    let dir = TempDir::new().unwrap();
    let index = EdgeIndex::open(dir.path(), dense_layout()).unwrap();
    let clone = index.clone();
    clone.upsert(Shop::new().points()).await.unwrap();
    let hits = index
        .query(&text_query("winter jacket", SearchMode::Sparse))
        .await
        .unwrap();
    assert_eq!(hits[0].chunk.title, "Winter jacket");
}
