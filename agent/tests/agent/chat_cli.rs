//! `charla chat` as scripts and people use it: the real binary, a fresh data directory, the
//! example business ingested on the first run (BM25 and lexical understanding, so no model
//! files are needed), a fixed clock so "tomorrow" is a working day.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn charla(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charla"));
    command
        .current_dir(workspace())
        .env_remove("CHARLA_CHAT_MODEL")
        .env_remove("CHARLA_BUSINESS_DIR")
        .env("CHARLA_EMBEDDER", "none")
        .env("CHARLA_FIXED_NOW", "2026-03-02T10:00:00+01:00")
        .arg("--data-dir")
        .arg(data_dir);
    command
}

fn chat_json(data_dir: &Path, contact: &str, message: &str) -> serde_json::Value {
    let output = charla(data_dir)
        .args(["chat", "--json", "--contact", contact, "--message", message])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn one_message_as_json_carries_every_field_and_the_next_call_continues_the_conversation() {
    let data = tempfile::tempdir().unwrap();
    let first = chat_json(
        data.path(),
        "34600111222",
        "Quiero reservar una revisión básica en Barcelona mañana",
    );
    for field in [
        "reply",
        "language",
        "intent",
        "confidence",
        "sentiment",
        "tool_calls",
        "sources",
        "handoff",
    ] {
        assert!(first.get(field).is_some(), "missing {field}: {first}");
    }
    assert_eq!(first["language"], "es");
    assert_eq!(first["handoff"], serde_json::Value::Null);
    assert_eq!(
        first["tool_calls"][0]["name"], "check_availability",
        "{first}"
    );
    assert_eq!(first["tool_calls"][0]["ok"], true);
    assert_eq!(
        first["tool_calls"][0]["arguments"]["service"],
        "basic-service"
    );

    // A second process continues the same customer's conversation: "the first one" books.
    let second = chat_json(data.path(), "34600111222", "la primera");
    assert_eq!(
        second["tool_calls"][0]["name"], "book_appointment",
        "{second}"
    );
    assert_eq!(second["tool_calls"][0]["ok"], true, "{second}");
    assert!(second["reply"].as_str().unwrap().contains("B-"), "{second}");

    // Another customer saying the same starts from nothing: no offer to pick from.
    let stranger = chat_json(data.path(), "34600999999", "la primera");
    assert_ne!(
        stranger["tool_calls"].get(0).map(|c| c["name"].clone()),
        Some("book_appointment".into()),
        "{stranger}"
    );
}

#[test]
fn asking_for_a_person_reports_the_handoff_and_then_the_bot_is_silent() {
    let data = tempfile::tempdir().unwrap();
    let first = chat_json(data.path(), "c1", "I want to speak to a human please");
    assert_eq!(first["handoff"]["reason"], "customer_asked", "{first}");
    let second = chat_json(data.path(), "c1", "hello?");
    assert_eq!(second["reply"], serde_json::Value::Null, "{second}");
    assert_eq!(second["with_operator"], true);
}

#[test]
fn lines_on_standard_input_are_answered_in_turn() {
    let data = tempfile::tempdir().unwrap();
    let mut child = charla(data.path())
        .args(["chat", "--json", "--contact", "piped"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("hola\n¿Puedo pagar con Bizum?\n".as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let turns: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(turns.len(), 2);
    assert!(
        turns[1]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("preguntas-frecuentes")),
        "{}",
        turns[1]
    );
}

#[test]
fn a_bad_fixed_clock_is_refused_with_the_variable_named() {
    let data = tempfile::tempdir().unwrap();
    let output = charla(data.path())
        .env("CHARLA_FIXED_NOW", "next tuesday")
        .args(["chat", "--message", "hi"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CHARLA_FIXED_NOW"), "{stderr}");
}
