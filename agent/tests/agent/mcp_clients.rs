//! charla's tools as other AI agents reach them, through clients nobody on the team wrote:
//!
//! - the official MCP Python SDK (PyPI `mcp`, in `.venv-test`) over Streamable HTTP against a
//!   real `charla serve`, with bearer tokens of different scopes and customers, and over stdio
//!   against `charla mcp`;
//! - Debian's Chromium with WebMCP, driven by playwright-core, on the served `/shop` page.
//!
//! `scripts/setup-test-clients.sh` installs the clients (and `.ci/install-browser.sh` the
//! browser). Without them these tests say so and pass, unless `CHARLA_REQUIRE_TEST_CLIENTS=1`
//! (as in `scripts/test.sh` on CI) makes a missing client a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::process::{SERVE_LISTENING, quiet, spawn_listening};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::OnceLock;

const READER: &str = "reader-token-0123456789abcdef";
const CUSTOMER_A: &str = "34600111222";
const WRITER_A: &str = "writer-a-token-0123456789abcdef";
const CUSTOMER_B: &str = "34600999888";
const WRITER_B: &str = "writer-b-token-0123456789abcdef";
/// A Monday morning: the next day's workshop slots are in the future and open.
const NOW: &str = "2026-03-02T10:00:00+01:00";

/// The tools a read-only principal gets: searches and availability, nothing that touches a
/// customer's data.
const READ_TOOLS: &str = "catalog_search,knowledge_search,check_availability";
/// The tools that act on one customer's tickets and bookings, and handoff (never exposed).
const CUSTOMER_TOOLS: &str =
    "create_ticket,get_ticket,book_appointment,cancel_booking,list_bookings,handoff_to_human";

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn clients_required() -> bool {
    std::env::var("CHARLA_REQUIRE_TEST_CLIENTS").as_deref() == Ok("1")
}

/// Says why a client-driven test cannot run: a failure when clients are required.
fn unavailable(what: &str) {
    assert!(
        !clients_required(),
        "{what}, and CHARLA_REQUIRE_TEST_CLIENTS=1: run scripts/setup-test-clients.sh (and .ci/install-browser.sh as root)"
    );
    eprintln!("skipped: {what} (run scripts/setup-test-clients.sh)");
}

/// The venv's Python with the MCP SDK, if installed.
fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("CHARLA_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv-test"));
    let python = venv.join("bin/python");
    python.is_file().then_some(python)
}

/// A `charla` command on `data` with the example business and a fixed clock. The embedder
/// is whatever the environment gives (the local model on CI: hybrid search).
fn charla(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charla"));
    command
        .current_dir(workspace())
        .env_remove("CHARLA_CHAT_MODEL")
        .env_remove("CHARLA_BUSINESS_DIR")
        .env("CHARLA_FIXED_NOW", NOW)
        .arg("--data-dir")
        .arg(data);
    command
}

/// A data directory with the example business already ingested (hybrid when the embedding
/// model is there) and its intent examples embedded, made once per test run and copied for
/// each test: every test starts from the same state without paying the first run again.
fn prepared_data() -> tempfile::TempDir {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mcp-clients-template");
        let _ = std::fs::remove_dir_all(&dir);
        let output = charla(&dir)
            .args(["chat", "--contact", "template", "--message", "hola"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "preparing the example business: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        dir
    });
    let data = tempfile::tempdir().unwrap();
    copy_dir(template, data.path());
    data
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A running `charla serve`, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Served {
    let tokens = format!(
        "reader:{READER}:read,writer-a:{WRITER_A}:read+write:{CUSTOMER_A},writer-b:{WRITER_B}:write:{CUSTOMER_B}"
    );
    let mut command = charla(data);
    command
        .env("WHATSAPP_APP_SECRET", "mcp-test-secret")
        .env("WHATSAPP_ACCESS_TOKEN", "unused-in-this-test")
        .env("CHARLA_MCP_TOKENS", tokens)
        .args(["serve", "--addr", "127.0.0.1:0"]);
    let started = spawn_listening(command, SERVE_LISTENING, quiet);
    Served {
        child: started.child,
        url: started.url,
    }
}

/// Runs `mcp_check.py` with `args` and returns its JSON summary; fails the test, with the
/// script's report, unless every check passed.
fn mcp_check(python: &Path, args: &[&str]) -> Value {
    let output = Command::new(python)
        .current_dir(workspace())
        .env("CHARLA_FIXED_NOW", NOW)
        .arg("mcp-server/tests/clients/python/mcp_check.py")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "mcp_check {args:?} failed ({}):\n{stderr}\n{stdout}",
        output.status
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("mcp_check's summary is not JSON ({e}): {stdout}"))
}

