//! `tools:bfcl`: the Berkeley Function Calling Leaderboard's single-turn categories
//! (`shared/datasets/bfcl_v4`), scored by BFCL's AST match against the reference answers.
//!
//! Each example goes to the chat model as BFCL's harness sends it to a function-calling
//! model: the example's own messages (no system prompt of ours, so the figures stay
//! comparable), its functions as tools, temperature 0. The calls that come back are scored
//! by [`matcher`](super::matcher): the AST categories must match the ground truth (in any
//! order for the parallel ones), `irrelevance` and `live_irrelevance` are correct when no call
//! is made, `live_relevance` when at least one well-formed call is. Malformed arguments and
//! model errors are wrong answers, listed among the failures. The multi-turn categories need
//! BFCL's simulated back-ends and are not run.
//!
//! `tools:bfcl:simple_python,irrelevance` runs some categories; `--limit N` scores at most N
//! examples per category, spread over it.

use super::function::{Function, names_by_api_name};
use super::matcher::{Call, Expected, match_calls};
use super::published::{self, PublishedBfcl};
use super::{NOT_RUN_REASON, calls_text, parse_arguments, pick_failures, shorten};
use crate::ask;
use crate::sample;
use anyhow::{Context, Result, bail, ensure};
use charla_agent::model::{ChatMessage, ChatModel, ChatRequest, ToolCall};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The suite's name (and its metrics' prefix).
pub const SUITE: &str = "tools:bfcl";
/// Failures listed per category.
const FAILURES: usize = 5;

/// How a category is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scoring {
    /// The calls must match the ground truth.
    Ast,
    /// Correct when no call is made.
    NoCall,
    /// Correct when at least one well-formed call is made.
    AnyCall,
}

/// A single-turn BFCL category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// One function offered, one call.
    SimplePython,
    /// One call, choosing among 2–4 functions.
    Multiple,
    /// Several calls of one function.
    Parallel,
    /// Several calls of several functions.
    ParallelMultiple,
    /// No offered function fits: no call.
    Irrelevance,
    /// User-contributed prompts, one call.
    LiveSimple,
    /// User-contributed prompts, one call among several functions.
    LiveMultiple,
    /// User-contributed prompts, several calls.
    LiveParallel,
    /// User-contributed prompts, several calls of several functions.
    LiveParallelMultiple,
    /// Some call is right, any call counts.
    LiveRelevance,
    /// User-contributed prompts no function fits: no call.
    LiveIrrelevance,
}

impl Category {
    /// Every category, in report order (the default of `tools:bfcl`).
    pub const ALL: [Category; 11] = [
        Self::SimplePython,
        Self::Multiple,
        Self::Parallel,
        Self::ParallelMultiple,
        Self::Irrelevance,
        Self::LiveSimple,
        Self::LiveMultiple,
        Self::LiveParallel,
        Self::LiveParallelMultiple,
        Self::LiveRelevance,
        Self::LiveIrrelevance,
    ];

    /// BFCL's name, the metric's middle part.
    pub fn name(self) -> &'static str {
        match self {
            Self::SimplePython => "simple_python",
            Self::Multiple => "multiple",
            Self::Parallel => "parallel",
            Self::ParallelMultiple => "parallel_multiple",
            Self::Irrelevance => "irrelevance",
            Self::LiveSimple => "live_simple",
            Self::LiveMultiple => "live_multiple",
            Self::LiveParallel => "live_parallel",
            Self::LiveParallelMultiple => "live_parallel_multiple",
            Self::LiveRelevance => "live_relevance",
            Self::LiveIrrelevance => "live_irrelevance",
        }
    }

    fn scoring(self) -> Scoring {
        match self {
            Self::Irrelevance | Self::LiveIrrelevance => Scoring::NoCall,
            Self::LiveRelevance => Scoring::AnyCall,
            _ => Scoring::Ast,
        }
    }

    /// The examples' file, under `bfcl_v4/data` (its answers: under `possible_answer/`).
    fn file(self) -> String {
        format!("BFCL_v4_{}.json", self.name())
    }
}

