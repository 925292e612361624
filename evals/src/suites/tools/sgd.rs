//! `tools:sgd`: the next API call of Schema-Guided Dialogue conversations
//! (`shared/datasets/sgd`, a subset of the DSTC8 test split).
//!
//! Every SYSTEM turn that makes a `service_call` is one task: the model gets a short system
//! prompt, the conversation up to and including the user turn before it (user turns as user
//! messages, system turns as assistant messages), and the intents of the dialogue's services
//! as tools (each intent's required and optional slots as string parameters, described by the
//! schema, categorical ones with their possible values). Its first call is compared with the
//! gold call: `call_exact` when it is the only call, its method is the gold intent and its
//! arguments equal the gold parameters (values compared trimmed and case-insensitively);
//! `method_accuracy` on the intent alone; `arg_precision`, `arg_recall`, `arg_f1` over
//! (slot, value) pairs, summed over all tasks (micro-averaged).
//!
//! Published SGD figures are for dialogue state tracking, another task; the report quotes them
//! as context only.

use super::published::{self, PublishedSgd};
use super::{NOT_RUN_REASON, calls_text, parse_arguments, pick_failures, shorten};
use crate::ask;
use crate::sample;
use anyhow::{Context, Result, ensure};
use charla_agent::model::{ChatMessage, ChatModel, ChatRequest, ToolCall, ToolSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The suite's name (and its metrics' prefix).
pub const SUITE: &str = "tools:sgd";
/// Failures listed.
const FAILURES: usize = 10;

/// What the model is told. SGD's API takes dates and times in one format, which a real API
/// would document; the dialogues never say the year, so it is given.
const SYSTEM_PROMPT: &str = "You are the assistant of a service that books and looks things \
     up for users. Given the conversation so far, make the call to the service that the \
     conversation now needs, with the values the user gave or agreed to. Write dates as \
     YYYY-MM-DD (the conversations take place in 2019) and times as 24-hour HH:MM.";

#[derive(Debug, Deserialize)]
struct Service {
    service_name: String,
    description: String,
    slots: Vec<Slot>,
    intents: Vec<Intent>,
}

