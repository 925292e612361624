//! The operator API through real HTTP on 127.0.0.1:0, over the agent on the example business
//! (scripted model, real qdrant-edge index and SQLite file): a whole handoff from the
//! customer asking for a person to the bot answering again from a fresh context, the live
//! event stream, two operators racing for one conversation, channel refusals, and every
//! error answer (401, 404, 409, 400/415/422/413) as JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use async_trait::async_trait;
use charla_agent::conversation::Conversation;
use charla_agent::model::scripted::{ScriptedModel, ScriptedStep};
use charla_agent::operator::{
    self, CustomerSender, OperatorHub, OperatorState, OperatorTokens, SendReceipt, SendRefusal,
    StoreOnlySender,
};
use charla_agent::runtime::Runtime;
use charla_agent::turn::{AgentConfig, TurnOutcome};
use charla_prompts::Reply;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const ALICE: &str = "alice-operator-token-0001";
const BOB: &str = "bob-operator-token-0002";

struct Harness {
    api: String,
    http: reqwest::Client,
    runtime: Runtime,
    hub: OperatorHub,
    model: Arc<ScriptedModel>,
    _dir: tempfile::TempDir,
}

/// The API mounted as `charla serve` mounts it, with `sender` for the test channel.
async fn harness(model_replies: &[&str], sender: Arc<dyn CustomerSender>) -> Harness {
    let model = Arc::new(ScriptedModel::new(
        model_replies
            .iter()
            .map(|r| ScriptedStep::text(*r))
            .collect(),
    ));
    let (dir, runtime) = support::agent_with(model.clone(), AgentConfig::default()).await;
    let hub = OperatorHub::default();
    let tokens = OperatorTokens::parse(&format!("alice:{ALICE},bob:{BOB}")).unwrap();
    let state = OperatorState::new(&runtime.agent, tokens, hub.clone()).with_sender("test", sender);
    let app = axum::Router::new().nest("/api/operator", operator::router(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}/api/operator", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let _ = rustls::crypto::ring::default_provider().install_default();
    Harness {
        api,
        http: reqwest::Client::new(),
        runtime,
        hub,
        model,
        _dir: dir,
    }
}

impl Harness {
    /// The customer `c1` writes; the channel worker's part (publishing to the hub) included.
    async fn customer_says(&self, text: &str) -> TurnOutcome {
        let outcome = support::say(&self.runtime, "c1", text).await;
        self.hub
            .publish_turn(&outcome, text, self.runtime.agent.parts().clock.now());
        outcome
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.api))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    async fn post(&self, token: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.api))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.unwrap()).await
    }

    async fn history(&self, id: &str) -> Value {
        let (status, history) = self.get(ALICE, &format!("/conversations/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{history}");
        history
    }

    fn model_saw(&self, request: usize) -> Vec<String> {
        self.model.requests()[request]
            .messages
            .iter()
            .filter_map(|m| m.content.clone())
            .collect()
    }
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, value)
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"))
}

/// Reads server-sent events until one of each `wanted` name has arrived (or fails after 10 s).
async fn read_events(stream: &mut reqwest::Response, wanted: &[&str]) -> Vec<(String, Value)> {
    let mut events: Vec<(String, Value)> = Vec::new();
    let mut buffer = String::new();
    let all_there = |events: &[(String, Value)]| {
        wanted
            .iter()
            .all(|w| events.iter().any(|(name, _)| name == w))
    };
    tokio::time::timeout(Duration::from_secs(10), async {
        while !all_there(&events) {
            let chunk = stream
                .chunk()
                .await
                .unwrap()
                .expect("the event stream stays open");
            buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim().to_string())
                };
                if let (Some(name), Some(data)) = (field("event:"), field("data:")) {
                    events.push((name, serde_json::from_str(&data).unwrap()));
                }
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("events {wanted:?} did not all arrive; got {events:?}"));
    events
}