/// The leaderboard's groups of categories: (name, categories, weighted by examples).
/// Non-live AST is the plain mean of its categories, as the leaderboard's; the live
/// categories differ in size by 60 times, so live AST and irrelevance detection are means
/// over their examples.
const GROUPS: [(&str, &[Category], bool); 3] = [
    (
        "non_live_ast",
        &[
            Category::SimplePython,
            Category::Multiple,
            Category::Parallel,
            Category::ParallelMultiple,
        ],
        false,
    ),
    (
        "live_ast",
        &[
            Category::LiveSimple,
            Category::LiveMultiple,
            Category::LiveParallel,
            Category::LiveParallelMultiple,
        ],
        true,
    ),
    (
        "irrelevance_detection",
        &[Category::Irrelevance, Category::LiveIrrelevance],
        true,
    ),
];

/// The categories of a suite name: `tools:bfcl` is all of them, `tools:bfcl:a,b` the ones
/// listed.
///
/// Errors: an unknown category (the message lists the known ones).
pub fn categories(suite: &str) -> Result<Vec<Category>> {
    let Some(rest) = suite.strip_prefix(SUITE) else {
        bail!("{suite:?} is not a {SUITE} suite");
    };
    if rest.is_empty() {
        return Ok(Category::ALL.to_vec());
    }
    let Some(list) = rest.strip_prefix(':') else {
        bail!("{suite:?}: expected {SUITE} or {SUITE}:CATEGORY[,CATEGORY...]");
    };
    let mut chosen: Vec<Category> = Vec::new();
    for name in list.split(',').map(str::trim) {
        let Some(category) = Category::ALL.iter().find(|c| c.name() == name) else {
            bail!(
                "{suite:?}: unknown category {name:?}; known: {} (the multi-turn categories \
                 need BFCL's simulated back-ends and are not run)",
                Category::ALL.map(Category::name).join(", ")
            );
        };
        if !chosen.contains(category) {
            chosen.push(*category);
        }
    }
    Ok(chosen)
}

/// One line of an examples file.
#[derive(Debug, Deserialize)]
struct Example {
    id: String,
    /// Turns of `{role, content}` messages (one turn in these categories).
    question: Vec<Vec<Message>>,
    function: Vec<Function>,
}

#[derive(Debug, Deserialize)]
struct Message {
    role: String,
    content: String,
}

/// One line of a `possible_answer` file.
#[derive(Debug, Deserialize)]
struct Answer {
    id: String,
    ground_truth: Vec<Value>,
}

/// A wrong answer.
#[derive(Debug, Clone, Serialize)]
pub struct BfclFailure {
    /// The example's id.
    pub id: String,
    /// The last user message, shortened.
    pub question: String,
    /// The acceptable calls (or what the category expects), shortened.
    pub expected: String,
    /// The calls made, or the model's error.
    pub got: String,
    /// The kind of error (`wrong_value`, `no_call`, `model_error`, ...).
    pub kind: String,
    /// Why it is wrong.
    pub reason: String,
}

/// The scores of one category.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryScores {
    /// BFCL's name of the category.
    pub category: String,
    /// Examples scored (0 when the suite did not run).
    pub examples: usize,
    /// Examples in the dataset's file.
    pub dataset_size: usize,
    /// Examples answered correctly.
    pub correct: usize,
    /// `correct / examples`; absent when the suite did not run.
    pub accuracy: Option<f64>,
    /// Examples whose request failed (counted wrong).
    pub model_errors: usize,
    /// The wrong answers by kind.
    pub failure_kinds: BTreeMap<String, usize>,
    /// A few wrong answers: one of each kind first, then in dataset order.
    pub failures: Vec<BfclFailure>,
    /// Seconds the category took.
    pub seconds: f64,
}

/// A leaderboard group of categories.
#[derive(Debug, Clone, Serialize)]
pub struct GroupScore {
    /// The group's name, the metric's middle part.
    pub group: String,
    /// Its categories.
    pub categories: Vec<String>,
    /// Whether the accuracy is over examples (true) or the mean of the categories (false).
    pub weighted_by_examples: bool,
    /// Its accuracy.
    pub accuracy: f64,
}

