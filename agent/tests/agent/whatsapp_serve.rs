//! The WhatsApp channel through real HTTP: `charla serve`'s router on 127.0.0.1:0, signed
//! webhooks in, a fake Cloud API (test code, Meta's wire format) recording every send, the
//! offline agent on the example business with a real qdrant-edge index and SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::fake_cloud_api;
use crate::support;

use charla_agent::server::{self, ServerState, WebhookSecrets};
use charla_agent::turn::AgentConfig;
use charla_agent::whatsapp::channel::{ChannelConfig, WhatsAppChannel};
use charla_agent::whatsapp::cloud_api::{CloudApiClient, CloudApiConfig};
use charla_agent::whatsapp::cloud_sender::CloudSender;
use charla_agent::whatsapp::outbox::{OutboxItem, OutboxMessage, OutboxState, SendCategory};
use charla_agent::whatsapp::signature::sign;
use charla_agent::whatsapp::store::ChannelStore;
use charla_tools::Clock;
use fake_cloud_api::FakeCloudApi;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "app-secret-for-tests";
const VERIFY_TOKEN: &str = "verify-me";
const PHONE_NUMBER_ID: &str = "106540352242922";

struct Harness {
    url: String,
    http: reqwest::Client,
    api: FakeCloudApi,
    channel: WhatsAppChannel,
    clock: Clock,
    _dir: tempfile::TempDir,
}

async fn harness(debounce: Duration) -> Harness {
    harness_with(debounce, false).await
}

const ALICE: &str = "alice-token-0123456789";

async fn harness_with(debounce: Duration, operators: bool) -> Harness {
    let clock = Clock::fixed(support::monday_morning());
    let (dir, runtime) =
        support::agent_full(None, AgentConfig::default(), None, clock.clone()).await;
    let api = FakeCloudApi::start().await;
    let mut config = CloudApiConfig::new(fake_cloud_api::TOKEN);
    config.base_url = api.base_url();
    config.backoff_base = Duration::from_millis(5);
    config.backoff_max = Duration::from_millis(20);
    let client = CloudApiClient::new(config).unwrap();
    let store = ChannelStore::new(&runtime.store);
    let channel_config = ChannelConfig {
        debounce,
        per_recipient_gap: Duration::from_millis(5),
        ..ChannelConfig::default()
    };
    let channel = WhatsAppChannel::new(
        runtime.agent.clone(),
        store,
        Arc::new(CloudSender::new(client)),
        channel_config,
    );
    let operators = operators.then(|| {
        let hub = charla_agent::operator::OperatorHub::default();
        channel.notify_operators(hub.clone());
        let tokens =
            charla_agent::operator::OperatorTokens::parse(&format!("alice:{ALICE}")).unwrap();
        let sender = charla_agent::whatsapp::operator_sender::WhatsAppOperatorSender::new(
            channel.clone(),
            "es",
        );
        charla_agent::operator::OperatorState::new(&runtime.agent, tokens, hub)
            .with_sender("whatsapp", Arc::new(sender))
    });
    channel.start().await.unwrap();
    let secrets = WebhookSecrets {
        verify_token: Some(VERIFY_TOKEN.into()),
        app_secret: Some(SECRET.into()),
        skip_signature: false,
    };
    let router = server::router(ServerState {
        channel: channel.clone(),
        whatsapp: Arc::new(secrets),
        operators,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Harness {
        url,
        http: reqwest::Client::new(),
        api,
        channel,
        clock,
        _dir: dir,
    }
}

/// A text message webhook exactly as Meta sends it.
fn text_webhook(wamid: &str, from: &str, text: &str, timestamp: i64) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
                    "contacts": [{ "profile": { "name": "Lucía Pérez" }, "wa_id": from }],
                    "messages": [{ "from": from, "id": wamid, "timestamp": timestamp.to_string(), "type": "text", "text": { "body": text } }]
                }
            }]
        }]
    })
}