#[derive(Debug, Deserialize)]
struct Slot {
    name: String,
    description: String,
    #[serde(default)]
    is_categorical: bool,
    #[serde(default)]
    possible_values: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Intent {
    name: String,
    description: String,
    #[serde(default)]
    required_slots: Vec<String>,
    /// Optional slots with their default values.
    #[serde(default)]
    optional_slots: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Dialogue {
    dialogue_id: String,
    services: Vec<String>,
    turns: Vec<Turn>,
}

#[derive(Debug, Deserialize)]
struct Turn {
    speaker: String,
    utterance: String,
    #[serde(default)]
    frames: Vec<Frame>,
}

#[derive(Debug, Deserialize)]
struct Frame {
    service: String,
    service_call: Option<ServiceCall>,
}

/// A gold API call.
#[derive(Debug, Clone, Deserialize)]
struct ServiceCall {
    method: String,
    parameters: BTreeMap<String, String>,
}

/// One task: the conversation before a SYSTEM turn that calls the service.
#[derive(Debug, Clone)]
struct Task {
    dialogue_id: String,
    /// The index of the calling SYSTEM turn.
    turn: usize,
    service: String,
    services: Vec<String>,
    /// (is the user, utterance), up to the user turn before the call.
    history: Vec<(bool, String)>,
    gold: ServiceCall,
}

/// Scores over a set of tasks.
#[derive(Debug, Clone, Serialize)]
pub struct SgdScores {
    /// Calls (tasks) scored.
    pub calls: usize,
    /// Share of tasks answered with exactly the gold call.
    pub call_exact: f64,
    /// Share of tasks whose first call has the gold method.
    pub method_accuracy: f64,
    /// Correct (slot, value) pairs among those predicted.
    pub arg_precision: f64,
    /// Gold (slot, value) pairs predicted.
    pub arg_recall: f64,
    /// Harmonic mean of the two.
    pub arg_f1: f64,
    /// Tasks whose request failed (counted wrong).
    pub model_errors: usize,
}

/// The scores of one service's calls.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceScores {
    /// The service (`Hotels_4`).
    pub service: String,
    /// Its scores.
    pub scores: SgdScores,
}

/// A task answered wrongly.
#[derive(Debug, Clone, Serialize)]
pub struct SgdFailure {
    /// `dialogue_id` and turn index.
    pub task: String,
    /// The user's last message, shortened.
    pub user: String,
    /// The gold call.
    pub expected: String,
    /// The calls made, or the model's error.
    pub got: String,
    /// The kind of error (`wrong_arguments`, `wrong_method`, `no_call`, ...).
    pub kind: String,
    /// What differs.
    pub reason: String,
}

/// The outcome of `tools:sgd`.
#[derive(Debug, Clone, Serialize)]
pub struct SgdReport {
    /// Suite name.
    pub suite: String,
    /// Whether it ran (it needs a real chat model).
    pub run: bool,
    /// Why it did not run.
    pub reason: Option<String>,
    /// The chat model, when it ran.
    pub model: Option<String>,
    /// Dialogues in the dataset's files.
    pub dialogues: usize,
    /// Service calls (tasks) in the dataset's files.
    pub service_calls: usize,
    /// Scores over every task run; absent when it did not run.
    pub all: Option<SgdScores>,
    /// Scores per service.
    pub services: Vec<ServiceScores>,
    /// The wrong answers by kind.
    pub failure_kinds: BTreeMap<String, usize>,
    /// A few wrong answers: one of each kind first, then in dataset order.
    pub failures: Vec<SgdFailure>,
    /// Published figures, for another task (state tracking): context only.
    pub published: Vec<PublishedSgd>,
    /// Source of the published figures.
    pub published_source: String,
    /// Seconds the whole suite took.
    pub seconds: f64,
    /// How to read the figures.
    pub notes: Vec<String>,
}

impl SgdReport {
    /// Its metrics by full name (`tools:sgd/all/call_exact`, `.../method_accuracy`,
    /// `.../arg_precision`, `.../arg_recall`, `.../arg_f1`); none when it did not run.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let Some(all) = &self.all else {
            return BTreeMap::new();
        };
        [
            ("call_exact", all.call_exact),
            ("method_accuracy", all.method_accuracy),
            ("arg_precision", all.arg_precision),
            ("arg_recall", all.arg_recall),
            ("arg_f1", all.arg_f1),
        ]
        .into_iter()
        .map(|(name, value)| (format!("{}/all/{name}", self.suite), value))
        .collect()
    }
}

/// Runs `tools:sgd` with `model` on at most `limit` calls spread over the test files; without
/// a model, reports the suite as not run with the dataset's size.
///
/// Errors: unreadable or inconsistent dataset files, or the endpoint failing the first
/// requests (see [`ask::ask_all`]).
pub async fn run(
    datasets: &Path,
    model: Option<Arc<dyn ChatModel>>,
    limit: Option<usize>,
) -> Result<SgdReport> {
    let started = Instant::now();
    let dir = datasets.join("sgd").join("test");
    let schema_path = dir.join("schema.json");
    let services: Vec<Service> = read_json(&schema_path)?;
    let tools = tools_by_service(&services);
    let mut dialogues = 0;
    let mut tasks = Vec::new();
    for path in dialogue_files(&dir)? {
        let file: Vec<Dialogue> = read_json(&path)?;
        dialogues += file.len();
        tasks.extend(file.iter().flat_map(tasks_of));
    }
    ensure!(!tasks.is_empty(), "{}: no service calls", dir.display());
    for task in &tasks {
        for service in &task.services {
            ensure!(
                tools.contains_key(service),
                "{}: dialogue {} uses service {service}, which is not in the schema",
                dir.display(),
                task.dialogue_id
            );
        }
    }
    let service_calls = tasks.len();
    let mut report = SgdReport {
        suite: SUITE.to_string(),
        run: model.is_some(),
        reason: model.is_none().then(|| NOT_RUN_REASON.to_string()),
        model: model.as_ref().map(|m| m.id().to_string()),
        dialogues,
        service_calls,
        all: None,
        services: Vec::new(),
        failure_kinds: BTreeMap::new(),
        failures: Vec::new(),
        published: published::sgd(),
        published_source: published::SGD_SOURCE.to_string(),
        seconds: 0.0,
        notes: notes(limit),
    };
    let Some(model) = model else {
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    };
    let tasks = sample::spread(tasks, limit);
    let requests = tasks.iter().map(|t| request(t, &tools)).collect();
    let responses = ask::ask_all(model, requests, SUITE).await?;

    let mut all = Tally::default();
    let mut by_service: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for (task, response) in tasks.iter().zip(responses) {
        let outcome = match &response {
            Ok(r) => score(&task.gold, &r.message.tool_calls),
            Err(error) => Outcome::model_error(&task.gold, error),
        };
        all.add(&outcome);
        by_service
            .entry(task.service.clone())
            .or_default()
            .add(&outcome);
        let Some((kind, reason)) = outcome.error else {
            continue;
        };
        *report.failure_kinds.entry(kind.clone()).or_default() += 1;
        failures.push(SgdFailure {
            task: format!("{} turn {}", task.dialogue_id, task.turn),
            user: shorten(
                task.history
                    .iter()
                    .rfind(|(user, _)| *user)
                    .map_or("", |(_, text)| text),
                300,
            ),
            expected: call_text(&task.gold.method, &task.gold.parameters),
            got: match &response {
                Ok(r) => calls_text(&r.message.tool_calls),
                Err(_) => "model error".to_string(),
            },
            kind,
            reason,
        });
    }
    report.all = Some(all.scores());
    report.services = by_service
        .into_iter()
        .map(|(service, tally)| ServiceScores {
            service,
            scores: tally.scores(),
        })
        .collect();
    report.failures = pick_failures(failures, |f| &f.kind, FAILURES);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: invalid JSON", path.display()))
}

