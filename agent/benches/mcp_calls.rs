//! `cargo bench -p charla-agent --bench mcp_calls`: MCP `catalog_search` calls per second and
//! their latency, as an external AI agent sees them, on the example business.
//!
//! - Streamable HTTP: a real `charla serve` on loopback with a bearer token, and rmcp's client
//!   (one session, as an agent keeps one).
//! - stdio: a real `charla mcp` subprocess, driven over its stdin/stdout.
//!
//! For each transport: latency p50/p90/p99 of calls made one after another (an agent waiting
//! for each answer), then calls/s with `CHARLA_MCP_CONCURRENCY` (default 8) calls in flight
//! on the same session. The index is hybrid when the local embedding model is found
//! (`CHARLA_MODEL_DIR` or `./models`), BM25 otherwise; the figures say which.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/support_process/mod.rs"]
mod process;

use process::{SERVE_LISTENING, show, spawn_listening};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{Peer, RoleClient};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-reader-token-0123456789";
/// What shoppers ask an agent to look for, in the four languages of the example business.
const QUERIES: &[&str] = &[
    "helmet",
    "casco para niños",
    "luci per bicicletta",
    "cadeado para bicicleta",
    "e-bike battery",
    "guantes de invierno",
    "road bike under 1500",
    "pompa portatile",
    "chain lube",
    "capacete de estrada",
];

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn charla(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charla"));
    command
        .current_dir(workspace())
        .env_remove("CHARLA_CHAT_MODEL")
        .env_remove("CHARLA_BUSINESS_DIR")
        .env("RUST_LOG", "error")
        .arg("--data-dir")
        .arg(data);
    command
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn request(i: usize) -> CallToolRequestParams {
    let args = json!({"query": QUERIES[i % QUERIES.len()], "limit": 5});
    CallToolRequestParams::new("catalog_search").with_arguments(args.as_object().unwrap().clone())
}

fn check(result: &CallToolResult) {
    assert_ne!(
        result.is_error,
        Some(true),
        "catalog_search failed: {result:?}"
    );
}

struct Figures {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    sequential_per_second: f64,
    concurrent_per_second: f64,
}

async fn measure(peer: Peer<RoleClient>, calls: usize, concurrency: usize) -> Figures {
    for i in 0..20 {
        check(&peer.call_tool(request(i)).await.unwrap());
    }
    let mut latencies = Vec::with_capacity(calls);
    let started = Instant::now();
    for i in 0..calls {
        let start = Instant::now();
        check(&peer.call_tool(request(i)).await.unwrap());
        latencies.push(start.elapsed());
    }
    let sequential = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];

    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let peer = peer.clone();
        tasks.push(tokio::spawn(async move {
            for i in (worker..calls).step_by(concurrency) {
                check(&peer.call_tool(request(i)).await.unwrap());
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let concurrent = started.elapsed();
    Figures {
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        sequential_per_second: calls as f64 / sequential.as_secs_f64(),
        concurrent_per_second: calls as f64 / concurrent.as_secs_f64(),
    }
}

fn report(transport: &str, f: &Figures, concurrency: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {transport} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} (x{concurrency}) |",
        ms(f.p50),
        ms(f.p90),
        ms(f.p99),
        f.sequential_per_second,
        f.concurrent_per_second
    );
}

fn main() {
    // Cargo passes `--bench`; this harness has no options of its own.
    let calls = env_or("CHARLA_MCP_CALLS", 1000);
    let concurrency = env_or("CHARLA_MCP_CONCURRENCY", 8).max(1);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let data = tempfile::tempdir().unwrap();

    // The first start ingests the example business.
    let mut command = charla(data.path());
    command
        .env("WHATSAPP_APP_SECRET", "bench-secret")
        .env("WHATSAPP_ACCESS_TOKEN", "unused-in-this-bench")
        .env("CHARLA_MCP_TOKENS", format!("bench:{TOKEN}:read"))
        // The measure is the server's speed, not the token's call budget.
        .env("CHARLA_MCP_CALLS_PER_MINUTE", "100000000")
        .args(["serve", "--addr", "127.0.0.1:0"]);
    let started = spawn_listening(command, SERVE_LISTENING, show);
    let url = started.url;
    let serve = Killed(started.child);
    // The first start ingested the example business; its line says with which embedder.
    let dense = if started
        .before
        .iter()
        .any(|l| l.starts_with("ingested") && l.contains("local model"))
    {
        "hybrid: BM25 + local model"
    } else {
        "BM25 only"
    };

    println!(
        "MCP catalog_search on the example business ({dense}), {calls} calls per measure, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "| transport | p50 ms | p90 ms | p99 ms | calls/s one at a time | calls/s concurrent |"
    );
    println!("|---|---|---|---|---|---|");

    let http = rt.block_on(async {
        let transport = StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(format!("{url}/mcp")).auth_header(TOKEN),
        );
        let client = ().serve(transport).await.unwrap();
        let figures = measure(client.peer().clone(), calls, concurrency).await;
        let _ = client.cancel().await;
        figures
    });
    report("Streamable HTTP", &http, concurrency);
    // One process at a time on the index's folder.
    drop(serve);

    let stdio = rt.block_on(async {
        let mut child = tokio::process::Command::from(charla(data.path()));
        child
            .arg("mcp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = child.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take().unwrap();
        let client = ().serve((stdout, stdin)).await.unwrap();
        let figures = measure(client.peer().clone(), calls, concurrency).await;
        let _ = client.cancel().await;
        let _ = child.kill().await;
        figures
    });
    report("stdio", &stdio, concurrency);
}