/// The outcome of `tools:bfcl`.
#[derive(Debug, Clone, Serialize)]
pub struct BfclReport {
    /// Suite name.
    pub suite: String,
    /// Whether it ran (it needs a real chat model).
    pub run: bool,
    /// Why it did not run.
    pub reason: Option<String>,
    /// The chat model, when it ran.
    pub model: Option<String>,
    /// One row per category chosen.
    pub categories: Vec<CategoryScores>,
    /// The leaderboard's groups whose categories all ran.
    pub groups: Vec<GroupScore>,
    /// The unweighted mean accuracy over the categories run.
    pub mean_accuracy: Option<f64>,
    /// Published figures (BFCL V3 leaderboard rows).
    pub published: Vec<PublishedBfcl>,
    /// Source of the published figures.
    pub published_source: String,
    /// Seconds the whole suite took.
    pub seconds: f64,
    /// How to read the figures.
    pub notes: Vec<String>,
}

impl BfclReport {
    /// Its metrics by full name (`tools:bfcl/simple_python/accuracy`, `tools:bfcl/all/accuracy`,
    /// `tools:bfcl/live_ast/accuracy`, ...); none when it did not run.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut metrics = BTreeMap::new();
        for c in &self.categories {
            if let Some(accuracy) = c.accuracy {
                metrics.insert(format!("{}/{}/accuracy", self.suite, c.category), accuracy);
            }
        }
        for g in &self.groups {
            metrics.insert(format!("{}/{}/accuracy", self.suite, g.group), g.accuracy);
        }
        if let Some(mean) = self.mean_accuracy {
            metrics.insert(format!("{}/all/accuracy", self.suite), mean);
        }
        metrics
    }
}

/// Runs `tools:bfcl` on `categories` with `model`, at most `limit` examples each; without a
/// model, reports the suite as not run with the categories' sizes.
///
/// Errors: unreadable or inconsistent dataset files, or the endpoint failing the first
/// requests (see [`ask::ask_all`]).
pub async fn run(
    datasets: &Path,
    model: Option<Arc<dyn ChatModel>>,
    categories: &[Category],
    limit: Option<usize>,
) -> Result<BfclReport> {
    let started = Instant::now();
    let dir = datasets.join("bfcl_v4").join("data");
    let mut rows = Vec::new();
    for &category in categories {
        let row_started = Instant::now();
        let path = dir.join(category.file());
        let examples: Vec<Example> = crate::datasets::read_jsonl(&path)?;
        ensure!(!examples.is_empty(), "{}: no examples", path.display());
        let dataset_size = examples.len();
        let Some(model) = &model else {
            rows.push(not_run(category, dataset_size));
            continue;
        };
        let answers = answers(&dir, category)?;
        let examples = sample::spread(examples, limit);
        let requests = examples.iter().map(request).collect();
        let label = format!("{SUITE} {}", category.name());
        let responses = ask::ask_all(model.clone(), requests, &label).await?;
        let mut row = not_run(category, dataset_size);
        row.examples = examples.len();
        let mut failures = Vec::new();
        for (example, response) in examples.iter().zip(responses) {
            let expected = match category.scoring() {
                Scoring::Ast => answers
                    .get(&example.id)
                    .with_context(|| format!("{}: no answer for {}", path.display(), example.id))?,
                _ => &Vec::new(),
            };
            let verdict = match &response {
                Ok(response) => score(
                    category,
                    &example.function,
                    expected,
                    &response.message.tool_calls,
                ),
                Err(error) => Err(("model_error".to_string(), error.clone())),
            };
            let Err((kind, reason)) = verdict else {
                row.correct += 1;
                continue;
            };
            *row.failure_kinds.entry(kind.clone()).or_default() += 1;
            if kind == "model_error" {
                row.model_errors += 1;
            }
            failures.push(BfclFailure {
                id: example.id.clone(),
                question: shorten(&last_user_message(example), 300),
                expected: expected_text(category, expected),
                got: match &response {
                    Ok(r) => calls_text(&r.message.tool_calls),
                    Err(_) => "model error".to_string(),
                },
                kind,
                reason,
            });
        }
        row.failures = pick_failures(failures, |f| &f.kind, FAILURES);
        row.accuracy = Some(row.correct as f64 / row.examples.max(1) as f64);
        row.seconds = row_started.elapsed().as_secs_f64();
        rows.push(row);
    }
    let ran = model.is_some();
    let mean_accuracy = (ran && !rows.is_empty())
        .then(|| rows.iter().filter_map(|r| r.accuracy).sum::<f64>() / rows.len() as f64);
    Ok(BfclReport {
        suite: SUITE.to_string(),
        run: ran,
        reason: (!ran).then(|| NOT_RUN_REASON.to_string()),
        model: model.map(|m| m.id().to_string()),
        groups: if ran { groups(&rows) } else { Vec::new() },
        categories: rows,
        mean_accuracy,
        published: published::bfcl(),
        published_source: published::BFCL_SOURCE.to_string(),
        seconds: started.elapsed().as_secs_f64(),
        notes: notes(limit),
    })
}

