//! A fake WhatsApp Cloud API for tests, over real HTTP on 127.0.0.1:0.
//!
//! It speaks Meta's wire format: `POST /{version}/{phone_number_id}/messages` (sends and
//! mark-as-read), `GET /{version}/{media_id}` (media URL and type) and the media download
//! the URL points to. It checks the bearer token ([`TOKEN`]), records every request, and
//! fails on command with Meta's exact error body.
//!
//! Use it from a test file with
//! `#[path = "support_cloud_api/mod.rs"] mod fake_cloud_api;`, then:
//!
//! ```ignore
//! let api = fake_cloud_api::FakeCloudApi::start().await;
//! // CloudApiConfig { base_url: api.base_url(), access_token: fake_cloud_api::TOKEN.into(), .. }
//! api.fail_next(2, 429, 130429);          // the next two POSTs fail, then success
//! let sent = api.wait_for(1, Duration::from_secs(5)).await; // accepted message bodies
//! ```

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The access token the fake accepts (`Authorization: Bearer test-access-token`).
pub const TOKEN: &str = "test-access-token";

/// The Graph API version in [`FakeCloudApi::base_url`].
pub const VERSION: &str = "v25.0";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The path, e.g. `/v25.0/123456/messages`.
    pub path: String,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` for a GET or a body that was not JSON).
    pub body: Value,
    /// The status the fake answered with.
    pub status: u16,
    /// When it arrived.
    pub at: Instant,
}

impl RecordedRequest {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this was a message send or mark-as-read (a POST to `/messages`).
    pub fn is_messages_post(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/messages")
    }
}

/// A scripted failure of the next `POST /messages`.
#[derive(Debug, Clone)]
struct Failure {
    status: u16,
    code: i64,
    retry_after: Option<Duration>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    failures: VecDeque<Failure>,
    media: HashMap<String, (Vec<u8>, String)>,
    next_wamid: u64,
}

struct Shared {
    addr: SocketAddr,
    inner: Mutex<Inner>,
    changed: Notify,
}

/// The running fake; stops when dropped.
pub struct FakeCloudApi {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeCloudApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeCloudApi {
    /// Starts the fake on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shared = Arc::new(Shared {
            addr: listener.local_addr().unwrap(),
            inner: Mutex::new(Inner::default()),
            changed: Notify::new(),
        });
        let app = Router::new()
            .route("/{version}/{phone_number_id}/messages", post(messages))
            .route("/{version}/{media_id}", get(media_info))
            .route("/lookaside/{media_id}", get(media_download))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { shared, server }
    }

    /// The base URL to configure the client with: `http://127.0.0.1:<port>/v25.0`.
    pub fn base_url(&self) -> String {
        format!("http://{}/{VERSION}", self.shared.addr)
    }

    /// The next `n` `POST /messages` (sends and mark-as-read alike) answer HTTP `status`
    /// with Meta's error body for `code`, e.g. `fail_next(2, 429, 130429)` or
    /// `fail_next(1, 400, 131047)`. Queued after any failures already scripted.
    pub fn fail_next(&self, n: usize, status: u16, code: i64) {
        self.script(n, status, code, None);
    }

    /// As [`fail_next`](Self::fail_next), with a `Retry-After` header of `retry_after`
    /// (in seconds, fractions allowed).
    pub fn fail_next_with_retry_after(
        &self,
        n: usize,
        status: u16,
        code: i64,
        retry_after: Duration,
    ) {
        self.script(n, status, code, Some(retry_after));
    }

    fn script(&self, n: usize, status: u16, code: i64, retry_after: Option<Duration>) {
        let mut inner = self.shared.inner.lock().unwrap();
        for _ in 0..n {
            inner.failures.push_back(Failure {
                status,
                code,
                retry_after,
            });
        }
    }

    /// Makes media `media_id` downloadable with `bytes` of type `mime_type`.
    pub fn add_media(&self, media_id: &str, bytes: &[u8], mime_type: &str) {
        let mut inner = self.shared.inner.lock().unwrap();
        inner.media.insert(
            media_id.to_string(),
            (bytes.to_vec(), mime_type.to_string()),
        );
    }

    /// Every request received, in order, failed ones included.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.inner.lock().unwrap().requests.clone()
    }

    /// The bodies of the messages the fake accepted (answered with a wamid), in order.
    /// Mark-as-read requests and failed attempts are not in it.
    pub fn sent(&self) -> Vec<Value> {
        self.accepted(|body| body["status"] != json!("read"))
    }

    /// The bodies of the mark-as-read requests the fake accepted, in order.
    pub fn read_marks(&self) -> Vec<Value> {
        self.accepted(|body| body["status"] == json!("read"))
    }

    fn accepted(&self, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.is_messages_post() && r.status == 200 && keep(&r.body))
            .map(|r| r.body)
            .collect()
    }

    /// Waits until at least `n` messages were accepted and returns [`sent`](Self::sent);
    /// panics with what was sent if `timeout` passes first.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            let mut changed = std::pin::pin!(changed);
            // Registered before looking, so a send between the look and the wait still wakes.
            changed.as_mut().enable();
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!(
                    "expected {n} sent message(s) within {timeout:?}, got {}: {sent:#?}",
                    sent.len()
                );
            }
        }
    }
}