fn status_webhook(wamid: &str, to: &str, status: &str, timestamp: i64) -> Value {
    let mut value = json!({ "id": wamid, "status": status, "timestamp": timestamp.to_string(), "recipient_id": to });
    if status == "failed" {
        value["errors"] = json!([{ "code": 131026, "title": "Message undeliverable" }]);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
            "statuses": [value]
        }}]}]
    })
}

impl Harness {
    fn now(&self) -> i64 {
        self.clock.now().as_second()
    }

    async fn post_bytes(&self, body: Vec<u8>, signature: Option<String>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/webhooks/whatsapp", self.url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        request.send().await.unwrap()
    }

    async fn deliver(&self, webhook: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(webhook).unwrap();
        let signature = sign(SECRET.as_bytes(), &body);
        self.post_bytes(body, Some(signature)).await
    }

    /// Messages (not read marks) the fake accepted for `to`.
    fn sent_to(&self, to: &str) -> Vec<Value> {
        self.api
            .sent()
            .into_iter()
            .filter(|m| m["to"] == to && m.get("status").is_none())
            .collect()
    }

    async fn wait_sent_to(&self, to: &str, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let sent = self.sent_to(to);
            if sent.len() >= n {
                return sent;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited for {n} messages to {to}; got {sent:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------
// The door: handshake, signatures, sizes, fixtures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_verification_handshake_answers_the_challenge_only_with_our_token() {
    let h = harness(Duration::from_millis(50)).await;
    let get = |mode: &str, token: &str| {
        h.http.get(format!("{}/webhooks/whatsapp?hub.mode={mode}&hub.verify_token={token}&hub.challenge=1158201444", h.url)).send()
    };
    let ok = get("subscribe", VERIFY_TOKEN).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(get("subscribe", "wrong").await.unwrap().status(), 403);
    assert_eq!(
        get("unsubscribe", VERIFY_TOKEN).await.unwrap().status(),
        403
    );
}

#[tokio::test]
async fn only_deliveries_signed_over_their_exact_bytes_are_accepted() {
    let h = harness(Duration::from_millis(50)).await;
    let webhook = text_webhook("wamid.sig1", "34600000001", "hola", h.now());
    let body = serde_json::to_vec(&webhook).unwrap();
    let good = sign(SECRET.as_bytes(), &body);

    let wrong = h
        .post_bytes(body.clone(), Some(sign(b"another-secret", &body)))
        .await;
    assert_eq!(wrong.status(), 401);
    let text = wrong.text().await.unwrap();
    assert!(
        text.contains("invalid_signature") && !text.contains(&good),
        "reveals nothing: {text}"
    );

    assert_eq!(h.post_bytes(body.clone(), None).await.status(), 401);
    assert_eq!(
        h.post_bytes(body.clone(), Some("sha256=zz".into()))
            .await
            .status(),
        401
    );
    // The same JSON serialised differently is not what was signed.
    let reserialized = serde_json::to_vec_pretty(&webhook).unwrap();
    assert_eq!(
        h.post_bytes(reserialized, Some(good.clone()))
            .await
            .status(),
        401
    );

    assert_eq!(h.post_bytes(body, Some(good)).await.status(), 200);
    assert!(h.sent_to("34600000001").is_empty() || h.sent_to("34600000001").len() <= 1);
}

#[tokio::test]
async fn malformed_json_is_a_400_and_a_body_over_3_mb_a_413() {
    let h = harness(Duration::from_millis(50)).await;
    let body = b"{\"object\": \"whatsapp_business_account\", \"entry\": [".to_vec();
    let signature = sign(SECRET.as_bytes(), &body);
    let response = h.post_bytes(body, Some(signature)).await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(response).await, "malformed_webhook");

    let huge = vec![b' '; 3 * 1024 * 1024 + 1];
    let signature = sign(SECRET.as_bytes(), &huge);
    let response = h.post_bytes(huge, Some(signature)).await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(response).await, "body_too_large");
}

#[tokio::test]
async fn every_fixture_is_accepted_over_http() {
    let h = harness(Duration::from_millis(50)).await;
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/whatsapp"
    ))];
    let shared = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/whatsapp"
    ));
    if shared.is_dir() {
        dirs.push(shared);
    }
    let mut delivered = 0;
    for dir in dirs {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let bodies: Vec<Value> = if value.get("object").is_some() {
                vec![value]
            } else {
                value.as_object().unwrap().values().cloned().collect()
            };
            for body in bodies {
                let response = h.deliver(&body).await;
                assert_eq!(
                    response.status(),
                    200,
                    "{}: {}",
                    path.display(),
                    response.text().await.unwrap()
                );
                delivered += 1;
            }
        }
    }
    assert!(delivered >= 40, "{delivered}");
}

