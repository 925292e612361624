//! The suites that ask a chat model (`tools:bfcl`, `tools:sgd`, and the intent suites with
//! `--model openai`) through the `charla-evals` binary, on tiny fixtures, against
//! a fake OpenAI-compatible endpoint that answers some examples right and some wrong.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fake_openai;
mod fixtures;
mod scenarios;

use fake_openai::{Answer, FakeOpenAi, last_user_message};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

/// Runs `charla-evals run ARGS` with the datasets at `datasets`, reports into `reports`, and
/// the OpenAI settings pointing at `base_url` when there is one.
async fn charla_evals(
    args: &[&str],
    datasets: &Path,
    reports: &Path,
    base_url: Option<&str>,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charla-evals"));
    command
        .arg("run")
        .args(args)
        .arg("--report-dir")
        .arg(reports)
        .env("CHARLA_DATASETS", datasets)
        .env_remove("CHARLA_EVALS_EMBEDDING_CACHE");
    match base_url {
        Some(url) => {
            command
                .env("OPENAI_BASE_URL", url)
                .env("OPENAI_API_KEY", "test-key")
                .env("CHARLA_CHAT_MODEL", "fake-model");
        }
        None => {
            command
                .env_remove("OPENAI_BASE_URL")
                .env_remove("OPENAI_API_KEY")
                .env_remove("CHARLA_CHAT_MODEL");
        }
    }
    // The binary runs while this runtime serves the fake endpoint.
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

fn metric(report: &Value, name: &str) -> f64 {
    report["metrics"][name]
        .as_f64()
        .unwrap_or_else(|| panic!("no metric {name} in {}", report["metrics"]))
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < 1e-9
}

/// Right for simple_python_0, irrelevance_0 and parallel_0; wrong for the others.
fn bfcl_answers(request: &Value) -> Answer {
    let question = last_user_message(request);
    let area = |base: u32, height: &str, unit: &str| {
        format!(r#"{{"base": {base}, "height": {height}{unit}}}"#)
    };
    if question.contains("factorial of 5") {
        Answer::Calls(vec![("math_factorial", r#"{"number": 5}"#.into())])
    } else if question.contains("factorial of 6") {
        Answer::Calls(vec![("math_factorial", r#"{"number": 7}"#.into())])
    } else if question.contains("hypotenuse") {
        Answer::Text("The hypotenuse is 5.")
    } else if question.contains("weather") {
        Answer::Text("I cannot check the weather.")
    } else if question.contains("joke") {
        Answer::Calls(vec![("math_factorial", r#"{"number": 1}"#.into())])
    } else if question.contains("two small triangles") {
        Answer::Calls(vec![
            ("geometry_area_triangle", r#"{"base": 1, "height": "#.into()),
            ("geometry_area_triangle", area(3, "4.0", "")),
        ])
    } else if question.contains("two triangles") {
        // In the other order, an int for the float and the unit in capitals: still right.
        Answer::Calls(vec![
            ("geometry_area_triangle", area(8, "4", "")),
            (
                "geometry_area_triangle",
                area(10, "5.0", r#", "unit": "Units""#),
            ),
        ])
    } else {
        Answer::Text("?")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bfcl_accuracy_is_what_a_fake_endpoint_answering_some_examples_right_earns() {
    let datasets = tempfile::tempdir().unwrap();
    fixtures::bfcl(datasets.path());
    let reports = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(bfcl_answers).await;
    let output = charla_evals(
        &[
            "tools:bfcl:simple_python,irrelevance,parallel",
            "--model",
            "openai",
            "--threshold",
            "tools:bfcl/all/accuracy=0.4",
        ],
        datasets.path(),
        reports.path(),
        Some(&fake.base_url),
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");

    let report = report(reports.path());
    // simple_python: 1 of 3; irrelevance: 1 of 2; parallel: 1 of 2; all: their mean, 4/9.
    assert!(close(
        metric(&report, "tools:bfcl/simple_python/accuracy"),
        1.0 / 3.0
    ));
    assert!(close(
        metric(&report, "tools:bfcl/irrelevance/accuracy"),
        0.5
    ));
    assert!(close(metric(&report, "tools:bfcl/parallel/accuracy"), 0.5));
    assert!(close(metric(&report, "tools:bfcl/all/accuracy"), 4.0 / 9.0));
    let suite = &report["suites"][0];
    assert_eq!(suite["kind"], "tools_bfcl");
    assert_eq!(suite["run"], true);
    assert_eq!(suite["model"], "fake-model");
    let kinds: Vec<&Value> = suite["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["failures"].as_array().unwrap())
        .map(|f| &f["kind"])
        .collect();
    assert_eq!(
        kinds,
        [
            "wrong_value",
            "no_call",
            "unexpected_call",
            "malformed_arguments"
        ]
    );
    let markdown = std::fs::read_to_string(reports.path().join("report.md")).unwrap();
    assert!(
        markdown.contains("| simple_python | 3 of 3 | **33.33** |"),
        "{markdown}"
    );
    assert!(markdown.contains("gpt-4o-2024-11-20 (FC)"), "{markdown}");

    // The wire: BFCL's messages alone, tools with API names and JSON Schema types.
    let requests = fake.requests();
    assert_eq!(requests.len(), 7);
    for request in &requests {
        assert_eq!(request["temperature"], 0.0);
        assert!(
            request["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["role"] == "user")
        );
    }
    let parallel = requests
        .iter()
        .find(|r| last_user_message(r).contains("two triangles"))
        .unwrap();
    let tool = &parallel["tools"][0];
    assert_eq!(tool["type"], "function");
    assert_eq!(tool["function"]["name"], "geometry_area_triangle");
    assert_eq!(
        tool["function"]["parameters"],
        json!({"type": "object", "properties": {
                "base": {"type": "integer"}, "height": {"type": "number"},
                "unit": {"type": "string"}},
               "required": ["base", "height"]})
    );
}

/// Exact for the first dialogue, one wrong value for the second, no call for the third.
fn sgd_answers(request: &Value) -> Answer {
    let said = last_user_message(request);
    if said.contains("book it") {
        Answer::Calls(vec![(
            "ReserveRestaurant",
            r#"{"restaurant_name": "sushi zone ", "location": "Palo Alto", "time": "19:00"}"#
                .into(),
        )])
    } else if said.contains("go ahead") {
        Answer::Calls(vec![(
            "ReserveRestaurant",
            r#"{"restaurant_name": "Taqueria", "location": "San Jose", "time": "12:30",
                "number_of_seats": 4}"#
                .into(),
        )])
    } else {
        Answer::Text("Which part of London?")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sgd_scores_are_what_a_fake_endpoint_answering_some_calls_right_earns() {
    let datasets = tempfile::tempdir().unwrap();
    fixtures::sgd(datasets.path());
    let reports = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(sgd_answers).await;
    let output = charla_evals(
        &[
            "tools:sgd",
            "--model",
            "openai",
            "--threshold",
            "tools:sgd/all/arg_f1=0.9",
        ],
        datasets.path(),
        reports.path(),
        Some(&fake.base_url),
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The reports are written, then the threshold fails the run.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("tools:sgd/all/arg_f1 = 0.8000 < 0.9"),
        "{stderr}"
    );

    let report = report(reports.path());
    // Pairs: 3 of 3 right, 3 of 4 (4 gold), none of 1 gold: precision 6/7, recall 6/8,
    // F1 2 · 6/7 · 3/4 / (6/7 + 3/4) = 0.8.
    assert!(close(
        metric(&report, "tools:sgd/all/call_exact"),
        1.0 / 3.0
    ));
    assert!(close(
        metric(&report, "tools:sgd/all/method_accuracy"),
        2.0 / 3.0
    ));
    assert!(close(
        metric(&report, "tools:sgd/all/arg_precision"),
        6.0 / 7.0
    ));
    assert!(close(metric(&report, "tools:sgd/all/arg_recall"), 0.75));
    assert!(close(metric(&report, "tools:sgd/all/arg_f1"), 0.8));
    let suite = &report["suites"][0];
    assert_eq!(suite["kind"], "tools_sgd");
    assert_eq!(suite["service_calls"], 3);
    assert_eq!(
        suite["failure_kinds"],
        json!({"wrong_arguments": 1, "no_call": 1})
    );

    // The model saw the conversation up to the user's turn before the call, after our
    // prompt, and the dialogue's services' intents.
    let requests = fake.requests();
    let hotel = requests
        .iter()
        .find(|r| last_user_message(r).contains("London"))
        .unwrap();
    let roles: Vec<&Value> = hotel["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["role"])
        .collect();
    assert_eq!(roles, ["system", "user"]);
    let booking = requests
        .iter()
        .find(|r| last_user_message(r).contains("book it"))
        .unwrap();
    let tools: Vec<&Value> = booking["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["function"]["name"])
        .collect();
    assert_eq!(tools, ["ReserveRestaurant", "FindRestaurants"]);
    assert_eq!(
        booking["messages"].as_array().unwrap().len(),
        4,
        "system prompt, user, assistant, user"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_suites_are_reported_as_not_run_with_the_offline_model() {
    let datasets = tempfile::tempdir().unwrap();
    fixtures::bfcl(datasets.path());
    fixtures::sgd(datasets.path());
    let reports = tempfile::tempdir().unwrap();
    let output = charla_evals(
        &["tools:bfcl", "tools:sgd", "--model", "offline"],
        datasets.path(),
        reports.path(),
        None,
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");

    let report = report(reports.path());
    assert_eq!(report["metrics"], json!({}));
    let (bfcl, sgd) = (&report["suites"][0], &report["suites"][1]);
    for suite in [bfcl, sgd] {
        assert_eq!(suite["run"], false);
        let reason = suite["reason"].as_str().unwrap();
        assert!(reason.starts_with("needs a real chat model"), "{reason}");
        assert!(reason.contains("--model openai"), "{reason}");
    }
    // Every category counted: 3 + 2 + 2 examples in the three written out, 1 in the others.
    let sizes: usize = bfcl["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["dataset_size"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(sizes, 3 + 2 + 2 + 8);
    assert_eq!(sgd["service_calls"], 3);
    let markdown = std::fs::read_to_string(reports.path().join("report.md")).unwrap();
    assert!(markdown.contains("### tools:bfcl: not run"), "{markdown}");
    assert!(
        markdown.contains("Not run: needs a real chat model"),
        "{markdown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_threshold_on_a_suite_that_will_not_run_is_refused_before_running() {
    let datasets = tempfile::tempdir().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let output = charla_evals(
        &["tools:bfcl", "--threshold", "tools:bfcl/all/accuracy=0.5"],
        datasets.path(),
        reports.path(),
        None,
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("tools:bfcl/all/accuracy") && stderr.contains("will not run"),
        "{stderr}"
    );
    assert!(!reports.path().join("report.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tools_suite_stops_when_the_endpoint_fails_its_first_requests() {
    let datasets = tempfile::tempdir().unwrap();
    fixtures::sgd(datasets.path());
    let reports = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(|_| Answer::Error(axum::http::StatusCode::BAD_REQUEST)).await;
    let output = charla_evals(
        &["tools:sgd", "--model", "openai"],
        datasets.path(),
        reports.path(),
        Some(&fake.base_url),
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("failed the first 3 requests"), "{stderr}");
}

/// The LLM intent classifier's answers: right for the first three test queries (the joke is
/// out of scope), wrong for "how much do I have".
fn intent_answers(request: &Value) -> Answer {
    let query = last_user_message(request);
    let intent = if query.contains("balance") {
        "balance"
    } else if query.contains("transfer") || query.contains("how much do I have") {
        "transfer"
    } else {
        "out_of_scope"
    };
    Answer::Calls(vec![(
        "classify_intent",
        json!({"intent": intent, "confidence": 0.9}).to_string(),
    )])
}

#[tokio::test(flavor = "multi_thread")]
async fn intent_suites_with_the_openai_model_score_the_llm_intent_classifier() {
    let datasets = tempfile::tempdir().unwrap();
    fixtures::clinc150(datasets.path());
    let reports = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(intent_answers).await;

    let output = charla_evals(
        &["intent:clinc150:10shot", "--model", "openai"],
        datasets.path(),
        reports.path(),
        Some(&fake.base_url),
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let report = report(reports.path());
    assert!(close(
        metric(&report, "intent:clinc150/10shot/accuracy"),
        0.75
    ));
    assert!(close(
        metric(&report, "intent:clinc150/10shot/in_scope_accuracy"),
        2.0 / 3.0
    ));
    assert!(close(
        metric(&report, "intent:clinc150/10shot/oos_recall"),
        1.0
    ));
    let classifier = report["suites"][0]["classifier"].as_str().unwrap();
    assert!(
        classifier.contains("LLM") && classifier.contains("fake-model"),
        "{classifier}"
    );

    // The model chose among the dataset's intents plus charla's own out_of_scope, with the
    // training examples in its prompt; the dataset's `oos` class is not an intent.
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    let tool = &requests[0]["tools"][0]["function"];
    assert_eq!(tool["name"], "classify_intent");
    let labels = tool["parameters"]["properties"]["intent"]["enum"].to_string();
    assert!(
        labels.contains("balance")
            && labels.contains("out_of_scope")
            && !labels.contains("\"oos\""),
        "{labels}"
    );
    let system = requests[0]["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("send 20 dollars to john"), "{system}");
}
