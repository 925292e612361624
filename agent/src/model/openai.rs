//! [`OpenAiChatModel`]: the [`ChatModel`] for any OpenAI-compatible `/chat/completions`
//! endpoint (OpenAI, OpenAI-compatible gateways, vLLM, llama.cpp server, Ollama) through
//! async-openai. This is the only file that imports async-openai; its types stay here.
//!
//! async-openai builds, authenticates and sends the request and parses the completion. Its
//! built-in retry layer is replaced by a transport that turns every non-2xx answer into an
//! error carrying the status, the body and the wait the server asked for, so that one retry
//! policy, this file's, decides: 408, 409, 429 (except an exhausted quota), 5xx and
//! connection failures are retried up to `max_retries` times with exponential backoff and
//! jitter, or after exactly the wait that `retry-after-ms` / `Retry-After` ask for. A server
//! that asks for a longer wait than the backoff's ceiling ends the retries at once with
//! [`ModelError::Transient`] carrying that wait, so the caller decides. Each attempt runs
//! under the configured timeout; a timeout is not retried, because the customer is
//! already waiting. The API key never appears in errors, logs or `Debug`.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequest, CreateChatCompletionResponse, FinishReason as WireFinishReason,
    FunctionCall, FunctionObject,
};
use async_trait::async_trait;
use tower::ServiceExt as _;

use super::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, FinishReason, ModelError, Role, ToolCall,
    ToolSchema, Usage,
};

/// OpenAI's endpoint, used when no base URL is set.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_RETRIES: u32 = 3;
const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(500);
const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(10);
/// Server messages are quoted in errors; an HTML error page must not flood the logs.
const MAX_QUOTED_CHARS: usize = 500;

/// Where and how to reach the endpoint. The model name goes in [`OpenAiChatConfig::new`],
/// the rest through setters.
#[derive(Clone)]
pub struct OpenAiChatConfig {
    model: String,
    base_url: String,
    api_key: Option<String>,
    timeout: Duration,
    max_retries: u32,
    temperature: Option<f32>,
    backoff_base: Duration,
    backoff_max: Duration,
    send_max_completion_tokens: bool,
}

impl std::fmt::Debug for OpenAiChatConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiChatConfig")
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("temperature", &self.temperature)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .field(
                "send_max_completion_tokens",
                &self.send_max_completion_tokens,
            )
            .finish()
    }
}

impl OpenAiChatConfig {
    /// `model` as the endpoint names it. Defaults: OpenAI's URL, no key, 60 s per attempt,
    /// 3 retries with backoff from 0.5 s up to 10 s, the endpoint's own temperature,
    /// `max_tokens` as the name of the token limit.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            temperature: None,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_max: DEFAULT_BACKOFF_MAX,
            send_max_completion_tokens: false,
        }
    }

    /// `model` at `base_url` with `api_key`, each only when given (else OpenAI's URL and no
    /// key): how `charla` and `charla-evals` both build it from their settings.
    pub fn for_endpoint(
        model: impl Into<String>,
        base_url: Option<String>,
        api_key: Option<String>,
    ) -> Self {
        let mut config = Self::new(model);
        if let Some(base_url) = base_url {
            config = config.base_url(base_url);
        }
        if let Some(api_key) = api_key {
            config = config.api_key(api_key);
        }
        config
    }

    /// The API root, e.g. `http://localhost:8080/v1` (requests go to
    /// `{base_url}/chat/completions`).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The bearer token (local servers usually need none).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The longest one attempt may take, answer included, before it ends the call with
    /// [`ModelError::Timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a transient failure is retried (0: never).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The sampling temperature sent when a [`ChatRequest`] does not set one.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// The first retry waits about `base`, each further one twice as long, never more than
    /// `max`. A server asking to wait longer than `max` ends the retries: the caller gets
    /// [`ModelError::Transient`] with the server's wait.
    pub fn retry_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max.max(base);
        self
    }

    /// Sends the token limit as `max_completion_tokens`, which OpenAI's reasoning models
    /// require, instead of `max_tokens`, which every compatible server understands.
    pub fn send_max_completion_tokens(mut self, send: bool) -> Self {
        self.send_max_completion_tokens = send;
        self
    }
}

/// A chat model behind an OpenAI-compatible endpoint.
pub struct OpenAiChatModel {
    client: Client<OpenAIConfig>,
    config: OpenAiChatConfig,
}