/// A category's row before (or without) scoring.
fn not_run(category: Category, dataset_size: usize) -> CategoryScores {
    CategoryScores {
        category: category.name().to_string(),
        examples: 0,
        dataset_size,
        correct: 0,
        accuracy: None,
        model_errors: 0,
        failure_kinds: BTreeMap::new(),
        failures: Vec::new(),
        seconds: 0.0,
    }
}

/// The ground truth of an AST category by example id (empty for the others).
fn answers(dir: &Path, category: Category) -> Result<HashMap<String, Vec<Expected>>> {
    if category.scoring() != Scoring::Ast {
        return Ok(HashMap::new());
    }
    let path = dir.join("possible_answer").join(category.file());
    let answers: Vec<Answer> = crate::datasets::read_jsonl(&path)?;
    answers
        .into_iter()
        .map(|a| {
            let expected = a
                .ground_truth
                .iter()
                .map(Expected::from_ground_truth)
                .collect::<Result<Vec<_>, String>>()
                .map_err(|e| anyhow::anyhow!("{}: {}: {e}", path.display(), a.id))?;
            Ok((a.id, expected))
        })
        .collect()
}

/// The request BFCL's harness would send: the example's messages and functions.
fn request(example: &Example) -> ChatRequest {
    let messages = example
        .question
        .iter()
        .flatten()
        .map(|m| match m.role.as_str() {
            "system" => ChatMessage::system(m.content.clone()),
            "assistant" => ChatMessage::assistant(m.content.clone()),
            _ => ChatMessage::user(m.content.clone()),
        })
        .collect();
    ChatRequest {
        messages,
        tools: example.function.iter().map(Function::to_tool).collect(),
        temperature: Some(0.0),
        max_tokens: None,
        hints: Default::default(),
    }
}

/// Scores the calls of one example: `Ok` when correct, else the kind of error and why.
fn score(
    category: Category,
    functions: &[Function],
    expected: &[Expected],
    calls: &[ToolCall],
) -> Result<(), (String, String)> {
    let wrong = |kind: &str, reason: String| Err((kind.to_string(), reason));
    if category.scoring() == Scoring::NoCall {
        return match calls.is_empty() {
            true => Ok(()),
            false => wrong(
                "unexpected_call",
                "no function fits, yet it called one".into(),
            ),
        };
    }
    if calls.is_empty() {
        return wrong("no_call", "no call made".into());
    }
    let names = names_by_api_name(functions);
    let mut parsed = Vec::new();
    for call in calls {
        let args = parse_arguments(call).map_err(|e| ("malformed_arguments".to_string(), e))?;
        parsed.push(Call {
            function: names.get(&call.name).unwrap_or(&call.name).clone(),
            args,
        });
    }
    if category.scoring() == Scoring::AnyCall {
        return Ok(());
    }
    match_calls(functions, &parsed, expected).or_else(|m| wrong(m.kind(), m.to_string()))
}