#[tokio::test]
async fn an_operator_takes_over_and_hands_back_to_a_bot_that_starts_fresh() {
    let h = harness(
        &["Sí, tenemos el casco Urban por 49 €."],
        Arc::new(StoreOnlySender),
    )
    .await;
    let mut stream = h
        .http
        .get(format!("{}/events", h.api))
        .bearer_auth(BOB)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );

    // The customer asks for a person: the bot hands off and the queue shows why.
    let handoff = h
        .customer_says("quiero hablar con una persona, por favor")
        .await;
    let id = handoff.conversation_id.clone();
    assert!(handoff.handoff.is_some());
    let (status, queue) = h.get(ALICE, "/queue").await;
    assert_eq!(status, StatusCode::OK);
    let queued = &queue["conversations"][0];
    assert_eq!(queue["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(queued["id"], id.as_str());
    assert_eq!(queued["status"], "waiting");
    assert_eq!(queued["reason"], "customer_asked");
    assert!(
        queued["summary"]
            .as_str()
            .unwrap()
            .contains("quiero hablar con una persona"),
        "{queued}"
    );
    assert!(
        queued["waiting_since"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-02T09:00:00"),
        "{queued}"
    );
    assert_eq!(queued["claimed_by"], Value::Null);
    let signals = queued["customer_messages"].as_array().unwrap();
    assert_eq!(signals.len(), 1);
    assert_eq!(
        signals[0]["intent"],
        handoff.understanding.intent.intent.as_str()
    );
    assert!(
        ["negative", "neutral", "positive"].contains(&signals[0]["sentiment"].as_str().unwrap())
    );

    // Alice claims it; Bob is too late, and cannot write to it either.
    let (status, claimed) = h
        .post(ALICE, &format!("/conversations/{id}/claim"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(
        (claimed["status"].as_str(), claimed["claimed_by"].as_str()),
        (Some("with_operator"), Some("alice"))
    );
    let (status, late) = h
        .post(BOB, &format!("/conversations/{id}/claim"), None)
        .await;
    assert_eq!(
        (status, error_code(&late)),
        (StatusCode::CONFLICT, "already_claimed")
    );
    assert!(
        late["error"]["message"].as_str().unwrap().contains("alice"),
        "{late}"
    );
    let (status, meddling) = h
        .post(
            BOB,
            &format!("/conversations/{id}/messages"),
            Some(json!({"text": "hola"})),
        )
        .await;
    assert_eq!(
        (status, error_code(&meddling)),
        (StatusCode::CONFLICT, "already_claimed")
    );

    // Alice writes to the customer and leaves a note for the team.
    let (status, sent) = h
        .post(
            ALICE,
            &format!("/conversations/{id}/messages"),
            Some(json!({"text": "Hola, soy Alice. ¿En qué te ayudo?"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (status, _) = h
        .post(
            ALICE,
            &format!("/conversations/{id}/notes"),
            Some(json!({"text": "cliente VIP: ofrecer envío gratis"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // The customer answers: the bot stays silent, the operators hear it live.
    let silent = h.customer_says("¿sigues ahí? busco un casco").await;
    assert_eq!(silent.reply, None);
    assert_eq!(h.model.calls_made(), 0);
    let events = read_events(&mut stream, &["handoff_opened", "customer_message"]).await;
    let opened = &events
        .iter()
        .find(|(name, _)| name == "handoff_opened")
        .unwrap()
        .1;
    assert_eq!(
        (
            opened["conversation_id"].as_str(),
            opened["reason"].as_str()
        ),
        (Some(id.as_str()), Some("customer_asked"))
    );
    let message = &events
        .iter()
        .find(|(name, _)| name == "customer_message")
        .unwrap()
        .1;
    assert_eq!(message["text"], "¿sigues ahí? busco un casco");

    // Alice hands back: the customer is told in Spanish that the bot is back.
    let (status, back) = h
        .post(ALICE, &format!("/conversations/{id}/return"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(
        (
            back["conversation"]["status"].as_str(),
            back["customer_notified"].as_bool()
        ),
        (Some("bot"), Some(true))
    );
    let prompts = &h.runtime.agent.parts().prompts;
    let spanish_notice = prompts.render_reply("es", &Reply::BotBack).unwrap();
    assert_ne!(
        spanish_notice,
        prompts.render_reply("en", &Reply::BotBack).unwrap()
    );

    // The full history keeps everything, in order, for people.
    let history = h.history(&id).await;
    let messages = history["messages"].as_array().unwrap();
    let by_role = |role: &str| {
        messages
            .iter()
            .filter(|m| m["role"] == role)
            .collect::<Vec<_>>()
    };
    let operator_messages = by_role("operator");
    assert_eq!(operator_messages.len(), 1);
    assert_eq!(
        operator_messages[0]["text"],
        "Hola, soy Alice. ¿En qué te ayudo?"
    );
    assert_eq!(operator_messages[0]["author"], "alice");
    assert_eq!(
        by_role("note")[0]["text"],
        "cliente VIP: ofrecer envío gratis"
    );
    assert_eq!(messages.last().unwrap()["role"], "assistant");
    assert_eq!(messages.last().unwrap()["text"], spanish_notice.as_str());
    let kinds: Vec<_> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["handed_off", "claimed", "returned_to_bot"]);
    assert_eq!(history["events"][0]["actor"], "customer");
    assert_eq!(history["events"][1]["actor"], json!({"operator": "alice"}));
    let (status, queue) = h.get(ALICE, "/queue").await;
    assert_eq!(
        (status, queue["conversations"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );

    // The bot answers the next message, seeing nothing from before it took the conversation back.
    let answered = h.customer_says("¿Tenéis cascos de ciudad?").await;
    assert_eq!(
        answered.reply.as_deref(),
        Some("Sí, tenemos el casco Urban por 49 €.")
    );
    let seen = h.model_saw(0);
    assert!(
        seen.iter().any(|t| t == "¿Tenéis cascos de ciudad?"),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|t| t == &spanish_notice),
        "the notice starts the fresh context: {seen:?}"
    );
    for earlier in [
        "quiero hablar con una persona",
        "Hola, soy Alice",
        "cliente VIP",
        "¿sigues ahí?",
    ] {
        assert!(
            !seen.iter().any(|t| t.contains(earlier)),
            "the model saw `{earlier}`: {seen:?}"
        );
    }
}

#[tokio::test]
async fn a_note_is_never_shown_to_the_model() {
    let h = harness(
        &["first answer", "second answer"],
        Arc::new(StoreOnlySender),
    )
    .await;
    let first = h.customer_says("¿Tenéis timbres para la bici?").await;
    let id = first.conversation_id;
    // Notes may be added while the bot has the conversation too.
    let (status, _) = h
        .post(
            BOB,
            &format!("/conversations/{id}/notes"),
            Some(json!({"text": "NOTA-INTERNA-7781"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    h.customer_says("¿y luces?").await;
    let seen = h.model_saw(1);
    assert!(
        seen.iter().any(|t| t == "first answer"),
        "the earlier exchange is there: {seen:?}"
    );
    assert!(
        !seen.iter().any(|t| t.contains("NOTA-INTERNA-7781")),
        "{seen:?}"
    );
    let history = h.history(&id).await;
    let note = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "note")
        .unwrap()
        .clone();
    assert_eq!(
        (note["text"].as_str(), note["author"].as_str()),
        (Some("NOTA-INTERNA-7781"), Some("bob"))
    );
}

#[tokio::test]
async fn a_released_conversation_can_be_claimed_and_resolved_by_another_operator() {
    let h = harness(&[], Arc::new(StoreOnlySender)).await;
    let id = h
        .customer_says("I want to talk to a human")
        .await
        .conversation_id;
    h.post(ALICE, &format!("/conversations/{id}/claim"), None)
        .await;
    let (status, refused) = h
        .post(BOB, &format!("/conversations/{id}/resolve"), None)
        .await;
    assert_eq!(
        (status, error_code(&refused)),
        (StatusCode::CONFLICT, "already_claimed"),
        "nobody closes another's conversation"
    );

    let (status, released) = h
        .post(
            ALICE,
            &format!("/conversations/{id}/release"),
            Some(json!({"reason": "shift over"})),
        )
        .await;
    assert_eq!(
        (status, released["status"].as_str(), &released["claimed_by"]),
        (StatusCode::OK, Some("waiting"), &Value::Null)
    );
    let (status, _) = h
        .post(BOB, &format!("/conversations/{id}/claim"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, resolved) = h
        .post(
            BOB,
            &format!("/conversations/{id}/resolve"),
            Some(json!({"reason": "refund issued"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    let english_notice = h
        .runtime
        .agent
        .parts()
        .prompts
        .render_reply("en", &Reply::BotBack)
        .unwrap();
    let history = h.history(&id).await;
    assert_eq!(
        history["messages"].as_array().unwrap().last().unwrap()["text"],
        english_notice.as_str()
    );
    let events: Vec<_> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["reason"].as_str().map(str::to_string),
            )
        })
        .collect();
    let expected = [
        ("handed_off", Some("customer_asked")),
        ("claimed", None),
        ("released", Some("shift over")),
        ("claimed", None),
        ("resolved", Some("refund issued")),
    ];
    assert_eq!(
        events,
        expected.map(|(k, r)| (k.to_string(), r.map(str::to_string)))
    );

    let (status, again) = h
        .post(BOB, &format!("/conversations/{id}/claim"), None)
        .await;
    assert_eq!(
        (status, error_code(&again)),
        (StatusCode::CONFLICT, "not_handed_off")
    );
}

#[tokio::test]
async fn two_operators_claiming_at_once_get_one_conversation_between_them() {
    let h = harness(&[], Arc::new(StoreOnlySender)).await;
    let id = h
        .customer_says("I want to talk to a human")
        .await
        .conversation_id;
    let path = format!("/conversations/{id}/claim");
    let ((alice, _), (bob, _)) = tokio::join!(h.post(ALICE, &path, None), h.post(BOB, &path, None));
    let mut statuses = [alice, bob];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    // Claiming again what one already has is not an error (a retried request).
    let winner = if alice == StatusCode::OK { ALICE } else { BOB };
    assert_eq!(h.post(winner, &path, None).await.0, StatusCode::OK);
}

/// A channel outside its customer service window: it refuses everything.
struct ClosedWindow;

#[async_trait]
impl CustomerSender for ClosedWindow {
    async fn send_operator_message(
        &self,
        _: &Conversation,
        _: &str,
        _: &str,
    ) -> Result<SendReceipt, SendRefusal> {
        Err(SendRefusal::new(
            "window_closed",
            "the customer last wrote over 24 hours ago; send a template",
        ))
    }

    async fn send_bot_back(&self, _: &Conversation, _: &str) -> Result<SendReceipt, SendRefusal> {
        Err(SendRefusal::new(
            "window_closed",
            "the customer last wrote over 24 hours ago",
        ))
    }
}

#[tokio::test]
async fn a_message_the_channel_refuses_is_409_with_its_code_and_is_not_stored() {
    let h = harness(&[], Arc::new(ClosedWindow)).await;
    let id = h
        .customer_says("I want to talk to a human")
        .await
        .conversation_id;
    h.post(ALICE, &format!("/conversations/{id}/claim"), None)
        .await;
    let (status, refused) = h
        .post(
            ALICE,
            &format!("/conversations/{id}/messages"),
            Some(json!({"text": "hello"})),
        )
        .await;
    assert_eq!(
        (status, error_code(&refused)),
        (StatusCode::CONFLICT, "window_closed")
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("template")
    );

    // Returning still returns; the response says the customer could not be told.
    let (status, back) = h
        .post(ALICE, &format!("/conversations/{id}/return"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            back["customer_notified"].as_bool(),
            back["notice_refused"]["code"].as_str()
        ),
        (Some(false), Some("window_closed"))
    );
    let history = h.history(&id).await;
    assert_eq!(history["conversation"]["status"], "bot");
    let roles: Vec<_> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert!(!roles.contains(&"operator"), "{roles:?}");
    assert_eq!(
        roles.last(),
        Some(&"assistant"),
        "the last message is still the handoff announcement"
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401_and_name_the_bearer_scheme() {
    let h = harness(&[], Arc::new(StoreOnlySender)).await;
    let id = h
        .customer_says("I want to talk to a human")
        .await
        .conversation_id;
    let requests = [
        h.http.get(format!("{}/queue", h.api)),
        h.http
            .get(format!("{}/queue", h.api))
            .bearer_auth("alice-operator-token-0000"),
        h.http.get(format!("{}/queue", h.api)).bearer_auth(""),
        h.http
            .get(format!("{}/queue", h.api))
            .basic_auth("alice", Some(ALICE)),
        h.http.get(format!("{}/events", h.api)).bearer_auth("nope"),
        h.http
            .post(format!("{}/conversations/{id}/claim", h.api))
            .bearer_auth(format!("{ALICE}x")),
    ];
    for request in requests {
        let response = request.send().await.unwrap();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_string());
        let (status, body) = answer(response).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::UNAUTHORIZED, "unauthorized")
        );
        assert!(challenge.unwrap().starts_with("Bearer"));
        assert!(!body.to_string().contains(ALICE), "{body}");
    }
    let (_, conversation) = h.get(ALICE, &format!("/conversations/{id}")).await;
    assert_eq!(
        conversation["conversation"]["status"], "waiting",
        "nothing was claimed"
    );
}

#[tokio::test]
async fn unknown_conversations_and_routes_are_404_json() {
    let h = harness(&[], Arc::new(StoreOnlySender)).await;
    for (status, body) in [
        h.get(ALICE, "/conversations/C-999999").await,
        h.get(ALICE, "/conversations/not-an-id").await,
        h.post(ALICE, "/conversations/C-999999/claim", None).await,
        h.post(
            ALICE,
            "/conversations/C-999999/notes",
            Some(json!({"text": "hi"})),
        )
        .await,
        h.post(ALICE, "/conversations/C-999999/return", None).await,
        h.get(ALICE, "/no-such-route").await,
    ] {
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn malformed_bodies_get_json_errors_and_change_nothing() {
    let h = harness(&[], Arc::new(StoreOnlySender)).await;
    let id = h
        .customer_says("I want to talk to a human")
        .await
        .conversation_id;
    h.post(ALICE, &format!("/conversations/{id}/claim"), None)
        .await;
    let url = format!("{}/conversations/{id}/messages", h.api);
    let send = |body: Vec<u8>, content_type: &'static str| {
        h.http
            .post(&url)
            .bearer_auth(ALICE)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases = [
        (
            send(b"{\"text\": ".to_vec(), "application/json")
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            send(b"{\"txt\": \"hi\"}".to_vec(), "application/json")
                .await
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            send(b"{\"text\": \"   \"}".to_vec(), "application/json")
                .await
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            send(b"{\"text\": \"hi\"}".to_vec(), "text/plain")
                .await
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_body",
        ),
        (
            send(
                json!({"text": "a".repeat(4_097)}).to_string().into_bytes(),
                "application/json",
            )
            .await
            .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            send(
                json!({"text": "a".repeat(100_000)})
                    .to_string()
                    .into_bytes(),
                "application/json",
            )
            .await
            .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
    ];
    for (response, status, code) in cases {
        let (got_status, body) = answer(response).await;
        assert_eq!((got_status, error_code(&body)), (status, code), "{body}");
    }
    let (status, body) = h
        .post(ALICE, &format!("/conversations/{id}/return"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an empty body is fine where the body is optional: {body}"
    );
    let history = h.history(&id).await;
    assert!(
        !history["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "operator")
    );
}