// ---------------------------------------------------------------------------------------------
// Durable and in order
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fifty_deliveries_of_one_message_get_one_reply() {
    let h = harness(Duration::from_millis(100)).await;
    let webhook = text_webhook(
        "wamid.dup",
        "34600000002",
        "¿Puedo pagar con Bizum?",
        h.now(),
    );
    let mut deliveries = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (http, url, body) = (
            h.http.clone(),
            h.url.clone(),
            serde_json::to_vec(&webhook).unwrap(),
        );
        let signature = sign(SECRET.as_bytes(), &body);
        deliveries.spawn(async move {
            http.post(format!("{url}/webhooks/whatsapp"))
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    while let Some(status) = deliveries.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let sent = h.wait_sent_to("34600000002", 1).await;
    assert!(
        sent[0]["text"]["body"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("bizum"),
        "{sent:?}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(h.sent_to("34600000002").len(), 1, "one reply only");
}

#[tokio::test]
async fn a_burst_of_three_messages_within_a_second_gets_one_reply() {
    // The default debounce (1.5 s): room for a slow machine between the three deliveries.
    let h = harness(Duration::from_millis(1500)).await;
    let mut turns = h.channel.subscribe_turns();
    for (i, text) in [
        "hola",
        "quería preguntar una cosa",
        "¿puedo pagar con Bizum?",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            h.deliver(&text_webhook(
                &format!("wamid.burst{i}"),
                "34600000003",
                text,
                h.now()
            ))
            .await
            .status(),
            200
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    h.wait_sent_to("34600000003", 1).await;
    let (contact, outcome) = tokio::time::timeout(Duration::from_secs(5), turns.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact, "34600000003");
    assert!(outcome.understanding.language.code == "es");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        h.sent_to("34600000003").len(),
        1,
        "the three messages were one turn"
    );
    assert!(turns.try_recv().is_err(), "no second turn");
}

#[tokio::test]
async fn statuses_only_move_forward_and_failed_is_final() {
    let h = harness(Duration::from_millis(50)).await;
    h.deliver(&text_webhook("wamid.st", "34600000004", "hola", h.now()))
        .await;
    h.wait_sent_to("34600000004", 1).await;
    let wamid = "wamid.reply-status-test";
    for status in ["read", "delivered", "sent"] {
        assert_eq!(
            h.deliver(&status_webhook(wamid, "34600000004", status, h.now()))
                .await
                .status(),
            200
        );
    }
    assert_eq!(
        h.channel.store().status_of(wamid).await.unwrap().as_deref(),
        Some("read")
    );
    h.deliver(&status_webhook(wamid, "34600000004", "failed", h.now()))
        .await;
    h.deliver(&status_webhook(wamid, "34600000004", "read", h.now()))
        .await;
    assert_eq!(
        h.channel.store().status_of(wamid).await.unwrap().as_deref(),
        Some("failed")
    );
}

// ---------------------------------------------------------------------------------------------
// Rules: window, consent, retries
// ---------------------------------------------------------------------------------------------

fn operator_text(contact: &str, body: &str) -> OutboxItem {
    OutboxItem {
        contact_key: contact.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        message: OutboxMessage::Text { body: body.into() },
        category: SendCategory::Service,
        origin: "operator:alice".into(),
        language: "es".into(),
    }
}

async fn wait_outbox(h: &Harness, id: i64) -> (OutboxState, Option<String>, Option<String>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let row = h.channel.store().outbox_row(id).await.unwrap().unwrap();
        if matches!(row.0, OutboxState::Sent | OutboxState::Failed) {
            return row;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox {id} still {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn outside_the_24_hour_window_a_template_is_sent_instead_of_text() {
    let h = harness(Duration::from_millis(50)).await;
    h.deliver(&text_webhook("wamid.win", "34600000005", "hola", h.now()))
        .await;
    h.wait_sent_to("34600000005", 1).await;
    h.clock.advance(jiff::SignedDuration::from_hours(25));
    let id = h
        .channel
        .enqueue(operator_text(
            "34600000005",
            "¿Sigues interesado en la revisión?",
        ))
        .await
        .unwrap();
    let (state, _, reason) = wait_outbox(&h, id).await;
    assert_eq!(state, OutboxState::Sent);
    assert!(reason.unwrap().starts_with("window_closed"));
    let sent = h.wait_sent_to("34600000005", 2).await;
    assert_eq!(sent[1]["type"], "template", "{sent:?}");
    assert_eq!(sent[1]["template"]["name"], "reengage_es");
}

#[tokio::test]
async fn after_baja_a_marketing_template_is_refused() {
    let h = harness(Duration::from_millis(50)).await;
    h.deliver(&text_webhook("wamid.baja", "34600000006", "BAJA", h.now()))
        .await;
    let confirmation = h.wait_sent_to("34600000006", 1).await;
    assert_eq!(confirmation[0]["type"], "text");
    let promo = OutboxItem {
        message: OutboxMessage::Template {
            name: "promo_es".into(),
            language: "es_ES".into(),
            parameters: vec!["Lucía".into(), "20%".into(), "31 de marzo".into()],
        },
        category: SendCategory::Marketing,
        ..operator_text("34600000006", "")
    };
    let id = h.channel.enqueue(promo).await.unwrap();
    let (state, _, reason) = wait_outbox(&h, id).await;
    assert_eq!(state, OutboxState::Failed);
    assert!(reason.unwrap().starts_with("no_marketing_opt_in"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.sent_to("34600000006").len(), 1, "only the confirmation");
    let history = h
        .channel
        .store()
        .consent_history("34600000006")
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn a_throughput_error_is_retried_until_it_succeeds() {
    let h = harness(Duration::from_millis(50)).await;
    h.deliver(&text_webhook("wamid.r0", "34600000007", "hola", h.now()))
        .await;
    h.wait_sent_to("34600000007", 1).await;
    h.api.fail_next(2, 429, 130429);
    let id = h
        .channel
        .enqueue(operator_text(
            "34600000007",
            "Te escribe Alicia, del taller.",
        ))
        .await
        .unwrap();
    let (state, wamid, _) = wait_outbox(&h, id).await;
    assert_eq!(state, OutboxState::Sent);
    assert!(wamid.is_some());
    let attempts = h
        .api
        .requests()
        .into_iter()
        .filter(|r| {
            r.is_messages_post()
                && r.body["to"] == "34600000007"
                && r.body["text"]["body"] == "Te escribe Alicia, del taller."
        })
        .count();
    assert_eq!(attempts, 3, "two failures, then success");
}

#[tokio::test]
async fn a_permanent_error_is_not_retried_and_its_reason_is_kept() {
    let h = harness(Duration::from_millis(50)).await;
    h.deliver(&text_webhook("wamid.p0", "34600000008", "hola", h.now()))
        .await;
    h.wait_sent_to("34600000008", 1).await;
    h.api.fail_next(1, 400, 131047);
    let id = h
        .channel
        .enqueue(operator_text("34600000008", "¿Sigues ahí?"))
        .await
        .unwrap();
    let (state, _, reason) = wait_outbox(&h, id).await;
    assert_eq!(state, OutboxState::Failed);
    assert!(reason.unwrap().contains("131047"));
    let attempts = h
        .api
        .requests()
        .into_iter()
        .filter(|r| r.is_messages_post() && r.body["text"]["body"] == "¿Sigues ahí?")
        .count();
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn offered_slots_go_as_a_list_and_picking_a_row_books_it() {
    let h = harness(Duration::from_millis(50)).await;
    h.deliver(&text_webhook(
        "wamid.b0",
        "34600000009",
        "Quiero reservar una revisión básica en Barcelona mañana",
        h.now(),
    ))
    .await;
    let sent = h.wait_sent_to("34600000009", 1).await;
    assert_eq!(sent[0]["type"], "interactive", "{sent:?}");
    let rows = sent[0]["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert!(rows.len() >= 2);
    let second = &rows[1];
    let pick = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
            "contacts": [{ "profile": { "name": "Lucía" }, "wa_id": "34600000009" }],
            "messages": [{ "from": "34600000009", "id": "wamid.b1", "timestamp": h.now().to_string(), "type": "interactive",
                "interactive": { "type": "list_reply", "list_reply": { "id": second["id"], "title": second["title"] } } }]
        }}]}]
    });
    h.deliver(&pick).await;
    let sent = h.wait_sent_to("34600000009", 2).await;
    let confirmation = sent[1]["text"]["body"].as_str().unwrap();
    assert!(confirmation.contains("B-0"), "{confirmation}");
}

// ---------------------------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_operator_takes_over_answers_on_whatsapp_and_returns_the_customer_to_the_bot() {
    let h = harness_with(Duration::from_millis(50), true).await;
    let customer = "34600000010";
    h.deliver(&text_webhook(
        "wamid.op0",
        customer,
        "Quiero hablar con una persona",
        h.now(),
    ))
    .await;
    let announced = h.wait_sent_to(customer, 1).await;
    assert_eq!(announced[0]["type"], "text");

    let api = |path: &str| format!("{}/api/operator{path}", h.url);
    let queue: Value = h
        .http
        .get(api("/queue"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = queue
        .as_array()
        .or_else(|| queue["conversations"].as_array())
        .unwrap()[0]
        .clone();
    let id = entry["id"]
        .as_str()
        .or_else(|| entry["conversation_id"].as_str())
        .unwrap()
        .to_string();
    assert_eq!(
        h.http.get(api("/queue")).send().await.unwrap().status(),
        401
    );

    let claim = h
        .http
        .post(api(&format!("/conversations/{id}/claim")))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    assert!(
        claim.status().is_success(),
        "{}",
        claim.text().await.unwrap()
    );
    let sent = h
        .http
        .post(api(&format!("/conversations/{id}/messages")))
        .bearer_auth(ALICE)
        .json(&json!({"text": "Hola Lucía, soy Alicia del taller."}))
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{}", sent.text().await.unwrap());
    let sent = h.wait_sent_to(customer, 2).await;
    assert_eq!(
        sent[1]["text"]["body"],
        "Hola Lucía, soy Alicia del taller."
    );

    // The customer answers the operator: the bot stays silent.
    h.deliver(&text_webhook(
        "wamid.op1",
        customer,
        "Gracias Alicia, es por la garantía",
        h.now(),
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(h.sent_to(customer).len(), 2, "the bot did not answer");

    let back = h
        .http
        .post(api(&format!("/conversations/{id}/return")))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    assert!(back.status().is_success(), "{}", back.text().await.unwrap());
    let sent = h.wait_sent_to(customer, 3).await;
    assert!(
        sent[2]["text"]["body"].as_str().is_some(),
        "the customer is told the bot is back: {sent:?}"
    );

    h.deliver(&text_webhook(
        "wamid.op2",
        customer,
        "¿Puedo pagar con Bizum?",
        h.now(),
    ))
    .await;
    let sent = h.wait_sent_to(customer, 4).await;
    assert!(
        sent[3]["text"]["body"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("bizum"),
        "the bot answers again: {sent:?}"
    );
}
