//! The OpenAI-compatible chat adapter against a local server that speaks the
//! chat-completions wire format: answers, tool calls, the request body, retries, and how
//! each kind of failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use charla_agent::model::openai::{OpenAiChatConfig, OpenAiChatModel};
use charla_agent::model::{
    ChatMessage, ChatModel, ChatRequest, FinishReason, ModelError, Role, ToolCall, ToolSchema,
    Usage,
};
use serde_json::{Value, json};

/// One scripted answer of the fake endpoint.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    fn status(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as the fake endpoint received it.
struct Received {
    at: Instant,
    authorization: Option<String>,
    body: Value,
}

#[derive(Clone)]
struct Endpoint {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Endpoint {
    fn received(&self) -> std::sync::MutexGuard<'_, Vec<Received>> {
        self.received.lock().unwrap()
    }

    fn request_count(&self) -> usize {
        self.received().len()
    }

    /// Time between the first and the second request.
    fn gap_before_retry(&self) -> Duration {
        let received = self.received();
        received[1].at - received[0].at
    }
}

async fn chat_completions(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    endpoint.received.lock().unwrap().push(Received {
        at: Instant::now(),
        authorization: headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string()),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let reply = endpoint.replies.lock().unwrap().pop_front();
    let Some(reply) = reply else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the test scripted no more replies",
        )
            .into_response();
    };
    tokio::time::sleep(reply.delay).await;
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    response
        .headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Starts the fake endpoint on `127.0.0.1:0`; it answers with `replies` in order.
async fn start_endpoint(replies: Vec<Reply>) -> (SocketAddr, Endpoint) {
    let endpoint = Endpoint {
        replies: Arc::new(Mutex::new(replies.into())),
        received: Arc::new(Mutex::new(Vec::new())),
    };
    let app = Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .with_state(endpoint.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, endpoint)
}

/// A config for the fake endpoint, with retries fast enough for tests.
fn config_for(addr: SocketAddr) -> OpenAiChatConfig {
    OpenAiChatConfig::new("test-model")
        .base_url(format!("http://{addr}/v1"))
        .api_key("test-key")
        .timeout(Duration::from_secs(5))
        .retry_backoff(Duration::from_millis(10), Duration::from_secs(3))
}

fn model_for(addr: SocketAddr) -> OpenAiChatModel {
    OpenAiChatModel::new(config_for(addr)).unwrap()
}

/// A chat completion exactly as OpenAI sends it.
fn completion(message: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1_741_569_952,
        "model": "test-model",
        "choices": [{ "index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason }],
        "usage": { "prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49 },
    })
}

fn tool_call(id: &str, name: &str, arguments: &str) -> Value {
    json!({ "id": id, "type": "function", "function": { "name": name, "arguments": arguments } })
}

fn api_error(message: &str, kind: &str, param: Option<&str>, code: Option<&str>) -> String {
    json!({ "error": { "message": message, "type": kind, "param": param, "code": code } })
        .to_string()
}

fn answer() -> Reply {
    Reply::ok(completion(
        json!({ "role": "assistant", "content": "Abrimos a las 9." }),
        "stop",
    ))
}

fn question() -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::system("Eres el asistente de la panadería."),
            ChatMessage::user("¿A qué hora abren?"),
        ],
        ..ChatRequest::default()
    }
}

#[tokio::test]
async fn plain_answer_is_returned_as_assistant_text_with_usage() {
    let (addr, endpoint) = start_endpoint(vec![answer()]).await;

    let response = model_for(addr).complete(&question()).await.unwrap();

    assert_eq!(response.message, ChatMessage::assistant("Abrimos a las 9."));
    assert_eq!(response.finish_reason, FinishReason::Stop);
    assert_eq!(
        response.usage,
        Usage {
            prompt_tokens: 42,
            completion_tokens: 7
        }
    );
    assert_eq!(endpoint.request_count(), 1);
}