impl std::fmt::Debug for OpenAiChatModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiChatModel")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpenAiChatModel {
    /// Checks `config` and prepares the HTTP client; nothing is sent yet.
    ///
    /// Errors: [`ModelError::Permanent`] for an empty model name, a zero timeout, a base URL
    /// that is not `http://` or `https://`, or an API key that cannot go in an HTTP header.
    pub fn new(config: OpenAiChatConfig) -> Result<Self, ModelError> {
        if config.model.trim().is_empty() {
            return Err(ModelError::Permanent("chat model name is empty".into()));
        }
        if config.timeout.is_zero() {
            return Err(ModelError::Permanent(
                "chat model timeout must be above 0".into(),
            ));
        }
        let base_url = config.base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ModelError::Permanent(format!(
                "chat endpoint {base_url:?} is not an http:// or https:// URL"
            )));
        }
        let api_key = config.api_key.clone().unwrap_or_default();
        // async-openai builds the Authorization header with `unwrap`: a key with a line break
        // or other control character would panic on the first request.
        if !api_key.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return Err(ModelError::Permanent(
                "chat API key contains characters an HTTP header cannot carry".into(),
            ));
        }
        // reqwest is built with rustls but no crypto provider, and panics when it builds a
        // client without one; ring is installed unless the binary already chose a provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Every field is set so that async-openai's environment variables play no part.
        let openai = OpenAIConfig::new()
            .with_api_base(base_url)
            .with_api_key(api_key)
            .with_org_id("")
            .with_project_id("");
        let http = ReqwestService::default();
        // Replaces async-openai's default executor, whose retry layer would retry on top of
        // ours and drops the response headers that carry Retry-After.
        let transport = tower::service_fn(move |factory: HttpRequestFactory| {
            let http = http.clone();
            async move {
                let response = http.oneshot(factory).await?;
                if response.status().is_success() {
                    return Ok(response);
                }
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned)
                };
                let retry_after = retry_after(
                    header("retry-after-ms").as_deref(),
                    header("retry-after").as_deref(),
                    SystemTime::now(),
                );
                let status = response.status().as_u16();
                // The status already says what went wrong; a body lost on the way only costs
                // the detail.
                let body = response
                    .bytes()
                    .await
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                Err(OpenAIError::Boxed(Box::new(HttpFailure {
                    status,
                    retry_after,
                    body,
                })))
            }
        });
        let client = Client::with_config(openai).with_http_service(transport);
        Ok(Self { client, config })
    }

    /// How long to wait before retry number `retry` (0-based) when the server named no wait:
    /// exponential, capped, and shortened by up to a quarter at random so that clients
    /// failing together do not retry together.
    fn backoff(&self, retry: u32) -> Duration {
        let exponential = self
            .config
            .backoff_base
            .saturating_mul(2_u32.saturating_pow(retry))
            .min(self.config.backoff_max);
        // RandomState is seeded per instance; enough randomness for jitter without a crate.
        let random = RandomState::new().hash_one(retry);
        let fraction = (random >> 11) as f64 / (1_u64 << 53) as f64;
        exponential.mul_f64(1.0 - 0.25 * fraction)
    }

    #[allow(deprecated)] // `max_tokens` is deprecated by OpenAI but it is what other servers read.
    fn wire_request(
        &self,
        request: &ChatRequest,
    ) -> Result<CreateChatCompletionRequest, ModelError> {
        let messages = request
            .messages
            .iter()
            .map(wire_message)
            .collect::<Result<Vec<_>, _>>()?;
        let tools =
            (!request.tools.is_empty()).then(|| request.tools.iter().map(wire_tool).collect());
        let (max_tokens, max_completion_tokens) = if self.config.send_max_completion_tokens {
            (None, request.max_tokens)
        } else {
            (request.max_tokens, None)
        };
        Ok(CreateChatCompletionRequest {
            model: self.config.model.clone(),
            messages,
            tools,
            temperature: request.temperature.or(self.config.temperature),
            max_tokens,
            max_completion_tokens,
            ..Default::default()
        })
    }
}

#[async_trait]
impl ChatModel for OpenAiChatModel {
    fn id(&self) -> &str {
        &self.config.model
    }

