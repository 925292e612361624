//! `retrieval:tau2-banking` through the `charla-evals` binary on a tiny knowledge base laid
//! out as τ²-bench's: articles become policy files, tasks become queries, and each hit is
//! traced back to its article.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn write_json(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// Four articles and two tasks, each task needing the one article that answers it.
fn knowledge_base(root: &Path, second_task_needs: &str) {
    let dir = root.join("tau2_bench/banking_knowledge");
    for (id, title, content) in [
        (
            "doc_gold_card_001",
            "Gold Rewards Card",
            "## Fees\n\nThe Gold Rewards Card has no foreign transaction fee and an annual fee \
             of 95 dollars. Cash back is 2% on groceries.",
        ),
        (
            "doc_lost_card_001",
            "Internal: Lost or stolen debit cards",
            "## Procedure\n\nWhen a customer reports a lost or stolen debit card, freeze the \
             card immediately, then order a replacement card to the address on file.",
        ),
        (
            "doc_mortgage_001",
            "Mortgage applications",
            "## Eligibility\n\nMortgage applicants need two years of income history and a \
             credit score above 620.",
        ),
        (
            "doc_savings_001",
            "High-yield savings accounts",
            "## Interest\n\nSavings accounts earn 4.1% APY on balances above 1,000 dollars.",
        ),
    ] {
        write_json(
            &dir.join(format!("documents/{id}.json")),
            &json!({"id": id, "title": title, "content": content}),
        );
    }
    let boilerplate = "You are playing the role of a customer contacting a bank.";
    let task = |id: &str, need: &str, documents: &[&str]| {
        json!({
            "id": id,
            "description": {"purpose": id},
            "user_scenario": {"persona": null, "instructions": format!("{boilerplate} {need}")},
            "required_documents": documents,
        })
    };
    write_json(
        &dir.join("tasks.json"),
        &json!([
            task(
                "task_001",
                "You want to know the foreign transaction fee of the Gold Rewards Card.",
                &["doc_gold_card_001"]
            ),
            task(
                "task_002",
                "Your debit card was stolen and you want it frozen and replaced.",
                &[second_task_needs]
            ),
        ]),
    );
}

fn run(datasets: &Path, reports: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charla-evals"))
        .args(["run", "retrieval:tau2-banking", "--report-dir"])
        .arg(reports)
        .arg("--datasets")
        .arg(datasets)
        .output()
        .unwrap()
}

#[test]
fn each_task_finds_the_article_it_needs_first() {
    let datasets = tempfile::tempdir().unwrap();
    knowledge_base(datasets.path(), "doc_lost_card_001");
    let reports = tempfile::tempdir().unwrap();

    let output = run(datasets.path(), reports.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.path().join("report.json")).unwrap())
            .unwrap();
    let metrics = &report["metrics"];
    assert_eq!(
        metrics["retrieval:tau2-banking/bm25/recall_at_1"], 1.0,
        "{metrics}"
    );
    assert_eq!(
        metrics["retrieval:tau2-banking/bm25/mrr_at_10"], 1.0,
        "{metrics}"
    );
    let suite = &report["suites"][0];
    assert_eq!(suite["documents"], 4);
    assert_eq!(suite["relevant_per_query"], 1.0);
    let markdown = std::fs::read_to_string(reports.path().join("report.md")).unwrap();
    assert!(markdown.contains("retrieval:tau2-banking"), "{markdown}");
}

#[test]
fn a_task_needing_an_article_that_is_not_there_is_an_error_naming_both() {
    let datasets = tempfile::tempdir().unwrap();
    knowledge_base(datasets.path(), "doc_missing_042");
    let reports = tempfile::tempdir().unwrap();

    let output = run(datasets.path(), reports.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("task_002") && stderr.contains("doc_missing_042"),
        "{stderr}"
    );
}
