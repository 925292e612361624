//! The conformance suite against [`ServerIndex`], when a Qdrant server is at `QDRANT_URL`
//! (gRPC, e.g. `http://127.0.0.1:6334`; `QDRANT_API_KEY` if it needs one). Without it every test
//! prints "skipped: QDRANT_URL not set" and passes.
//!
//! Each test works in collections of its own, named after the process and the moment, and
//! deletes them when it ends (even when it fails).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod index_conformance;

use async_trait::async_trait;
use charla_knowledge::VectorIndex;
use charla_knowledge::index::server::ServerIndex;
use charla_knowledge::index::{IndexError, IndexLayout};
use index_conformance::Backend;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Collections on the server at `url`, deleted when the backend drops.
struct ServerBackend {
    url: String,
    api_key: Option<String>,
    prefix: String,
    created: Mutex<Vec<String>>,
}

impl ServerBackend {
    fn collection(&self, name: &str) -> String {
        format!("{}_{}", self.prefix, name.replace('-', "_"))
    }
}

#[async_trait]
impl Backend for ServerBackend {
    async fn open(
        &self,
        name: &str,
        layout: IndexLayout,
    ) -> Result<Arc<dyn VectorIndex>, IndexError> {
        let collection = self.collection(name);
        let index =
            ServerIndex::connect(&self.url, self.api_key.clone(), &collection, layout).await?;
        let mut created = self.created.lock().unwrap();
        if !created.contains(&collection) {
            created.push(collection);
        }
        Ok(Arc::new(index))
    }
}

impl Drop for ServerBackend {
    fn drop(&mut self) {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|e| e.into_inner()));
        let (url, api_key) = (self.url.clone(), self.api_key.clone());
        // Drop cannot await: finish the deletions on this worker thread of the test runtime.
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                for collection in created {
                    if let Ok(index) =
                        ServerIndex::open_existing(&url, api_key.clone(), &collection).await
                    {
                        let _ = index.delete_collection().await;
                    }
                }
            });
        });
    }
}

async fn server_backend() -> Option<ServerBackend> {
    let Ok(url) = std::env::var("QDRANT_URL") else {
        println!("skipped: QDRANT_URL not set");
        return None;
    };
    let api_key = std::env::var("QDRANT_API_KEY").ok();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let prefix = format!("charla_test_{}_{nanos}", std::process::id());
    Some(ServerBackend {
        url,
        api_key,
        prefix,
        created: Mutex::new(Vec::new()),
    })
}

conformance_tests!(server_backend);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_missing_collection_as_it_is_fails_to_open() {
    let Some(backend) = server_backend().await else {
        return;
    };
    let missing = backend.collection("never-created");
    let result = ServerIndex::open_existing(&backend.url, backend.api_key.clone(), &missing).await;
    assert!(matches!(result, Err(IndexError::Open(_))), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_a_transient_error() {
    // Needs no server: nothing listens on port 9 of the loopback address.
    let result = ServerIndex::connect(
        "http://127.0.0.1:9",
        None,
        "charla_unreachable",
        index_conformance::dense_layout(),
    )
    .await;
    assert!(
        matches!(result, Err(IndexError::Transient(_))),
        "{result:?}"
    );
}