    #[tracing::instrument(skip_all, fields(model = %self.config.model))]
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ModelError> {
        let wire = self.wire_request(request)?;
        let mut retry = 0;
        loop {
            let attempt =
                tokio::time::timeout(self.config.timeout, self.client.chat().create(wire.clone()))
                    .await;
            let error = match attempt {
                Err(_elapsed) => return Err(ModelError::Timeout(self.config.timeout)),
                Ok(Ok(response)) => return from_wire(response),
                Ok(Err(error)) => classify(error),
            };
            let ModelError::Transient { retry_after, .. } = &error else {
                return Err(error);
            };
            if retry >= self.config.max_retries {
                return Err(error);
            }
            let delay = match *retry_after {
                Some(asked) if asked > self.config.backoff_max => return Err(error),
                Some(asked) => asked,
                None => self.backoff(retry),
            };
            tracing::warn!(%error, retry = retry + 1, delay_ms = delay.as_millis() as u64, "retrying chat completion");
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }
}

fn wire_message(message: &ChatMessage) -> Result<ChatCompletionRequestMessage, ModelError> {
    let text = message.content.clone().unwrap_or_default();
    Ok(match message.role {
        Role::System => ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
            content: text.into(),
            name: None,
        }),
        Role::User => ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
            content: text.into(),
            name: None,
        }),
        Role::Assistant => {
            let tool_calls: Vec<_> = message
                .tool_calls
                .iter()
                .map(|call| {
                    ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                        id: call.id.clone(),
                        function: FunctionCall {
                            name: call.name.clone(),
                            arguments: call.arguments.clone(),
                        },
                    })
                })
                .collect();
            // OpenAI requires `content` unless there are tool calls.
            let content = match (&message.content, tool_calls.is_empty()) {
                (None, false) => None,
                _ => Some(text.into()),
            };
            ChatCompletionRequestMessage::Assistant(ChatCompletionRequestAssistantMessage {
                content,
                tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
                ..Default::default()
            })
        }
        Role::Tool => {
            let Some(tool_call_id) = message.tool_call_id.clone() else {
                return Err(ModelError::Permanent(
                    "a tool result message has no tool_call_id".into(),
                ));
            };
            ChatCompletionRequestMessage::Tool(ChatCompletionRequestToolMessage {
                content: text.into(),
                tool_call_id,
            })
        }
    })
}

fn wire_tool(tool: &ToolSchema) -> ChatCompletionTools {
    ChatCompletionTools::Function(ChatCompletionTool {
        function: FunctionObject {
            name: tool.name.clone(),
            description: (!tool.description.is_empty()).then(|| tool.description.clone()),
            parameters: Some(tool.parameters.clone()),
            strict: None,
        },
    })
}

fn from_wire(response: CreateChatCompletionResponse) -> Result<ChatResponse, ModelError> {
    let usage = response
        .usage
        .map(|u| Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        })
        .unwrap_or_default();
    let Some(choice) = response
        .choices
        .into_iter()
        .min_by_key(|choice| choice.index)
    else {
        return Err(ModelError::InvalidResponse(
            "the chat completion has no choices".into(),
        ));
    };
    let tool_calls: Vec<ToolCall> = choice
        .message
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .map(|call| match call {
            // Arguments stay as the model wrote them, valid JSON or not: the agent loop
            // reports malformed ones back to the model.
            ChatCompletionMessageToolCalls::Function(call) => ToolCall {
                id: call.id,
                name: call.function.name,
                arguments: call.function.arguments,
            },
            ChatCompletionMessageToolCalls::Custom(call) => ToolCall {
                id: call.id,
                name: call.custom_tool.name,
                arguments: call.custom_tool.input,
            },
        })
        .collect();
    // llama.cpp and Ollama send `""` next to tool calls where OpenAI sends null.
    let content = choice
        .message
        .content
        .or(choice.message.refusal)
        .filter(|text| !text.is_empty());
    let finish_reason = match choice.finish_reason {
        Some(WireFinishReason::Length) => FinishReason::Length,
        Some(WireFinishReason::ContentFilter) => FinishReason::ContentFilter,
        Some(WireFinishReason::ToolCalls | WireFinishReason::FunctionCall) => {
            FinishReason::ToolCalls
        }
        // Some servers (Ollama, several vLLM chat templates) say `stop` after tool calls;
        // the loop must still run the tools.
        Some(WireFinishReason::Stop) | None if !tool_calls.is_empty() => FinishReason::ToolCalls,
        Some(WireFinishReason::Stop) | None => FinishReason::Stop,
    };
    let message = ChatMessage {
        role: Role::Assistant,
        content,
        tool_calls,
        tool_call_id: None,
    };
    Ok(ChatResponse {
        message,
        finish_reason,
        usage,
        cited_sources: Vec::new(),
        choices: Vec::new(),
    })
}