/// `dialogues_*.json` in `dir`, in name order.
fn dialogue_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dialogues_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    ensure!(!files.is_empty(), "{}: no dialogues_*.json", dir.display());
    Ok(files)
}

/// The tasks of a dialogue: one per SYSTEM turn with a service call (the first, if several).
fn tasks_of(dialogue: &Dialogue) -> Vec<Task> {
    let mut tasks = Vec::new();
    for (index, turn) in dialogue.turns.iter().enumerate() {
        if turn.speaker != "SYSTEM" {
            continue;
        }
        let Some((service, gold)) = turn
            .frames
            .iter()
            .find_map(|f| f.service_call.as_ref().map(|c| (&f.service, c)))
        else {
            continue;
        };
        tasks.push(Task {
            dialogue_id: dialogue.dialogue_id.clone(),
            turn: index,
            service: service.clone(),
            services: dialogue.services.clone(),
            history: dialogue
                .turns
                .iter()
                .take(index)
                .map(|t| (t.speaker == "USER", t.utterance.clone()))
                .collect(),
            gold: gold.clone(),
        });
    }
    tasks
}

/// Each service's intents as tools.
fn tools_by_service(services: &[Service]) -> BTreeMap<String, Vec<ToolSchema>> {
    services
        .iter()
        .map(|service| {
            let tools = service
                .intents
                .iter()
                .map(|intent| tool(service, intent))
                .collect();
            (service.service_name.clone(), tools)
        })
        .collect()
}

/// An intent as a tool: its slots as string parameters, the required ones required.
fn tool(service: &Service, intent: &Intent) -> ToolSchema {
    let mut properties = Map::new();
    let optional = intent
        .optional_slots
        .iter()
        .map(|(slot, default)| (slot, Some(default)));
    for (name, default) in intent
        .required_slots
        .iter()
        .map(|s| (s, None))
        .chain(optional)
    {
        let slot = service.slots.iter().find(|s| &s.name == name);
        let mut description = slot.map(|s| s.description.clone()).unwrap_or_default();
        if let Some(default) = default {
            description.push_str(&format!(" (optional, default: {default})"));
        }
        let mut property = json!({"type": "string", "description": description});
        if let Some(slot) = slot.filter(|s| s.is_categorical && !s.possible_values.is_empty()) {
            property["enum"] = json!(slot.possible_values);
        }
        properties.insert(name.clone(), property);
    }
    ToolSchema {
        name: intent.name.clone(),
        description: format!("{} ({})", intent.description, service.description),
        parameters: json!({
            "type": "object",
            "properties": properties,
            "required": intent.required_slots,
        }),
    }
}