fn record(
    shared: &Shared,
    method: &str,
    path: String,
    headers: &HeaderMap,
    body: Value,
    status: u16,
) {
    let headers = headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    shared.inner.lock().unwrap().requests.push(RecordedRequest {
        method: method.to_string(),
        path,
        headers,
        body,
        status,
        at: Instant::now(),
    });
    shared.changed.notify_waiters();
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(format!("Bearer {TOKEN}").as_str())
}

/// Meta's title for the codes tests use.
fn title(code: i64) -> &'static str {
    match code {
        4 => "Application request limit reached",
        100 => "Invalid parameter",
        190 => "Invalid OAuth access token",
        130_429 => "Rate limit hit",
        131_000 => "Something went wrong",
        131_016 => "Service unavailable",
        131_026 => "Message undeliverable",
        131_047 => "Re-engagement message",
        131_056 => "(Business Account, Consumer Account) pair rate limit hit",
        _ => "Error",
    }
}

/// Meta's error answer, body exactly as the Graph API shapes it.
fn meta_error(status: u16, code: i64, retry_after: Option<Duration>) -> Response {
    let details = match code {
        131_047 => "Message failed to send because more than 24 hours have passed since the customer last replied to this number.".to_string(),
        _ => format!("{} (fake Cloud API)", title(code)),
    };
    let body = json!({
        "error": {
            "message": format!("(#{code}) {}", title(code)),
            "type": "OAuthException",
            "code": code,
            "error_data": { "messaging_product": "whatsapp", "details": details },
            "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUv"
        }
    });
    let status = StatusCode::from_u16(status).unwrap();
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(wait) = retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            wait.as_secs_f64().to_string().parse().unwrap(),
        );
    }
    response
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    Path((version, phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let path = format!("/{version}/{phone_number_id}/messages");
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    if !authorized(&headers) {
        record(&shared, "POST", path, &headers, body, 401);
        return meta_error(401, 190, None);
    }
    let failure = shared.inner.lock().unwrap().failures.pop_front();
    if let Some(failure) = failure {
        record(&shared, "POST", path, &headers, body, failure.status);
        return meta_error(failure.status, failure.code, failure.retry_after);
    }
    if body["messaging_product"] != json!("whatsapp") {
        record(&shared, "POST", path, &headers, body, 400);
        return meta_error(400, 100, None);
    }
    let answer = if body["status"] == json!("read") {
        json!({ "success": true })
    } else {
        let wamid = {
            let mut inner = shared.inner.lock().unwrap();
            inner.next_wamid += 1;
            format!("wamid.{}", inner.next_wamid)
        };
        // Sends to a phone number come back with its wa_id, sends to a BSUID with user_id.
        let contact = match (body["to"].as_str(), body["recipient"].as_str()) {
            (Some(to), _) => json!({ "input": to, "wa_id": to.trim_start_matches('+') }),
            (None, Some(user_id)) => json!({ "input": user_id, "user_id": user_id }),
            (None, None) => {
                record(&shared, "POST", path, &headers, body, 400);
                return meta_error(400, 100, None);
            }
        };
        json!({
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{ "id": wamid }],
        })
    };
    record(&shared, "POST", path, &headers, body, 200);
    axum::Json(answer).into_response()
}

async fn media_info(
    State(shared): State<Arc<Shared>>,
    Path((version, media_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/{version}/{media_id}");
    if !authorized(&headers) {
        record(&shared, "GET", path, &headers, Value::Null, 401);
        return meta_error(401, 190, None);
    }
    let known = shared.inner.lock().unwrap().media.get(&media_id).cloned();
    let Some((bytes, mime_type)) = known else {
        record(&shared, "GET", path, &headers, Value::Null, 400);
        return meta_error(400, 100, None);
    };
    record(&shared, "GET", path, &headers, Value::Null, 200);
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("http://{}/lookaside/{media_id}", shared.addr),
        "mime_type": mime_type,
        "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
        "file_size": bytes.len(),
        "id": media_id,
    }))
    .into_response()
}

async fn media_download(
    State(shared): State<Arc<Shared>>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/lookaside/{media_id}");
    // Meta's media URLs also need the token; without it they answer 401.
    if !authorized(&headers) {
        record(&shared, "GET", path, &headers, Value::Null, 401);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let known = shared.inner.lock().unwrap().media.get(&media_id).cloned();
    let Some((bytes, mime_type)) = known else {
        record(&shared, "GET", path, &headers, Value::Null, 404);
        return StatusCode::NOT_FOUND.into_response();
    };
    record(&shared, "GET", path, &headers, Value::Null, 200);
    ([(header::CONTENT_TYPE, mime_type)], bytes).into_response()
}