#[tokio::test]
async fn two_tool_calls_and_text_in_one_response_are_all_returned() {
    let message = json!({
        "role": "assistant",
        "content": "Un momento, lo miro.",
        "tool_calls": [
            tool_call("call_1", "opening_hours", r#"{"day":"monday"}"#),
            tool_call("call_2", "search_knowledge", r#"{"query":"pan sin gluten"}"#),
        ],
    });
    let (addr, _endpoint) =
        start_endpoint(vec![Reply::ok(completion(message, "tool_calls"))]).await;

    let response = model_for(addr).complete(&question()).await.unwrap();

    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.message.role, Role::Assistant);
    assert_eq!(
        response.message.content.as_deref(),
        Some("Un momento, lo miro.")
    );
    assert_eq!(
        response.message.tool_calls,
        vec![
            ToolCall {
                id: "call_1".into(),
                name: "opening_hours".into(),
                arguments: r#"{"day":"monday"}"#.into()
            },
            ToolCall {
                id: "call_2".into(),
                name: "search_knowledge".into(),
                arguments: r#"{"query":"pan sin gluten"}"#.into()
            },
        ]
    );
}

#[tokio::test]
async fn malformed_tool_call_arguments_are_passed_through_unchanged() {
    let broken = r#"{"day": "monday""#;
    let message = json!({ "role": "assistant", "content": null, "tool_calls": [tool_call("call_1", "opening_hours", broken)] });
    let (addr, _endpoint) =
        start_endpoint(vec![Reply::ok(completion(message, "tool_calls"))]).await;

    let response = model_for(addr).complete(&question()).await.unwrap();

    assert_eq!(response.message.content, None);
    assert_eq!(response.message.tool_calls.len(), 1);
    assert_eq!(response.message.tool_calls[0].arguments, broken);
}

#[tokio::test]
async fn tool_calls_reported_with_finish_reason_stop_still_ask_for_tools() {
    // Ollama and several vLLM chat templates do this; the loop must still run the tools.
    let message = json!({ "role": "assistant", "content": "", "tool_calls": [tool_call("call_1", "opening_hours", "{}")] });
    let (addr, _endpoint) = start_endpoint(vec![Reply::ok(completion(message, "stop"))]).await;

    let response = model_for(addr).complete(&question()).await.unwrap();

    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.message.content, None);
}

