//! `cargo bench -p charla-agent --bench webhook_load`: `charla serve` under load from `wrk`
//! (Debian's package) on loopback, with durability on: every delivery is signed, verified and
//! committed to SQLite before its 200, and every customer message is answered by the offline
//! agent through the outbox to a fake Cloud API.
//!
//! The mix of deliveries (`CHARLA_LOAD_MIX`):
//! - `realistic` (default): what a WhatsApp number receives, where every reply the business
//!   sends comes back as three status deliveries (sent, delivered, read): one customer
//!   message in four deliveries.
//! - `messages`: every delivery a new customer message, each answered by its own turn.
//!
//! `wrk` paces itself with the Lua script's `delay()` to a target rate (default 1,000
//! deliveries/s: `CHARLA_LOAD_RATE`, `CHARLA_LOAD_SECONDS`). Reported: the webhook's ack
//! latency p50/p90/p99 (wrk's own measurement), deliveries/s acknowledged, replies/s sent
//! during the run and how long the backlog took to drain afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/support_cloud_api/mod.rs"]
mod fake_cloud_api;
#[path = "../tests/support_process/mod.rs"]
mod process;

use charla_agent::whatsapp::signature::sign;
use process::{SERVE_LISTENING, show, spawn_listening};
use serde_json::json;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

const SECRET: &str = "load-test-secret";
const THREADS: usize = 2;
const CONNECTIONS: usize = 20;

const SCRIPT: &str = r#"
local sigs, bodies = {}, {}
-- `id` is the global each thread gets from setup(); a local here would hide it.
local counter, threads = 0, 1
local delay_ms = 10
function setup(thread)
  thread:set("id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end
function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t")
    sigs[#sigs + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
  threads = tonumber(args[2])
  delay_ms = tonumber(args[3])
end
function request()
  local i = ((counter * threads + id) % #bodies) + 1
  counter = counter + 1
  return wrk.format("POST", "/webhooks/whatsapp",
    { ["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[i] }, bodies[i])
end
function delay()
  return delay_ms
end
"#;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("webhook load: wrk is not installed (apt-get install wrk): not measured");
        return;
    }
    let rate = env_or("CHARLA_LOAD_RATE", 1000);
    let seconds = env_or("CHARLA_LOAD_SECONDS", 20);
    let deliveries = (rate * seconds) as usize + 2000;
    // Each connection waits this long between requests, so all together make `rate`.
    let delay_ms = (CONNECTIONS as u64 * 1000) / rate.max(1);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let api = rt.block_on(fake_cloud_api::FakeCloudApi::start());
    let dir = tempfile::tempdir().unwrap();

    let realistic = match std::env::var("CHARLA_LOAD_MIX").as_deref() {
        Ok("messages") => false,
        Ok("realistic") | Err(_) => true,
        Ok(other) => panic!("CHARLA_LOAD_MIX={other:?}: use realistic or messages"),
    };
    let is_message = |i: usize| !realistic || i.is_multiple_of(4);

    // Signed deliveries: new messages of 5,000 customers, and (realistic) statuses of replies.
    let bodies_file = dir.path().join("bodies.tsv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&bodies_file).unwrap());
    for i in 0..deliveries {
        let from = format!("34699{:06}", (i / 4) % 5000);
        let value = if is_message(i) {
            json!({
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
                "contacts": [{ "profile": { "name": "Cliente" }, "wa_id": from }],
                "messages": [{ "from": from, "id": format!("wamid.load.{i}"), "timestamp": "1772442000", "type": "text",
                               "text": { "body": "¿Cuánto cuesta el envío a Canarias?" } }]
            })
        } else {
            let status = ["sent", "delivered", "read"][i % 4 - 1];
            json!({
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
                "statuses": [{ "id": format!("wamid.reply.{}", i / 4), "status": status, "timestamp": "1772442001",
                               "recipient_id": from,
                               "pricing": { "billable": false, "pricing_model": "PMP", "category": "service", "type": "free_customer_service" } }]
            })
        };
        let body = serde_json::to_string(&json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": value }] }]
        }))
        .unwrap();
        writeln!(
            out,
            "{}\t{}",
            sign(SECRET.as_bytes(), body.as_bytes()),
            body
        )
        .unwrap();
    }
    drop(out);
    let script = dir.path().join("load.lua");
    // CHARLA_LOAD_DATA_DIR keeps the server's data for inspection.
    let data_dir = std::env::var_os("CHARLA_LOAD_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("data"));
    std::fs::write(&script, SCRIPT).unwrap();

    let mut command = Command::new(env!("CARGO_BIN_EXE_charla"));
    command
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("CHARLA_EMBEDDER", "none")
        .env("CHARLA_FIXED_NOW", "2026-03-02T10:00:00+01:00")
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_ACCESS_TOKEN", fake_cloud_api::TOKEN)
        .env("WHATSAPP_API_BASE_URL", api.base_url())
        .env("RUST_LOG", "warn")
        .args([
            "--data-dir",
            data_dir.to_str().unwrap(),
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--debounce-ms",
            "200",
        ]);
    // The server's warnings and errors, if any, show up in the bench's output.
    let started = spawn_listening(command, SERVE_LISTENING, show);
    let (mut server, url) = (started.child, started.url);

    let replies = || {
        api.sent()
            .iter()
            .filter(|m| m.get("status").is_none())
            .count()
    };
    let started = Instant::now();
    let output = Command::new("wrk")
        .args([
            "-t",
            &THREADS.to_string(),
            "-c",
            &CONNECTIONS.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(&url)
        .args([
            "--",
            bodies_file.to_str().unwrap(),
            &THREADS.to_string(),
            &delay_ms.to_string(),
        ])
        .output()
        .unwrap();
    let load_time = started.elapsed();
    let answered_during = replies();
    let report = String::from_utf8_lossy(&output.stdout).to_string();
    let acknowledged = report
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);

    // wrk's threads take deliveries in turn from the start of the file, so the acknowledged
    // ones are (very nearly) the first `acknowledged`: wait for their messages' answers.
    let expected = (0..acknowledged).filter(|&i| is_message(i)).count();
    let drain_started = Instant::now();
    let mut last = (replies(), Instant::now());
    while replies() < expected && drain_started.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(200));
        let now = replies();
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(20) {
            eprintln!("no progress for 20 s: {now} of {acknowledged} answered");
            break;
        }
    }
    let drained = drain_started.elapsed();
    let _ = server.kill();

    println!("{report}");
    println!(
        "target rate            {rate} deliveries/s for {seconds} s ({CONNECTIONS} connections, {THREADS} wrk threads), {} mix",
        if realistic {
            "realistic (1 message : 3 statuses)"
        } else {
            "messages-only"
        }
    );
    println!(
        "acknowledged           {acknowledged} ({:.0}/s)",
        acknowledged as f64 / load_time.as_secs_f64()
    );
    println!(
        "answered during load   {answered_during} ({:.0}/s)",
        answered_during as f64 / load_time.as_secs_f64()
    );
    println!(
        "answered in all        {} of {expected} messages, after {:.1} s more",
        replies(),
        drained.as_secs_f64()
    );
}
