//! A recording stand-in for Meta's WhatsApp Cloud API, on 127.0.0.1, for scenario runs: the
//! one part of a conversation that cannot be reached from here. It speaks the wire format
//! charla's client uses (`POST /{version}/{phone_number_id}/messages` for sends and
//! mark-as-read, answered as Meta answers) and records every message sent to a customer.

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, PoisonError};

/// The Graph API version in the stand-in's base URL.
pub const GRAPH_VERSION: &str = "v25.0";

/// The access token charla is given for the stand-in.
pub const TOKEN: &str = "charla-evals-access-token";

#[derive(Default)]
struct Recorded {
    sent: Vec<Value>,
    next_wamid: u64,
}

/// The running stand-in; it stops when dropped.
pub struct FakeCloudApi {
    base_url: String,
    recorded: Arc<Mutex<Recorded>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeCloudApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeCloudApi {
    /// Starts it on a free loopback port.
    pub async fn start() -> Result<Self> {
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let app = Router::new()
            .route("/{version}/{phone_number_id}/messages", post(messages))
            .with_state(recorded.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot listen on 127.0.0.1 for the stand-in Cloud API")?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("the stand-in Cloud API stopped: {error}");
            }
        });
        Ok(Self {
            // charla's base URL includes the Graph API version, as Meta's does.
            base_url: format!("http://{addr}/{GRAPH_VERSION}"),
            recorded,
            task,
        })
    }

    /// What `WHATSAPP_API_BASE_URL` is set to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every message sent to a customer so far (mark-as-read calls left out), as sent.
    pub fn sent(&self) -> Vec<Value> {
        self.recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sent
            .clone()
    }
}

async fn messages(
    State(recorded): State<Arc<Mutex<Recorded>>>,
    Path((_version, _phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h == format!("Bearer {TOKEN}"));
    if !authorized {
        return meta_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&raw) else {
        return meta_error(StatusCode::BAD_REQUEST, 100, "Invalid parameter");
    };
    if body["status"] == json!("read") {
        return axum::Json(json!({ "success": true })).into_response();
    }
    let contact = match (body["to"].as_str(), body["recipient"].as_str()) {
        (Some(to), _) => json!({ "input": to, "wa_id": to.trim_start_matches('+') }),
        (None, Some(user_id)) => json!({ "input": user_id, "user_id": user_id }),
        (None, None) => return meta_error(StatusCode::BAD_REQUEST, 100, "Invalid parameter"),
    };
    let wamid = {
        let mut recorded = recorded.lock().unwrap_or_else(PoisonError::into_inner);
        recorded.next_wamid += 1;
        recorded.sent.push(body);
        format!("wamid.evals.{}", recorded.next_wamid)
    };
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [contact],
        "messages": [{ "id": wamid }],
    }))
    .into_response()
}

fn meta_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({ "error": {
        "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "evals"
    }});
    (status, axum::Json(body)).into_response()
}

/// What the customer sees of one sent message: its text (a template's name and parameters
/// for a template), the options it offers, and whether it is a template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    /// The text shown.
    pub text: String,
    /// Button and row `(id, title)`s offered.
    pub options: Vec<(String, String)>,
    /// The template's name and language, if it is one.
    pub template: Option<(String, String)>,
}

/// Reads a sent message body as the customer sees it.
pub fn seen(message: &Value) -> Seen {
    let mut seen = Seen::default();
    match message["type"].as_str().unwrap_or_default() {
        "text" => seen.text = message["text"]["body"].as_str().unwrap_or_default().into(),
        "interactive" => {
            let interactive = &message["interactive"];
            seen.text = interactive["body"]["text"]
                .as_str()
                .unwrap_or_default()
                .into();
            for button in interactive["action"]["buttons"]
                .as_array()
                .into_iter()
                .flatten()
            {
                seen.options.push(option(&button["reply"]));
            }
            for section in interactive["action"]["sections"]
                .as_array()
                .into_iter()
                .flatten()
            {
                for row in section["rows"].as_array().into_iter().flatten() {
                    seen.options.push(option(row));
                }
            }
        }
        "template" => {
            let template = &message["template"];
            let name = template["name"].as_str().unwrap_or_default().to_string();
            let language = template["language"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let parameters: Vec<&str> = template["components"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["parameters"].as_array().into_iter().flatten())
                .filter_map(|p| p["text"].as_str())
                .collect();
            seen.text = format!("[template {name}] {}", parameters.join(" "));
            seen.template = Some((name, language));
        }
        other => seen.text = format!("[{other} message]"),
    }
    seen
}

fn option(value: &Value) -> (String, String) {
    (
        value["id"].as_str().unwrap_or_default().to_string(),
        value["title"].as_str().unwrap_or_default().to_string(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn an_interactive_list_is_seen_as_its_text_and_rows() {
        let message = json!({"type": "interactive", "interactive": {"type": "list",
            "body": {"text": "Elige hora"},
            "action": {"button": "Horas", "sections": [{"rows": [
                {"id": "slot:1", "title": "10:00"}, {"id": "slot:2", "title": "11:00"}]}]}}});
        let seen = seen(&message);
        assert_eq!(seen.text, "Elige hora");
        assert_eq!(
            seen.options,
            [
                ("slot:1".to_string(), "10:00".to_string()),
                ("slot:2".to_string(), "11:00".to_string())
            ]
        );
        assert_eq!(seen.template, None);
    }

    #[test]
    fn a_template_is_seen_with_its_name_language_and_parameters() {
        let message = json!({"type": "template", "template": {"name": "reengage_es",
            "language": {"code": "es_ES"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Lucía"}]}]}});
        let seen = seen(&message);
        assert_eq!(
            seen.template,
            Some(("reengage_es".to_string(), "es_ES".to_string()))
        );
        assert!(seen.text.contains("Lucía"));
    }
}