fn last_user_message(example: &Example) -> String {
    example
        .question
        .iter()
        .flatten()
        .rfind(|m| m.role == "user")
        .map(|m| m.content.clone())
        .unwrap_or_default()
}

fn expected_text(category: Category, expected: &[Expected]) -> String {
    match category.scoring() {
        Scoring::NoCall => "no call".to_string(),
        Scoring::AnyCall => "any call".to_string(),
        Scoring::Ast => shorten(
            &expected
                .iter()
                .map(|e| format!("{}({})", e.function, Value::Object(e.args.clone())))
                .collect::<Vec<_>>()
                .join("; "),
            300,
        ),
    }
}

/// The groups whose categories all ran.
fn groups(rows: &[CategoryScores]) -> Vec<GroupScore> {
    GROUPS
        .iter()
        .filter_map(|(group, members, weighted)| {
            let chosen: Vec<&CategoryScores> = members
                .iter()
                .map(|m| rows.iter().find(|r| r.category == m.name()))
                .collect::<Option<_>>()?;
            let accuracy = if *weighted {
                let correct: usize = chosen.iter().map(|r| r.correct).sum();
                let examples: usize = chosen.iter().map(|r| r.examples).sum();
                correct as f64 / examples.max(1) as f64
            } else {
                chosen.iter().filter_map(|r| r.accuracy).sum::<f64>() / chosen.len() as f64
            };
            Some(GroupScore {
                group: group.to_string(),
                categories: members.iter().map(|m| m.name().to_string()).collect(),
                weighted_by_examples: *weighted,
                accuracy,
            })
        })
        .collect()
}