fn request(task: &Task, tools: &BTreeMap<String, Vec<ToolSchema>>) -> ChatRequest {
    let mut messages = vec![ChatMessage::system(SYSTEM_PROMPT)];
    messages.extend(task.history.iter().map(|(user, text)| match user {
        true => ChatMessage::user(text.clone()),
        false => ChatMessage::assistant(text.clone()),
    }));
    let mut offered: Vec<ToolSchema> = Vec::new();
    for tool in task.services.iter().filter_map(|s| tools.get(s)).flatten() {
        // Two services of one dialogue with an intent of the same name: the first is offered.
        if !offered.iter().any(|t| t.name == tool.name) {
            offered.push(tool.clone());
        }
    }
    ChatRequest {
        messages,
        tools: offered,
        temperature: Some(0.0),
        max_tokens: None,
        hints: Default::default(),
    }
}

/// How one task was answered.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    exact: bool,
    method: bool,
    /// Predicted (slot, value) pairs that are gold.
    true_pairs: usize,
    predicted_pairs: usize,
    gold_pairs: usize,
    model_error: bool,
    /// The kind of error and what differs, when not exact.
    error: Option<(String, String)>,
}

impl Outcome {
    fn model_error(gold: &ServiceCall, error: &str) -> Self {
        Self {
            exact: false,
            method: false,
            true_pairs: 0,
            predicted_pairs: 0,
            gold_pairs: gold.parameters.len(),
            model_error: true,
            error: Some(("model_error".into(), error.to_string())),
        }
    }
}

/// A value as the comparison sees it: trimmed and lowercased.
fn normalize(value: &str) -> String {
    value.trim().to_lowercase()
}

/// A JSON argument as text: strings as they are, numbers and booleans written out (`2`,
/// `true`, which match `"2"` and `"True"`), null as absent.
fn argument_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn pairs<'a>(args: impl Iterator<Item = (&'a String, String)>) -> BTreeSet<(String, String)> {
    args.map(|(slot, value)| (slot.clone(), normalize(&value)))
        .collect()
}

/// Scores the model's calls against the gold call.
fn score(gold: &ServiceCall, calls: &[ToolCall]) -> Outcome {
    let gold_pairs = pairs(gold.parameters.iter().map(|(k, v)| (k, v.clone())));
    let mut outcome = Outcome {
        exact: false,
        method: false,
        true_pairs: 0,
        predicted_pairs: 0,
        gold_pairs: gold_pairs.len(),
        model_error: false,
        error: None,
    };
    let Some(first) = calls.first() else {
        outcome.error = Some(("no_call".into(), "no call made".into()));
        return outcome;
    };
    outcome.method = first.name == gold.method;
    let args = match parse_arguments(first) {
        Ok(args) => args,
        Err(error) => {
            outcome.error = Some(("malformed_arguments".into(), error));
            return outcome;
        }
    };
    let predicted = pairs(
        args.iter()
            .filter_map(|(k, v)| argument_text(v).map(|text| (k, text))),
    );
    outcome.predicted_pairs = predicted.len();
    outcome.true_pairs = predicted.intersection(&gold_pairs).count();
    let same_args = predicted == gold_pairs;
    outcome.exact = outcome.method && same_args && calls.len() == 1;
    outcome.error = if !outcome.method {
        Some((
            "wrong_method".into(),
            format!("called {}, expected {}", first.name, gold.method),
        ))
    } else if !same_args {
        Some((
            "wrong_arguments".into(),
            differences(&gold_pairs, &predicted),
        ))
    } else if calls.len() > 1 {
        Some((
            "extra_calls".into(),
            format!("{} calls, expected 1", calls.len()),
        ))
    } else {
        None
    };
    outcome
}

/// What differs between gold and predicted pairs: `missing date=2019-03-08; extra ...`.
fn differences(
    gold: &BTreeSet<(String, String)>,
    predicted: &BTreeSet<(String, String)>,
) -> String {
    let list = |pairs: Vec<&(String, String)>| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let missing: Vec<_> = gold.difference(predicted).collect();
    let extra: Vec<_> = predicted.difference(gold).collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", list(missing)));
    }
    if !extra.is_empty() {
        parts.push(format!("not expected {}", list(extra)));
    }
    parts.join("; ")
}

/// Precision, recall and F1 of `true_pairs` among `predicted` and `gold` pairs; a ratio
/// with nothing to count is 0.
fn precision_recall_f1(true_pairs: usize, predicted: usize, gold: usize) -> (f64, f64, f64) {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(true_pairs, predicted), ratio(true_pairs, gold));
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    (precision, recall, f1)
}

