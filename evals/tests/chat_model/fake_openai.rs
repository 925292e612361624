//! A stand-in OpenAI-compatible chat endpoint: `POST /v1/chat/completions` answered by a
//! function of the request, every request kept for the test to inspect.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// What the fake answers to a request.
pub enum Answer {
    /// Tool calls: (name, raw arguments text).
    Calls(Vec<(&'static str, String)>),
    /// Text, no call.
    Text(&'static str),
    /// An HTTP error with an OpenAI-style body.
    Error(StatusCode),
}

/// A running fake endpoint.
pub struct FakeOpenAi {
    /// `http://127.0.0.1:PORT/v1`, as `OPENAI_BASE_URL`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl FakeOpenAi {
    /// Starts the fake on a free port; `answer` decides each response from the request body.
    pub async fn start(answer: fn(&Value) -> Answer) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state((requests.clone(), answer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url: format!("http://{address}/v1"),
            requests,
        }
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }
}

type Shared = (Arc<Mutex<Vec<Value>>>, fn(&Value) -> Answer);

async fn complete(State((requests, answer)): State<Shared>, body: String) -> Response {
    let request: Value = serde_json::from_str(&body).unwrap();
    requests.lock().unwrap().push(request.clone());
    let model = request["model"].clone();
    let (message, finish_reason) = match answer(&request) {
        Answer::Error(status) => {
            let body = json!({"error": {"message": "bad request", "type": "invalid_request_error",
                                        "code": null, "param": null}});
            return (status, axum::Json(body)).into_response();
        }
        Answer::Text(text) => (json!({"role": "assistant", "content": text}), "stop"),
        Answer::Calls(calls) => {
            let tool_calls: Vec<Value> = calls
                .into_iter()
                .enumerate()
                .map(|(i, (name, arguments))| {
                    json!({"id": format!("call_{i}"), "type": "function",
                           "function": {"name": name, "arguments": arguments}})
                })
                .collect();
            (
                json!({"role": "assistant", "content": null, "tool_calls": tool_calls}),
                "tool_calls",
            )
        }
    };
    axum::Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason,
                     "logprobs": null}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))
    .into_response()
}

/// The text of the last user message of a request.
pub fn last_user_message(request: &Value) -> String {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}