fn notes(limit: Option<usize>) -> Vec<String> {
    let mut notes = vec![
        "Scoring is BFCL's AST match, reimplemented (evals/src/suites/tools/matcher.rs): right \
         function, required arguments present, each argument's value among the acceptable ones \
         (strings compared as BFCL's checker compares them), any order for parallel calls. \
         Irrelevance categories are right when no call is made, live_relevance when any \
         well-formed call is."
            .to_string(),
        "Requests are what BFCL's harness sends a function-calling model: the example's \
         messages, no system prompt of ours, the functions as tools (dots in names sent as \
         underscores), temperature 0. Model errors and malformed arguments count as wrong."
            .to_string(),
        "The published rows are BFCL V3 (2024-12); v4 revised some entries, and V3's simple \
         column averages Python, Java and JavaScript where we run Python only. Compare per \
         category, approximately; `all` (our mean over the categories run) is not the \
         leaderboard's overall, which includes multi-turn and agentic categories."
            .to_string(),
    ];
    if let Some(limit) = limit {
        notes.push(format!(
            "--limit {limit}: at most {limit} examples per category, spread over it."
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn the_suite_runs_every_single_turn_category_or_the_ones_listed() {
        assert_eq!(categories("tools:bfcl").unwrap().len(), 11);
        assert_eq!(
            categories("tools:bfcl:irrelevance,simple_python,irrelevance").unwrap(),
            [Category::Irrelevance, Category::SimplePython]
        );
        let error = categories("tools:bfcl:multi_turn_base")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("live_relevance") && error.contains("multi-turn"),
            "{error}"
        );
        assert!(categories("tools:bfclx").is_err());
    }

    fn weather() -> Vec<Function> {
        vec![
            serde_json::from_value(json!({
                "name": "weather.get",
                "description": "The weather in a city.",
                "parameters": {"type": "dict", "properties": {"city": {"type": "string"}},
                               "required": ["city"]}
            }))
            .unwrap(),
        ]
    }

    fn tool_call(name: &str, arguments: &str) -> ToolCall {
        ToolCall {
            id: "call_1".into(),
            name: name.into(),
            arguments: arguments.into(),
        }
    }

    fn paris() -> Vec<Expected> {
        vec![Expected::from_ground_truth(&json!({"weather.get": {"city": ["Paris"]}})).unwrap()]
    }

    fn kind(result: Result<(), (String, String)>) -> String {
        result.err().map(|(kind, _)| kind).unwrap_or_default()
    }

    #[test]
    fn a_call_under_its_api_name_is_scored_as_the_dataset_function() {
        let calls = [tool_call("weather_get", r#"{"city": "paris"}"#)];
        assert_eq!(
            score(Category::SimplePython, &weather(), &paris(), &calls),
            Ok(())
        );
    }

    #[test]
    fn irrelevance_is_correct_only_without_a_call() {
        assert_eq!(score(Category::Irrelevance, &weather(), &[], &[]), Ok(()));
        let calls = [tool_call("weather_get", r#"{"city": "Paris"}"#)];
        assert_eq!(
            kind(score(Category::LiveIrrelevance, &weather(), &[], &calls)),
            "unexpected_call"
        );
    }

    #[test]
    fn relevance_is_correct_with_any_well_formed_call() {
        let any = [tool_call("weather_get", r#"{"city": "Rome"}"#)];
        assert_eq!(
            score(Category::LiveRelevance, &weather(), &[], &any),
            Ok(())
        );
        assert_eq!(
            kind(score(Category::LiveRelevance, &weather(), &[], &[])),
            "no_call"
        );
    }

    #[test]
    fn malformed_arguments_are_wrong() {
        let calls = [tool_call("weather_get", r#"{"city": "Paris""#)];
        assert_eq!(
            kind(score(Category::SimplePython, &weather(), &paris(), &calls)),
            "malformed_arguments"
        );
        assert_eq!(
            kind(score(Category::LiveRelevance, &weather(), &[], &calls)),
            "malformed_arguments"
        );
    }

    #[test]
    fn no_call_where_one_is_expected_is_its_own_kind_of_error() {
        assert_eq!(
            kind(score(Category::Multiple, &weather(), &paris(), &[])),
            "no_call"
        );
    }

    fn row(name: &str, correct: usize, examples: usize) -> CategoryScores {
        let mut row = not_run(Category::SimplePython, examples);
        row.category = name.to_string();
        row.correct = correct;
        row.examples = examples;
        row.accuracy = Some(correct as f64 / examples as f64);
        row
    }

    #[test]
    fn groups_are_reported_only_when_all_their_categories_ran() {
        // Non-live AST, the mean of the categories: (1/2 + 1 + 3/4 + 1/4) / 4 = 0.625.
        // Irrelevance detection, over examples: (9 + 1) / (10 + 10) = 0.5. Live AST: incomplete.
        let rows = [
            row("simple_python", 1, 2),
            row("multiple", 4, 4),
            row("parallel", 3, 4),
            row("parallel_multiple", 1, 4),
            row("irrelevance", 9, 10),
            row("live_irrelevance", 1, 10),
            row("live_simple", 1, 1),
        ];
        let groups = groups(&rows);
        let names: Vec<&str> = groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["non_live_ast", "irrelevance_detection"]);
        assert!((groups[0].accuracy - 0.625).abs() < 1e-12);
        assert!((groups[1].accuracy - 0.5).abs() < 1e-12);
    }

    #[test]
    fn live_ast_is_the_accuracy_over_its_examples() {
        // (1 + 30 + 0 + 2) / (1 + 40 + 2 + 2) = 33/45, not the mean of the four categories.
        let rows = [
            row("live_simple", 1, 1),
            row("live_multiple", 30, 40),
            row("live_parallel", 0, 2),
            row("live_parallel_multiple", 2, 2),
        ];
        let groups = groups(&rows);
        assert_eq!(groups[0].group, "live_ast");
        assert!((groups[0].accuracy - 33.0 / 45.0).abs() < 1e-12);
    }

    #[test]
    fn a_suite_that_did_not_run_has_no_metrics() {
        let report = BfclReport {
            suite: SUITE.into(),
            run: false,
            reason: Some(NOT_RUN_REASON.into()),
            model: None,
            categories: vec![not_run(Category::Irrelevance, 240)],
            groups: Vec::new(),
            mean_accuracy: None,
            published: Vec::new(),
            published_source: String::new(),
            seconds: 0.0,
            notes: Vec::new(),
        };
        assert!(report.metrics().is_empty());
    }
}
