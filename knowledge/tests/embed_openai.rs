//! `OpenAiEmbedder` against a local HTTP server that speaks OpenAI's `/v1/embeddings` wire
//! format: batching, order, normalisation, and how failures are classified.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use charla_knowledge::embed::openai::{OpenAiEmbedder, OpenAiEmbedderConfig};
use charla_knowledge::{EmbedError, EmbedRole, Embedder};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk-test-0123456789";
const DIMS: usize = 4;

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    body: Value,
}

/// What the server answers to a request body: status and JSON text.
type Answer = Arc<dyn Fn(&Value) -> (u16, String) + Send + Sync>;

/// A server on 127.0.0.1:0 answering every request with `answer`; returns its address and
/// the requests it saw.
async fn start_server(answer: Answer) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let answer = Arc::clone(&answer);
            let log = Arc::clone(&log);
            tokio::spawn(async move { serve_one(stream, answer, log).await });
        }
    });
    (addr, seen)
}

async fn serve_one(mut stream: TcpStream, answer: Answer, log: Arc<Mutex<Vec<Seen>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap().split(' ');
    let method = request_line.next().unwrap().to_string();
    let path = request_line.next().unwrap().to_string();
    let mut content_length = 0;
    let mut authorization = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => content_length = value.trim().parse().unwrap(),
                "authorization" => authorization = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    while buf.len() < head_end + content_length {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed mid-body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buf[head_end..head_end + content_length]).unwrap();
    let (status, text) = answer(&body);
    log.lock().unwrap().push(Seen {
        method,
        path,
        authorization,
        body,
    });
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Whatever",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{text}",
        text.len()
    );
    stream.write_all(response.as_bytes()).await.unwrap();
    stream.shutdown().await.ok();
}

/// A vector that depends on the text and is not unit length: [chars, 'a's, 'e's, 1].
fn fake_vector(text: &str) -> Vec<f32> {
    let count = |c| text.chars().filter(|&x| x == c).count() as f32;
    vec![text.chars().count() as f32, count('a'), count('e'), 1.0]
}

fn normalised(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

/// OpenAI's success shape, with the items deliberately listed in reverse order.
fn embeddings_response(body: &Value) -> (u16, String) {
    let inputs = body["input"].as_array().unwrap();
    let mut data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"object": "embedding", "index": i, "embedding": fake_vector(t.as_str().unwrap())})
        })
        .collect();
    data.reverse();
    let answer = json!({
        "object": "list",
        "data": data,
        "model": body["model"],
        "usage": {"prompt_tokens": 7, "total_tokens": 7}
    });
    (200, answer.to_string())
}

fn openai_error(status: u16, message: &str, kind: &str, code: &str) -> Answer {
    let text = json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        .to_string();
    Arc::new(move |_| (status, text.clone()))
}

fn config(addr: SocketAddr) -> OpenAiEmbedderConfig {
    config_with_dims(addr, DIMS)
}

fn config_with_dims(addr: SocketAddr, dims: usize) -> OpenAiEmbedderConfig {
    OpenAiEmbedderConfig::new("text-embedding-test", dims)
        .base_url(format!("http://{addr}/v1"))
        .api_key(KEY)
}

fn texts(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("text {i} {}", "a".repeat(i)))
        .collect()
}

#[tokio::test]
async fn vectors_come_back_normalised_one_per_input_in_input_order() {
    let (addr, seen) = start_server(Arc::new(embeddings_response)).await;
    let embedder =
        OpenAiEmbedder::new(config(addr).batch_size(2).prefixes("query: ", "passage: ")).unwrap();
    assert_eq!(embedder.id(), "text-embedding-test");
    assert_eq!(embedder.dims(), DIMS);

    let inputs = texts(5);
    let vectors = embedder.embed(&inputs, EmbedRole::Query).await.unwrap();
    assert_eq!(vectors.len(), 5);
    for (text, vector) in inputs.iter().zip(&vectors) {
        let expected = normalised(fake_vector(&format!("query: {text}")));
        assert_eq!(vector, &expected, "{text}");
    }

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "5 inputs in batches of 2");
    for request in &seen {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/embeddings");
        assert_eq!(
            request.authorization.as_deref(),
            Some(&*format!("Bearer {KEY}"))
        );
        assert_eq!(request.body["model"], "text-embedding-test");
        assert!(request.body.get("dimensions").is_none(), "{}", request.body);
    }
    let sent: Vec<&str> = seen
        .iter()
        .flat_map(|r| r.body["input"].as_array().unwrap())
        .map(|v| v.as_str().unwrap())
        .collect();
    let expected: Vec<String> = inputs.iter().map(|t| format!("query: {t}")).collect();
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn passages_get_the_passage_prefix_and_dimensions_are_sent_when_asked() {
    let (addr, seen) = start_server(Arc::new(embeddings_response)).await;
    let embedder = OpenAiEmbedder::new(
        config(addr)
            .prefixes("query: ", "passage: ")
            .send_dimensions(true),
    )
    .unwrap();
    embedder
        .embed(&["Shipping takes 2-4 days".to_string()], EmbedRole::Passage)
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen[0].body["input"],
        json!(["passage: Shipping takes 2-4 days"])
    );
    assert_eq!(seen[0].body["dimensions"], json!(DIMS));
}