/// The structured summary of the `index`th successful call in a summary.
fn call(summary: &Value, index: usize) -> &Value {
    &summary["calls"][index]["structured"]
}

/// How many items a summarized list field holds (`"3 items"`).
fn items(structured: &Value, field: &str) -> usize {
    structured[field]
        .as_str()
        .and_then(|s| s.strip_suffix(" items"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no list `{field}` in {structured}"))
}

#[test]
fn the_python_sdk_searches_over_streamable_http_and_a_token_sees_only_what_its_scope_allows() {
    let Some(python) = python() else {
        return unavailable("no Python MCP SDK venv");
    };
    let data = prepared_data();
    let server = serve(data.path());
    let mcp = format!("{}/mcp", server.url);

    // A read token: the search tools with their schemas, real results from the index, and no
    // tool that writes or touches a customer's data, not even by calling it blind.
    let read = mcp_check(
        &python,
        &[
            "--check-schemas",
            "--expect-tools",
            READ_TOOLS,
            "--call",
            "catalog_search",
            r#"{"query": "casco", "limit": 5}"#,
            "--call",
            "knowledge_search",
            r#"{"query": "return policy refund days", "kind": "policy"}"#,
            "--call-error",
            "create_ticket",
            r#"{"subject": "Broken", "description": "It broke", "priority": "normal"}"#,
            "--call-error",
            "book_appointment",
            r#"{"service": "basic-service", "location": "barcelona", "start": "2026-03-03T10:00"}"#,
            "http",
            &mcp,
            "--token",
            READER,
        ],
    );
    assert!(items(call(&read, 0), "items") > 0, "catalog hits: {read}");
    assert!(
        items(call(&read, 1), "passages") > 0,
        "policy passages: {read}"
    );
    let schemas = read["schemas"].as_array().unwrap();
    assert!(
        schemas.iter().all(|t| t["outputSchema"] == true),
        "every tool declares its output schema: {schemas:?}"
    );

    // The stateless 2026-07-28 revision, as a newer client speaks it.
    let stateless = mcp_check(
        &python,
        &[
            "--handshake",
            "discover",
            "--expect-tools",
            READ_TOOLS,
            "--call",
            "knowledge_search",
            r#"{"query": "bicycle helmet", "kind": "product", "max_price": 200}"#,
            "http",
            &mcp,
            "--token",
            READER,
        ],
    );
    assert_eq!(stateless["protocol"], "2026-07-28", "{stateless}");

    // Customer A's token books a slot for A.
    let booked = mcp_check(
        &python,
        &[
            "--expect-absent",
            "handoff_to_human",
            "--call",
            "book_appointment",
            r#"{"service": "basic-service", "location": "barcelona", "start": "2026-03-03T10:00", "notes": "Squeaky brakes"}"#,
            "http",
            &mcp,
            "--token",
            WRITER_A,
        ],
    );
    let booking_id = call(&booked, 0)["booking_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no booking id: {booked}"))
        .to_string();

    // Customer B's token cannot see or cancel it: not found, nothing about A.
    let cancel = format!(r#"{{"booking_id": "{booking_id}"}}"#);
    let other = mcp_check(
        &python,
        &[
            "--call",
            "list_bookings",
            "{}",
            "--call-error",
            "cancel_booking",
            &cancel,
            "http",
            &mcp,
            "--token",
            WRITER_B,
        ],
    );
    assert_eq!(
        items(call(&other, 0), "bookings"),
        0,
        "B sees none of A's bookings: {other}"
    );
    let refusal = other["call_errors"][0]["error"].as_str().unwrap();
    assert!(
        refusal.to_lowercase().contains("not found") || refusal.contains("no booking"),
        "B is told the booking does not exist: {refusal}"
    );
    assert!(!refusal.contains(CUSTOMER_A), "{refusal}");

    // A's booking is untouched.
    let own = mcp_check(
        &python,
        &[
            "--call",
            "list_bookings",
            "{}",
            "http",
            &mcp,
            "--token",
            WRITER_A,
        ],
    );
    assert_eq!(items(call(&own, 0), "bookings"), 1, "{own}");
}

#[test]
fn a_request_without_a_valid_token_is_refused_with_the_resource_metadata() {
    let Some(python) = python() else {
        return unavailable("no Python MCP SDK venv");
    };
    let data = prepared_data();
    let server = serve(data.path());
    let output = Command::new(&python)
        .current_dir(workspace())
        .args([
            "mcp-server/tests/clients/python/mcp_check.py",
            "http",
            &format!("{}/mcp", server.url),
            "--token",
            "not-a-real-token-at-all",
            "--timeout",
            "20",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("401"), "the client saw the 401: {stdout}");
}

#[test]
fn the_python_sdk_searches_over_stdio_and_the_local_user_decides_the_scopes() {
    let Some(python) = python() else {
        return unavailable("no Python MCP SDK venv");
    };
    let data = prepared_data();
    let charla = env!("CARGO_BIN_EXE_charla");
    let data_dir = data.path().to_str().unwrap();

    // Read-only by default.
    let read = mcp_check(
        &python,
        &[
            "--check-schemas",
            "--expect-tools",
            READ_TOOLS,
            "--call",
            "catalog_search",
            r#"{"query": "helmet", "in_stock_only": true}"#,
            "--call",
            "knowledge_search",
            r#"{"query": "¿cuánto tarda el envío?", "kind": "faq", "locale": "es"}"#,
            "stdio",
            "--",
            charla,
            "--data-dir",
            data_dir,
            "mcp",
        ],
    );
    assert!(items(call(&read, 0), "items") > 0, "{read}");
    assert!(items(call(&read, 1), "passages") > 0, "{read}");

    // Acting for one customer with write: that customer's tools appear, handoff never does.
    let write = mcp_check(
        &python,
        &[
            "--expect-absent",
            "handoff_to_human",
            "--call",
            "list_bookings",
            "{}",
            "stdio",
            "--",
            charla,
            "--data-dir",
            data_dir,
            "mcp",
            "--scopes",
            "read+write",
            "--customer",
            CUSTOMER_A,
        ],
    );
    let tools: Vec<&str> = write["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for tool in CUSTOMER_TOOLS
        .split(',')
        .filter(|t| *t != "handoff_to_human")
    {
        assert!(tools.contains(&tool), "{tool} offered: {tools:?}");
    }
}

#[test]
fn a_browser_agent_in_chromium_finds_the_shop_tools_and_searches_the_catalog() {
    let script = workspace().join("mcp-server/tests/clients/browser/webmcp_check.mjs");
    let playwright =
        workspace().join("mcp-server/tests/clients/browser/node_modules/playwright-core");
    let chromium = std::env::var("CHARLA_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !playwright.is_dir() {
        return unavailable("playwright-core is not installed");
    }
    if !Path::new(&chromium).exists() {
        return unavailable("Debian's Chromium is not installed");
    }
    let data = prepared_data();
    let server = serve(data.path());
    let output = Command::new("node")
        .arg(&script)
        .arg(&server.url)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "webmcp_check failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    let tools: Vec<&str> = summary["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // An anonymous browser session gets the read-only tools.
    let mut expected: Vec<&str> = READ_TOOLS.split(',').collect();
    expected.sort_unstable();
    assert_eq!(tools, expected, "{summary}");
    assert!(summary["items"].as_u64().unwrap_or(0) > 0, "{summary}");
}