/// Sums of outcomes.
#[derive(Debug, Default)]
struct Tally {
    calls: usize,
    exact: usize,
    method: usize,
    true_pairs: usize,
    predicted_pairs: usize,
    gold_pairs: usize,
    model_errors: usize,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        self.calls += 1;
        self.exact += usize::from(outcome.exact);
        self.method += usize::from(outcome.method);
        self.true_pairs += outcome.true_pairs;
        self.predicted_pairs += outcome.predicted_pairs;
        self.gold_pairs += outcome.gold_pairs;
        self.model_errors += usize::from(outcome.model_error);
    }

    fn scores(&self) -> SgdScores {
        let (arg_precision, arg_recall, arg_f1) =
            precision_recall_f1(self.true_pairs, self.predicted_pairs, self.gold_pairs);
        let share = |n: usize| n as f64 / self.calls.max(1) as f64;
        SgdScores {
            calls: self.calls,
            call_exact: share(self.exact),
            method_accuracy: share(self.method),
            arg_precision,
            arg_recall,
            arg_f1,
            model_errors: self.model_errors,
        }
    }
}

fn call_text(method: &str, parameters: &BTreeMap<String, String>) -> String {
    format!("{method}({})", json!(parameters))
}

fn notes(limit: Option<usize>) -> Vec<String> {
    let mut notes = vec![
        "Each task is a SYSTEM turn of the test dialogues that calls a service: the model sees \
         a short system prompt (dates as YYYY-MM-DD in 2019, times as HH:MM), the conversation \
         up to the user's turn before the call, and the dialogue's services' intents as tools. \
         call_exact: its only call has the gold method and exactly the gold arguments (values \
         trimmed, case-insensitive); method_accuracy: its first call's method; arg_*: (slot, \
         value) pairs of the first call, summed over all tasks."
            .to_string(),
        "The dataset is 5 of the 34 test files (640 dialogues); there is no published score \
         for the next service call. The published figures below are dialogue state tracking \
         (joint goal accuracy, intent accuracy) on the full test split: another task, quoted \
         as context only, not comparable."
            .to_string(),
    ];
    if let Some(limit) = limit {
        notes.push(format!(
            "--limit {limit}: at most {limit} service calls, spread over the files."
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn gold() -> ServiceCall {
        ServiceCall {
            method: "ReserveRestaurant".into(),
            parameters: [
                ("restaurant_name", "P.f. Chang's"),
                ("date", "2019-03-08"),
                ("time", "12:00"),
                ("number_of_seats", "2"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        }
    }

    fn call(name: &str, arguments: Value) -> ToolCall {
        ToolCall {
            id: "c".into(),
            name: name.into(),
            arguments: arguments.to_string(),
        }
    }

    #[test]
    fn the_gold_call_is_exact_whatever_the_case_and_spaces_of_its_values() {
        let calls = [call(
            "ReserveRestaurant",
            json!({"restaurant_name": " p.f. chang's", "date": "2019-03-08", "time": "12:00",
                   "number_of_seats": 2}),
        )];
        let outcome = score(&gold(), &calls);
        assert!(outcome.exact && outcome.method, "{outcome:?}");
        assert_eq!(
            (
                outcome.true_pairs,
                outcome.predicted_pairs,
                outcome.gold_pairs
            ),
            (4, 4, 4)
        );
        assert_eq!(outcome.error, None);
    }

    #[test]
    fn a_wrong_value_breaks_exactness_but_keeps_the_other_pairs() {
        let calls = [call(
            "ReserveRestaurant",
            json!({"restaurant_name": "P.f. Chang's", "date": "2019-03-09", "time": "12:00"}),
        )];
        let outcome = score(&gold(), &calls);
        assert!(!outcome.exact && outcome.method);
        assert_eq!(
            (
                outcome.true_pairs,
                outcome.predicted_pairs,
                outcome.gold_pairs
            ),
            (2, 3, 4)
        );
        let (kind, reason) = outcome.error.unwrap();
        assert_eq!(kind, "wrong_arguments");
        assert_eq!(
            reason,
            "missing date=2019-03-08, number_of_seats=2; not expected date=2019-03-09"
        );
    }

    #[test]
    fn a_second_call_makes_the_answer_inexact() {
        let right = json!({"restaurant_name": "P.f. Chang's", "date": "2019-03-08",
                           "time": "12:00", "number_of_seats": "2"});
        let calls = [
            call("ReserveRestaurant", right),
            call("FindRestaurants", json!({})),
        ];
        let outcome = score(&gold(), &calls);
        assert!(!outcome.exact && outcome.method);
        assert_eq!(outcome.error.unwrap().0, "extra_calls");
    }

    #[test]
    fn no_call_wrong_method_and_malformed_arguments_are_errors_of_their_own() {
        assert_eq!(score(&gold(), &[]).error.unwrap().0, "no_call");
        let wrong = score(
            &gold(),
            &[call("FindRestaurants", json!({"date": "2019-03-08"}))],
        );
        assert!(!wrong.method);
        assert_eq!(wrong.true_pairs, 1);
        assert_eq!(wrong.error.unwrap().0, "wrong_method");
        let malformed = ToolCall {
            id: "c".into(),
            name: "ReserveRestaurant".into(),
            arguments: "{\"date\":".into(),
        };
        let outcome = score(&gold(), &[malformed]);
        assert!(outcome.method && !outcome.exact);
        assert_eq!(outcome.predicted_pairs, 0);
        assert_eq!(outcome.error.unwrap().0, "malformed_arguments");
    }

    #[test]
    fn argument_f1_is_micro_averaged_over_pairs() {
        // Task 1: 2 of 3 predicted pairs right, 4 gold. Task 2: 1 of 1 right, 2 gold.
        // Precision 3/4, recall 3/6 = 1/2, F1 = 2 · 3/4 · 1/2 / (3/4 + 1/2) = 0.6.
        let (p, r, f1) = precision_recall_f1(2 + 1, 3 + 1, 4 + 2);
        assert_eq!((p, r), (0.75, 0.5));
        assert!((f1 - 0.6).abs() < 1e-12);
        assert_eq!(precision_recall_f1(0, 0, 3), (0.0, 0.0, 0.0));
    }

    #[test]
    fn intents_become_tools_with_string_slots() {
        let service: Service = serde_json::from_value(json!({
            "service_name": "Restaurants_2",
            "description": "Restaurant reservations",
            "slots": [
                {"name": "date", "description": "Date of the booking", "is_categorical": false,
                 "possible_values": []},
                {"name": "has_seating_outdoors", "description": "Outdoor seating",
                 "is_categorical": true, "possible_values": ["True", "False"]}
            ],
            "intents": [{"name": "ReserveRestaurant", "description": "Book a table",
                         "is_transactional": true, "required_slots": ["date"],
                         "optional_slots": {"has_seating_outdoors": "False"}}]
        }))
        .unwrap();
        let tool = tool(&service, &service.intents[0]);
        assert_eq!(tool.name, "ReserveRestaurant");
        assert_eq!(tool.description, "Book a table (Restaurant reservations)");
        assert_eq!(
            tool.parameters,
            json!({
                "type": "object",
                "properties": {
                    "date": {"type": "string", "description": "Date of the booking"},
                    "has_seating_outdoors": {
                        "type": "string",
                        "description": "Outdoor seating (optional, default: False)",
                        "enum": ["True", "False"]
                    }
                },
                "required": ["date"]
            })
        );
    }

    #[test]
    fn a_task_sees_the_conversation_up_to_the_user_turn_before_the_call() {
        let dialogue: Dialogue = serde_json::from_value(json!({
            "dialogue_id": "1_00000",
            "services": ["Restaurants_2"],
            "turns": [
                {"speaker": "USER", "utterance": "Book a table", "frames": []},
                {"speaker": "SYSTEM", "utterance": "Confirm?", "frames": []},
                {"speaker": "USER", "utterance": "Yes", "frames": []},
                {"speaker": "SYSTEM", "utterance": "Booked.", "frames": [
                    {"service": "Restaurants_2", "service_call":
                        {"method": "ReserveRestaurant", "parameters": {"date": "2019-03-08"}}}
                ]}
            ]
        }))
        .unwrap();
        let tasks = tasks_of(&dialogue);
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].turn, 3);
        assert_eq!(
            tasks[0].history,
            [
                (true, "Book a table".to_string()),
                (false, "Confirm?".to_string()),
                (true, "Yes".to_string())
            ]
        );
    }
}