/// A non-2xx answer, as the transport saw it.
#[derive(Debug)]
struct HttpFailure {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.status, quoted(&self.body))
    }
}

impl std::error::Error for HttpFailure {}

/// Sorts async-openai's errors by what the caller does next.
fn classify(error: OpenAIError) -> ModelError {
    match error {
        OpenAIError::Boxed(boxed) => match boxed.downcast::<HttpFailure>() {
            Ok(failure) => classify_http(&failure),
            Err(other) => ModelError::Permanent(format!("chat request failed: {other}")),
        },
        // Only reachable if a non-2xx answer got past the transport.
        OpenAIError::ApiError(api) => {
            let body = serde_json::json!({ "error": api.api_error }).to_string();
            classify_http(&HttpFailure {
                status: api.status_code.as_u16(),
                retry_after: None,
                body,
            })
        }
        OpenAIError::Reqwest(error) if error.is_builder() => ModelError::Permanent(format!(
            "chat request could not be built: {}",
            with_sources(&error)
        )),
        OpenAIError::Reqwest(error) => ModelError::Transient {
            message: format!("chat endpoint unreachable: {}", with_sources(&error)),
            retry_after: None,
        },
        OpenAIError::JSONDeserialize(error, body) => ModelError::InvalidResponse(format!(
            "not a chat completion ({error}); the body begins {}",
            quoted(&body)
        )),
        other => ModelError::Permanent(format!("chat request failed: {other}")),
    }
}

fn classify_http(failure: &HttpFailure) -> ModelError {
    let status = failure.status;
    let detail = ErrorDetail::parse(&failure.body);
    let message = format!("HTTP {status}: {}", detail.summary(&failure.body));
    if detail.is_context_too_long() {
        return ModelError::ContextTooLong(message);
    }
    // OpenAI answers 429 both for "slow down" and for "out of credit"; only the first
    // passes by waiting.
    let quota_exhausted =
        [detail.code.as_deref(), detail.kind.as_deref()].contains(&Some("insufficient_quota"));
    let retryable = matches!(status, 408 | 409 | 429) || (500..600).contains(&status);
    if retryable && !quota_exhausted {
        ModelError::Transient {
            message,
            retry_after: failure.retry_after,
        }
    } else {
        ModelError::Permanent(message)
    }
}

/// The fields of an error body that matter, from whichever shape the server uses:
/// OpenAI and llama.cpp `{"error": {"message", "type", "code"}}` (llama.cpp's code is a
/// number), older vLLM `{"object": "error", "message", "type", "code"}`, gateways
/// `{"error": "text"}`, FastAPI `{"detail": "text"}`.
#[derive(Debug, Default)]
struct ErrorDetail {
    message: Option<String>,
    kind: Option<String>,
    code: Option<String>,
}

impl ErrorDetail {
    fn parse(body: &str) -> Self {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
            return Self::default();
        };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let object = match value.get("error") {
            Some(serde_json::Value::String(message)) => {
                return Self {
                    message: Some(message.clone()),
                    ..Self::default()
                };
            }
            Some(object @ serde_json::Value::Object(_)) => object,
            _ => &value,
        };
        Self {
            message: object
                .get("message")
                .or_else(|| object.get("detail"))
                .and_then(text),
            kind: object.get("type").and_then(text),
            code: object.get("code").and_then(text),
        }
    }

    fn summary(&self, body: &str) -> String {
        let mut summary = match &self.message {
            Some(message) => quoted(message),
            None if body.trim().is_empty() => "(empty body)".to_string(),
            None => quoted(body),
        };
        if let Some(code) = self.code.as_ref().or(self.kind.as_ref()) {
            summary.push_str(&format!(" ({code})"));
        }
        summary
    }

    /// OpenAI and Azure send the code `context_length_exceeded`; llama.cpp the type
    /// `exceed_context_size_error`; the rest only say it in words.
    fn is_context_too_long(&self) -> bool {
        const CODES: [&str; 2] = ["context_length_exceeded", "exceed_context_size_error"];
        const PHRASES: [&str; 7] = [
            "maximum context length",               // OpenAI, vLLM
            "context length exceeded",              // gateways
            "exceeds the available context size",   // llama.cpp
            "longer than the maximum model length", // vLLM, prompt alone too long
            "exceeds the context window",           // Ollama, gateways
            "prompt is too long",                   // Anthropic-style gateways
            "too large for model with",             // Mistral
        ];
        let coded = [&self.code, &self.kind]
            .into_iter()
            .flatten()
            .any(|value| CODES.contains(&value.as_str()));
        let worded = self
            .message
            .as_deref()
            .map(str::to_lowercase)
            .is_some_and(|message| PHRASES.iter().any(|phrase| message.contains(phrase)));
        coded || worded
    }
}

