//! A real `charla serve` process is killed with SIGKILL in the middle of a stream of signed
//! webhooks and restarted on the same data directory: every delivery it acknowledged is
//! answered, and none twice. Deliveries it did not acknowledge are delivered again after the
//! restart, as Meta does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::fake_cloud_api;
use crate::process::{SERVE_LISTENING, quiet, spawn_listening};

use charla_agent::whatsapp::signature::sign;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

const SECRET: &str = "crash-test-secret";
const CUSTOMERS: usize = 40;

fn start(data: &Path, api_base: &str) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charla"));
    command
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("CHARLA_EMBEDDER", "none")
        .env("CHARLA_FIXED_NOW", "2026-03-02T10:00:00+01:00")
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_ACCESS_TOKEN", fake_cloud_api::TOKEN)
        .env("WHATSAPP_API_BASE_URL", api_base)
        .env_remove("CHARLA_CHAT_MODEL")
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--debounce-ms",
            "50",
        ]);
    let started = spawn_listening(command, SERVE_LISTENING, quiet);
    (started.child, started.url)
}

fn webhook(i: usize) -> Vec<u8> {
    let from = format!("3460010{i:04}");
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
            "contacts": [{ "profile": { "name": "Cliente" }, "wa_id": from }],
            "messages": [{ "from": from, "id": format!("wamid.crash.{i}"), "timestamp": "1772442000", "type": "text",
                           "text": { "body": "¿Puedo pagar con Bizum?" } }]
        }}]}]
    }))
    .unwrap()
}

async fn deliver(http: &reqwest::Client, url: &str, i: usize) -> bool {
    let body = webhook(i);
    let signature = sign(SECRET.as_bytes(), &body);
    let sent = http
        .post(format!("{url}/webhooks/whatsapp"))
        .header("x-hub-signature-256", signature)
        .body(body)
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    matches!(sent, Ok(response) if response.status() == 200)
}

fn replies_by_customer(sent: &[Value]) -> BTreeMap<String, usize> {
    let mut replies = BTreeMap::new();
    for message in sent.iter().filter(|m| m.get("status").is_none()) {
        *replies
            .entry(message["to"].as_str().unwrap_or_default().to_string())
            .or_insert(0) += 1;
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_answers_every_acknowledged_message_exactly_once_after_restart() {
    let api = fake_cloud_api::FakeCloudApi::start().await;
    let data = tempfile::tempdir().unwrap();
    // reqwest is built without a default TLS provider (charla picks ring once, at start).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();

    let (mut first, url) = start(data.path(), &api.base_url());
    let mut acknowledged = BTreeSet::new();
    for i in 0..CUSTOMERS {
        if i == CUSTOMERS / 4 {
            // Let some turns finish, so the kill finds answered, running and waiting work.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            while replies_by_customer(&api.sent()).len() < 3
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        if i == CUSTOMERS / 2 {
            // Mid-stream: some turns are being answered, some replies being sent.
            first.kill().unwrap();
            first.wait().unwrap();
            eprintln!(
                "killed after {} acknowledged deliveries and {} replies sent",
                acknowledged.len(),
                replies_by_customer(&api.sent()).len()
            );
        }
        if deliver(&http, &url, i).await {
            acknowledged.insert(i);
        }
    }
    assert!(
        acknowledged.len() >= CUSTOMERS / 2 - 1,
        "the first process acknowledged the first half"
    );

    let (mut second, url) = start(data.path(), &api.base_url());
    // Meta redelivers what was not acknowledged (and sometimes what was: duplicates).
    for i in 0..CUSTOMERS {
        if !acknowledged.contains(&i) || i % 5 == 0 {
            assert!(
                deliver(&http, &url, i).await,
                "the restarted server acknowledges delivery {i}"
            );
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while replies_by_customer(&api.sent()).len() < CUSTOMERS
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give any duplicate a chance to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    second.kill().unwrap();
    second.wait().unwrap();

    let replies = replies_by_customer(&api.sent());
    assert_eq!(
        replies.len(),
        CUSTOMERS,
        "every customer answered: {replies:?}"
    );
    // A reply whose send was in flight when the process died is sent again at restart (Meta
    // has no idempotency key): the outbox shows it as a second attempt of the same row. Any
    // other double answer is a bug.
    let db = format!("sqlite://{}", data.path().join("charla.db").display());
    let pool = sqlx::sqlite::SqlitePool::connect(&db).await.unwrap();
    let in_flight: BTreeSet<String> =
        sqlx::query_scalar::<_, String>("SELECT contact_key FROM wa_outbox WHERE attempts >= 2")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let twice: Vec<_> = replies
        .iter()
        .filter(|(to, n)| **n > 1 && !in_flight.contains(*to))
        .collect();
    assert!(
        twice.is_empty(),
        "answered more than once: {twice:?} (in flight at the kill: {in_flight:?})"
    );
    // The sender has at most 16 sends in flight (ChannelConfig::send_concurrency).
    assert!(
        in_flight.len() <= 16,
        "at most the sends in flight at the kill are repeated: {in_flight:?}"
    );
}
