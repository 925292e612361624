//! Opens the embedder and the index that the settings ask for.
//!
//! Ingest may rebuild an index made with another embedding model (it has the sources at hand
//! to fill it again); search never does: it uses the index as it is, with BM25 alone when the
//! model that built it is not available.

use crate::settings::{EmbedderKind, Settings};
use anyhow::{Context, Result, bail};
use charla_knowledge::embed::bert::LocalEmbedder;
use charla_knowledge::embed::locate::find_local_model;
use charla_knowledge::embed::openai::{OpenAiEmbedder, OpenAiEmbedderConfig};
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::index::server::ServerIndex;
use charla_knowledge::index::{DenseLayout, IndexError, IndexLayout};
use charla_knowledge::{Embedder, VectorIndex};
use std::sync::Arc;

/// What the knowledge will be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Writing: the index follows the embedder.
    Ingest,
    /// Reading: the embedder follows the index.
    Search,
}

/// An opened index with the embedder to use with it.
pub struct Knowledge {
    /// The index.
    pub index: Arc<dyn VectorIndex>,
    /// The embedder, if any.
    pub embedder: Option<Arc<dyn Embedder>>,
    /// Why there is no dense retrieval, or which model serves it (for messages).
    pub dense_status: String,
}

/// Opens the embedder and the index for `purpose`.
pub async fn open(settings: &Settings, purpose: Purpose) -> Result<Knowledge> {
    let (embedder, dense_status) = open_embedder(settings)?;
    let wanted = IndexLayout {
        dense: embedder.as_ref().map(|e| DenseLayout {
            model: e.id().to_string(),
            dims: e.dims(),
        }),
    };
    let index: Arc<dyn VectorIndex> = match &settings.qdrant {
        Some(server) => {
            let api_key = server.api_key.as_ref().map(|k| k.expose().to_string());
            let collection = format!("charla_{}", settings.business);
            let index = match purpose {
                Purpose::Ingest => {
                    ServerIndex::connect(&server.url, api_key, &collection, wanted).await
                }
                Purpose::Search => {
                    ServerIndex::open_existing(&server.url, api_key, &collection).await
                }
            };
            Arc::new(index.with_context(|| format!("Qdrant server at {}", server.url))?)
        }
        None => {
            let dir = settings.index_dir();
            let index = match purpose {
                Purpose::Ingest => match EdgeIndex::open(&dir, wanted.clone()) {
                    Err(IndexError::Incompatible { expected, found }) => {
                        eprintln!(
                            "note: the index was built with {found}; rebuilding it with {expected}"
                        );
                        EdgeIndex::recreate(&dir, wanted)
                    }
                    other => other,
                },
                Purpose::Search => match EdgeIndex::stored_layout(&dir)? {
                    Some(layout) => EdgeIndex::open(&dir, layout),
                    None => bail!(
                        "nothing has been ingested for business {:?} in {} yet: run `charla ingest PATH...` first",
                        settings.business,
                        settings.data_dir.display()
                    ),
                },
            };
            Arc::new(index.with_context(|| format!("index in {}", dir.display()))?)
        }
    };
    Ok(Knowledge {
        index,
        embedder,
        dense_status,
    })
}

fn open_embedder(settings: &Settings) -> Result<(Option<Arc<dyn Embedder>>, String)> {
    let cfg = &settings.embedding;
    match cfg.provider {
        Some(EmbedderKind::None) => Ok((None, "the embedder is set to none".into())),
        Some(EmbedderKind::Openai) => {
            let (Some(model), Some(dims)) = (cfg.model.clone(), cfg.dims) else {
                bail!(
                    "the openai embedder needs CHARLA_EMBEDDING_MODEL and CHARLA_EMBEDDING_DIMS (or [embedding] model and dims)"
                );
            };
            let mut config = OpenAiEmbedderConfig::new(model.clone(), dims);
            if let Some(base_url) = &cfg.base_url {
                config = config.base_url(base_url.clone());
            }
            if let Some(key) = &cfg.api_key {
                config = config.api_key(key.expose().to_string());
            }
            let embedder = OpenAiEmbedder::new(config).context("embedding endpoint")?;
            Ok((Some(Arc::new(embedder)), format!("embeddings from {model}")))
        }
        Some(EmbedderKind::Local) | None => match find_local_model(&cfg.model_dirs) {
            Some(dir) => {
                let embedder = LocalEmbedder::load(&dir)
                    .with_context(|| format!("embedding model in {}", dir.display()))?;
                let status = format!("local model {}", embedder.id());
                Ok((Some(Arc::new(embedder)), status))
            }
            None if cfg.provider == Some(EmbedderKind::Local) => {
                bail!(
                    "no local embedding model in {}: run scripts/fetch-models.sh",
                    dirs(settings)
                )
            }
            None => {
                let status = format!(
                    "no local embedding model in {}; run scripts/fetch-models.sh for multilingual search",
                    dirs(settings)
                );
                Ok((None, status))
            }
        },
    }
}

fn dirs(settings: &Settings) -> String {
    settings
        .embedding
        .model_dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