#[tokio::test]
async fn request_body_carries_our_messages_and_tools_in_the_openai_wire_shape() {
    let (addr, endpoint) = start_endpoint(vec![answer()]).await;
    let parameters = json!({
        "type": "object",
        "properties": { "day": { "type": "string" } },
        "required": ["day"],
    });
    let request = ChatRequest {
        messages: vec![
            ChatMessage::system("Eres el asistente."),
            ChatMessage::user("¿Abren el lunes?"),
            ChatMessage::assistant_tool_calls(vec![ToolCall {
                id: "call_1".into(),
                name: "opening_hours".into(),
                arguments: r#"{"day":"monday"}"#.into(),
            }]),
            ChatMessage::tool_result("call_1", r#"{"open":"09:00","close":"14:00"}"#),
            ChatMessage::assistant("Sí, de 9 a 14."),
            ChatMessage::user("Gracias"),
        ],
        tools: vec![ToolSchema {
            name: "opening_hours".into(),
            description: "Opening hours for a day".into(),
            parameters: parameters.clone(),
        }],
        temperature: Some(0.25),
        max_tokens: Some(300),
        ..ChatRequest::default()
    };

    model_for(addr).complete(&request).await.unwrap();

    let received = endpoint.received();
    assert_eq!(
        received[0].authorization.as_deref(),
        Some("Bearer test-key")
    );
    assert_eq!(
        received[0].body,
        json!({
            "model": "test-model",
            "messages": [
                { "role": "system", "content": "Eres el asistente." },
                { "role": "user", "content": "¿Abren el lunes?" },
                { "role": "assistant", "tool_calls": [
                    { "id": "call_1", "type": "function",
                      "function": { "name": "opening_hours", "arguments": "{\"day\":\"monday\"}" } }
                ] },
                { "role": "tool", "content": "{\"open\":\"09:00\",\"close\":\"14:00\"}", "tool_call_id": "call_1" },
                { "role": "assistant", "content": "Sí, de 9 a 14." },
                { "role": "user", "content": "Gracias" },
            ],
            "tools": [{
                "type": "function",
                "function": { "name": "opening_hours", "description": "Opening hours for a day", "parameters": parameters },
            }],
            "temperature": 0.25,
            "max_tokens": 300,
        })
    );
}

#[tokio::test]
async fn configured_temperature_and_max_completion_tokens_are_sent() {
    let (addr, endpoint) = start_endpoint(vec![answer()]).await;
    let config = config_for(addr)
        .temperature(0.5)
        .send_max_completion_tokens(true);
    let request = ChatRequest {
        max_tokens: Some(64),
        ..question()
    };

    OpenAiChatModel::new(config)
        .unwrap()
        .complete(&request)
        .await
        .unwrap();

    let body = &endpoint.received()[0].body;
    assert_eq!(body["temperature"], json!(0.5));
    assert_eq!(body["max_completion_tokens"], json!(64));
    assert!(body.get("max_tokens").is_none());
}

#[tokio::test]
async fn rate_limited_request_waits_as_long_as_retry_after_says_then_succeeds() {
    let limited = Reply::status(
        429,
        api_error(
            "Rate limit reached for requests",
            "requests",
            None,
            Some("rate_limit_exceeded"),
        ),
    )
    .header("retry-after", "1");
    let (addr, endpoint) = start_endpoint(vec![limited, answer()]).await;

    let response = model_for(addr).complete(&question()).await.unwrap();

    assert_eq!(
        response.message.content.as_deref(),
        Some("Abrimos a las 9.")
    );
    assert_eq!(endpoint.request_count(), 2);
    // The configured backoff is 10 ms: only the header explains a one-second wait.
    let gap = endpoint.gap_before_retry();
    assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
    assert!(gap < Duration::from_secs(3), "retried after {gap:?}");
}

#[tokio::test]
async fn retry_after_ms_is_preferred_to_retry_after_seconds() {
    let limited = Reply::status(
        429,
        api_error(
            "Rate limit reached",
            "requests",
            None,
            Some("rate_limit_exceeded"),
        ),
    )
    .header("retry-after-ms", "300")
    .header("retry-after", "2");
    let (addr, endpoint) = start_endpoint(vec![limited, answer()]).await;

    model_for(addr).complete(&question()).await.unwrap();

    let gap = endpoint.gap_before_retry();
    assert!(gap >= Duration::from_millis(300), "retried after {gap:?}");
    assert!(gap < Duration::from_millis(1500), "retried after {gap:?}");
}

#[tokio::test]
async fn retry_after_longer_than_the_backoff_ceiling_is_handed_to_the_caller() {
    let limited = Reply::status(
        429,
        api_error(
            "Rate limit reached",
            "requests",
            None,
            Some("rate_limit_exceeded"),
        ),
    )
    .header("retry-after", "120");
    let (addr, endpoint) = start_endpoint(vec![limited, answer()]).await;
    let started = Instant::now();

    let error = model_for(addr).complete(&question()).await.unwrap_err();

    assert!(
        matches!(error, ModelError::Transient { retry_after: Some(wait), .. } if wait == Duration::from_secs(120)),
        "{error:?}"
    );
    assert_eq!(endpoint.request_count(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn server_errors_are_retried_until_the_endpoint_recovers() {
    let broken = || {
        Reply::status(
            500,
            api_error("The server had an error", "server_error", None, None),
        )
    };
    let (addr, endpoint) = start_endpoint(vec![broken(), broken(), answer()]).await;

    let response = model_for(addr).complete(&question()).await.unwrap();

    assert_eq!(
        response.message.content.as_deref(),
        Some("Abrimos a las 9.")
    );
    assert_eq!(endpoint.request_count(), 3);
}

#[tokio::test]
async fn endpoint_that_stays_down_is_transient_after_max_retries() {
    let down = || Reply::status(503, "<html><body>Service Unavailable</body></html>");
    let (addr, endpoint) = start_endpoint(vec![down(), down(), down(), down()]).await;
    let model = OpenAiChatModel::new(config_for(addr).max_retries(2)).unwrap();

    let error = model.complete(&question()).await.unwrap_err();

    assert!(
        matches!(&error, ModelError::Transient { message, retry_after: None } if message.contains("503")),
        "{error:?}"
    );
    assert_eq!(endpoint.request_count(), 3);
}

#[tokio::test]
async fn unreachable_endpoint_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let model = OpenAiChatModel::new(config_for(addr).max_retries(1)).unwrap();

    let error = model.complete(&question()).await.unwrap_err();

    assert!(matches!(error, ModelError::Transient { .. }), "{error:?}");
}

#[tokio::test]
async fn wrong_api_key_fails_permanently_without_retry() {
    let refused = Reply::status(
        401,
        api_error(
            "Incorrect API key provided: test-key.",
            "invalid_request_error",
            None,
            Some("invalid_api_key"),
        ),
    );
    let (addr, endpoint) = start_endpoint(vec![refused, answer()]).await;

    let error = model_for(addr).complete(&question()).await.unwrap_err();

    assert!(
        matches!(&error, ModelError::Permanent(message) if message.contains("401") && message.contains("invalid_api_key")),
        "{error:?}"
    );
    assert_eq!(endpoint.request_count(), 1);
}

#[tokio::test]
async fn exhausted_quota_fails_permanently_without_retry() {
    let quota = Reply::status(
        429,
        api_error(
            "You exceeded your current quota.",
            "insufficient_quota",
            None,
            Some("insufficient_quota"),
        ),
    );
    let (addr, endpoint) = start_endpoint(vec![quota, answer()]).await;

    let error = model_for(addr).complete(&question()).await.unwrap_err();

    assert!(matches!(error, ModelError::Permanent(_)), "{error:?}");
    assert_eq!(endpoint.request_count(), 1);
}

#[tokio::test]
async fn context_length_exceeded_is_reported_as_context_too_long() {
    let too_long = Reply::status(
        400,
        api_error(
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9013 tokens.",
            "invalid_request_error",
            Some("messages"),
            Some("context_length_exceeded"),
        ),
    );
    let (addr, endpoint) = start_endpoint(vec![too_long, answer()]).await;

    let error = model_for(addr).complete(&question()).await.unwrap_err();

    assert!(
        matches!(&error, ModelError::ContextTooLong(m) if m.contains("8192")),
        "{error:?}"
    );
    assert_eq!(endpoint.request_count(), 1);
}

#[tokio::test]
async fn llama_cpp_context_overflow_is_reported_as_context_too_long() {
    let body = json!({ "error": {
        "code": 400,
        "message": "the request exceeds the available context size, try increasing it",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 5000,
        "n_ctx": 4096,
    } });
    let (addr, _endpoint) = start_endpoint(vec![Reply::status(400, body.to_string())]).await;

    let error = model_for(addr).complete(&question()).await.unwrap_err();

    assert!(matches!(error, ModelError::ContextTooLong(_)), "{error:?}");
}

#[tokio::test]
async fn slow_endpoint_times_out_without_retrying() {
    let (addr, endpoint) =
        start_endpoint(vec![answer().after(Duration::from_secs(3)), answer()]).await;
    let model = OpenAiChatModel::new(config_for(addr).timeout(Duration::from_millis(300))).unwrap();
    let started = Instant::now();

    let error = model.complete(&question()).await.unwrap_err();

    assert_eq!(error, ModelError::Timeout(Duration::from_millis(300)));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(endpoint.request_count(), 1);
}

#[tokio::test]
async fn garbage_body_is_an_invalid_response() {
    let (addr, _endpoint) = start_endpoint(vec![Reply::status(200, "<html>hello</html>")]).await;

    let error = model_for(addr).complete(&question()).await.unwrap_err();

    assert!(
        matches!(&error, ModelError::InvalidResponse(m) if m.contains("<html>hello</html>")),
        "{error:?}"
    );
}

#[tokio::test]
async fn completion_without_choices_is_an_invalid_response() {
    let mut empty = completion(json!({ "role": "assistant", "content": "x" }), "stop");
    empty["choices"] = json!([]);
    let (addr, _endpoint) = start_endpoint(vec![Reply::ok(empty)]).await;

    let error = model_for(addr).complete(&question()).await.unwrap_err();

    assert!(matches!(error, ModelError::InvalidResponse(_)), "{error:?}");
}

/// Checks the wire format against a real llama.cpp `llama-server` (started with `--jinja` so
/// that it accepts tools). Runs only when `LLAMA_SERVER_URL` (e.g. `http://127.0.0.1:8080/v1`)
/// is set; the answer's wording is the model's, so only its shape is checked.
#[tokio::test]
async fn real_llama_server_understands_our_requests() {
    let Ok(base_url) = std::env::var("LLAMA_SERVER_URL") else {
        eprintln!("LLAMA_SERVER_URL is not set; skipping the llama.cpp check");
        return;
    };
    let model = OpenAiChatModel::new(
        OpenAiChatConfig::new("local")
            .base_url(base_url)
            .timeout(Duration::from_secs(120))
            .max_retries(0),
    )
    .unwrap();
    let request = ChatRequest {
        messages: vec![
            ChatMessage::system("You are a helpful assistant."),
            ChatMessage::user("When do you open on Monday?"),
            ChatMessage::assistant_tool_calls(vec![ToolCall {
                id: "call_1".into(),
                name: "opening_hours".into(),
                arguments: r#"{"day":"monday"}"#.into(),
            }]),
            ChatMessage::tool_result("call_1", r#"{"open":"09:00"}"#),
            ChatMessage::user("Say hello."),
        ],
        tools: vec![ToolSchema {
            name: "opening_hours".into(),
            description: "Opening hours for a day".into(),
            parameters: json!({ "type": "object", "properties": { "day": { "type": "string" } }, "required": ["day"] }),
        }],
        temperature: Some(0.0),
        max_tokens: Some(32),
        ..ChatRequest::default()
    };

    let response = model.complete(&request).await.unwrap();

    assert_eq!(response.message.role, Role::Assistant);
    assert!(response.message.content.is_some() || !response.message.tool_calls.is_empty());
    assert!(response.usage.prompt_tokens > 0);
}

/// llama.cpp's real answer to a conversation longer than its context (`-c`), when
/// `LLAMA_SERVER_URL` is set.
#[tokio::test]
async fn real_llama_server_context_overflow_is_context_too_long() {
    let Ok(base_url) = std::env::var("LLAMA_SERVER_URL") else {
        eprintln!("LLAMA_SERVER_URL is not set; skipping the llama.cpp check");
        return;
    };
    let model = OpenAiChatModel::new(
        OpenAiChatConfig::new("local")
            .base_url(base_url)
            .timeout(Duration::from_secs(120))
            .max_retries(0),
    )
    .unwrap();
    // Far beyond any context a test server is started with.
    let request = ChatRequest {
        messages: vec![ChatMessage::user("word ".repeat(200_000))],
        max_tokens: Some(8),
        ..ChatRequest::default()
    };

    let error = model.complete(&request).await.unwrap_err();

    assert!(matches!(error, ModelError::ContextTooLong(_)), "{error:?}");
}