/// The wait a server asked for: `retry-after-ms` (OpenAI's precise form) first, then
/// `Retry-After` as seconds (possibly fractional) or as an HTTP date.
fn retry_after(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    let seconds = |value: &str| {
        value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
    };
    if let Some(wait) = retry_after_ms.and_then(seconds) {
        return Some(wait / 1000);
    }
    let value = retry_after?;
    seconds(value).or_else(|| {
        let at = httpdate::parse_http_date(value.trim()).ok()?;
        // A date already past means "now".
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    })
}

/// At most [`MAX_QUOTED_CHARS`] characters of `text`, on one line.
fn quoted(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// reqwest's own message is terse ("error sending request"); the cause is in the sources.
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    fn failure(status: u16, body: &str) -> ModelError {
        classify_http(&HttpFailure {
            status,
            retry_after: None,
            body: body.to_string(),
        })
    }

    #[test]
    fn retry_after_is_read_as_milliseconds_seconds_or_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00 UTC
        assert_eq!(
            retry_after(Some("250"), Some("9"), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(None, Some("2"), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(None, Some("1.5"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(None, Some("Wed, 21 Oct 2015 07:28:07 GMT"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(None, Some("Wed, 21 Oct 2015 07:27:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(Some("soon"), Some("later"), now), None);
        assert_eq!(retry_after(None, None, now), None);
    }

    #[test]
    fn context_overflow_is_recognised_in_each_servers_wording() {
        let bodies = [
            r#"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
            r#"{"object":"error","message":"This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (2000 in the messages, 100 in the completion).","type":"BadRequestError","param":null,"code":400}"#,
            r#"{"error":{"code":400,"message":"request (5031 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}"#,
            r#"{"error":{"message":"The decoder prompt (length 5000) is longer than the maximum model length of 4096.","type":"BadRequestError","param":null,"code":400}}"#,
        ];
        for body in bodies {
            assert!(
                matches!(failure(400, body), ModelError::ContextTooLong(_)),
                "{body}"
            );
        }
        assert!(matches!(
            failure(
                400,
                r#"{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":null}}"#
            ),
            ModelError::Permanent(_)
        ));
    }

    #[test]
    fn exhausted_quota_is_permanent_but_rate_limit_is_transient() {
        let quota = r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        let rate = r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        assert!(matches!(failure(429, quota), ModelError::Permanent(_)));
        assert!(matches!(failure(429, rate), ModelError::Transient { .. }));
        assert!(matches!(
            failure(503, "<html>upstream down</html>"),
            ModelError::Transient { .. }
        ));
        assert!(
            matches!(failure(404, r#"{"detail":"Not Found"}"#), ModelError::Permanent(m) if m.contains("Not Found"))
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_ceiling() {
        let config = OpenAiChatConfig::new("m")
            .retry_backoff(Duration::from_millis(100), Duration::from_millis(350));
        let model = OpenAiChatModel::new(config).expect("valid config");
        for (retry, full) in [(0, 100), (1, 200), (2, 350), (10, 350)] {
            let wait = model.backoff(retry);
            assert!(
                wait <= Duration::from_millis(full),
                "retry {retry}: {wait:?}"
            );
            assert!(
                wait >= Duration::from_millis(full * 3 / 4),
                "retry {retry}: {wait:?}"
            );
        }
    }

    #[test]
    fn debug_output_hides_the_api_key() {
        let config = OpenAiChatConfig::new("m").api_key("sk-secret-123");
        let model = OpenAiChatModel::new(config).expect("valid config");
        assert!(!format!("{model:?}").contains("sk-secret-123"));
    }

    #[test]
    fn invalid_configuration_is_refused_before_any_request() {
        for config in [
            OpenAiChatConfig::new(" "),
            OpenAiChatConfig::new("m").timeout(Duration::ZERO),
            OpenAiChatConfig::new("m").base_url("localhost:8080/v1"),
            OpenAiChatConfig::new("m").api_key("sk-\nsecret"),
        ] {
            assert!(matches!(
                OpenAiChatModel::new(config),
                Err(ModelError::Permanent(_))
            ));
        }
    }
}