#[tokio::test]
async fn no_texts_means_no_request() {
    let (addr, seen) = start_server(Arc::new(embeddings_response)).await;
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    assert!(
        embedder
            .embed(&[], EmbedRole::Query)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn rate_limit_is_transient() {
    let answer = openai_error(
        429,
        "Rate limit reached for text-embedding-test on requests per min",
        "requests",
        "rate_limit_exceeded",
    );
    let (addr, _) = start_server(answer).await;
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    let err = embedder
        .embed(&texts(1), EmbedRole::Query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Transient(m) if m.contains("429") && m.contains("Rate limit")),
        "{err}"
    );
}

#[tokio::test]
async fn exhausted_quota_is_permanent_even_though_it_is_a_429() {
    let answer = openai_error(
        429,
        "You exceeded your current quota",
        "insufficient_quota",
        "insufficient_quota",
    );
    let (addr, _) = start_server(answer).await;
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    let err = embedder
        .embed(&texts(1), EmbedRole::Query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Permanent(m) if m.contains("quota")),
        "{err}"
    );
}

#[tokio::test]
async fn bad_key_is_permanent_and_the_key_is_not_in_the_error() {
    let answer = openai_error(
        401,
        "Incorrect API key provided: sk-te*****6789.",
        "invalid_request_error",
        "invalid_api_key",
    );
    let (addr, _) = start_server(answer).await;
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    let err = embedder
        .embed(&texts(1), EmbedRole::Query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Permanent(m) if m.contains("401")),
        "{err}"
    );
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn server_error_is_transient() {
    let (addr, _) = start_server(Arc::new(|_| (503, "upstream overloaded".to_string()))).await;
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    let err = embedder
        .embed(&texts(1), EmbedRole::Query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Transient(m) if m.contains("503")),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_endpoint_is_transient() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    let err = embedder
        .embed(&texts(1), EmbedRole::Query)
        .await
        .unwrap_err();
    assert!(matches!(err, EmbedError::Transient(_)), "{err}");
}

#[tokio::test(start_paused = true)]
async fn endpoint_that_never_answers_times_out_as_transient() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts and then holds the connection without a word.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let embedder = OpenAiEmbedder::new(config(addr).timeout(Duration::from_secs(20))).unwrap();
    let err = embedder
        .embed(&texts(1), EmbedRole::Query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Transient(m) if m.contains("20s")),
        "{err}"
    );
}

#[tokio::test]
async fn fewer_vectors_than_inputs_is_refused() {
    let (addr, _) = start_server(Arc::new(|body: &Value| {
        let (status, text) = embeddings_response(body);
        let mut value: Value = serde_json::from_str(&text).unwrap();
        value["data"].as_array_mut().unwrap().pop();
        (status, value.to_string())
    }))
    .await;
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    let err = embedder
        .embed(&texts(3), EmbedRole::Passage)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Permanent(m) if m.contains("2 vectors for 3 inputs")),
        "{err}"
    );
}

#[tokio::test]
async fn vectors_of_another_length_than_configured_are_refused() {
    let (addr, _) = start_server(Arc::new(embeddings_response)).await;
    let embedder = OpenAiEmbedder::new(config_with_dims(addr, 8)).unwrap();
    let err = embedder
        .embed(&texts(2), EmbedRole::Passage)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Permanent(m) if m.contains("4 dimensions, configured 8")),
        "{err}"
    );
}

#[tokio::test]
async fn duplicated_index_is_refused() {
    let (addr, _) = start_server(Arc::new(|body: &Value| {
        let (status, text) = embeddings_response(body);
        let mut value: Value = serde_json::from_str(&text).unwrap();
        for item in value["data"].as_array_mut().unwrap() {
            item["index"] = json!(0);
        }
        (status, value.to_string())
    }))
    .await;
    let embedder = OpenAiEmbedder::new(config(addr)).unwrap();
    let err = embedder
        .embed(&texts(2), EmbedRole::Passage)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EmbedError::Permanent(m) if m.contains("twice")),
        "{err}"
    );
}

#[test]
fn api_key_is_redacted_in_debug_output() {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let config = config(addr);
    assert!(!format!("{config:?}").contains(KEY));
    let embedder = OpenAiEmbedder::new(config).unwrap();
    let shown = format!("{embedder:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

#[test]
fn unusable_configuration_is_refused_up_front() {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let cases = [
        OpenAiEmbedderConfig::new("", DIMS),
        OpenAiEmbedderConfig::new("m", 0),
        config(addr).base_url("localhost:8080/v1"),
        config(addr).timeout(Duration::ZERO),
    ];
    for config in cases {
        let shown = format!("{config:?}");
        assert!(
            matches!(OpenAiEmbedder::new(config), Err(EmbedError::Permanent(_))),
            "{shown}"
        );
    }
}
