//! `scenarios:PATH --model openai`: charla serve answers with the chat model named by
//! `CHARLA_CHAT_MODEL` at `OPENAI_BASE_URL`, and the scenario checks what it said.

use crate::fake_openai::{Answer, FakeOpenAi};
use crate::report;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `charla-evals run SUITE --model openai` against `base_url`, with charla on BM25 and the
/// lexical intent embedder (`CHARLA_EMBEDDER=none`): what is measured here is the chat model's
/// path, and preparing the business then takes a second instead of a minute of embedding.
async fn run_with_model(suite: &str, base_url: &str, reports: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charla-evals"));
    command
        .args(["run", suite, "--model", "openai", "--report-dir"])
        .arg(reports)
        .env("OPENAI_BASE_URL", base_url)
        .env("OPENAI_API_KEY", "test-key")
        .env("CHARLA_CHAT_MODEL", "fake-model")
        .env("CHARLA_EMBEDDER", "none")
        .env_remove("CHARLA_REQUIRE_MODEL");
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// The model's answer to every request: a Spanish sentence no template of charla contains.
fn model_reply(_request: &Value) -> Answer {
    Answer::Text("Sí, tenemos cascos infantiles desde 29 euros: lo dice el modelo de prueba.")
}

#[tokio::test(flavor = "multi_thread")]
async fn scenarios_with_the_openai_model_are_answered_by_that_model() {
    let charla = PathBuf::from(env!("CARGO_BIN_EXE_charla-evals")).with_file_name("charla");
    assert!(
        charla.is_file(),
        "scenarios start the charla binary beside charla-evals: build it first \
         (cargo build -p charla-agent --bin charla; `cargo test --workspace` does)"
    );
    let business = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/velora");
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("helmets.yaml"),
        format!(
            "name: helmets-llm\nbusiness: {}\nturns:\n  - user: \"Hola, ¿tenéis cascos para \
             niños?\"\n    expect:\n      reply_contains: [\"lo dice el modelo de prueba\"]\n      \
             reply_language: es\n      handoff: false\n",
            business.display()
        ),
    )
    .unwrap();
    let fake = FakeOpenAi::start(model_reply).await;
    let reports = tempfile::tempdir().unwrap();
    let suite = format!("scenarios:{}", folder.path().display());

    let output = run_with_model(&suite, &fake.base_url, reports.path()).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = report(reports.path());
    assert_eq!(
        report["metrics"]["scenarios/all/pass_rate"], 1.0,
        "{report}"
    );
    // The customer's message reached the model, with charla's tools offered.
    let asked = fake
        .requests()
        .into_iter()
        .any(|r| r.to_string().contains("tenéis cascos para niños") && r["tools"].is_array());
    assert!(asked, "the model was never asked the customer's question");
}
