//! `tools:bfcl` and `tools:sgd`: whether a chat model calls the right tool with the right
//! arguments, on public function-calling data. Both need a real chat model (`--model openai`):
//! charla's offline model only calls charla's own tools, so with it the suites are reported
//! as not run, with the reason, and produce no metrics.
//!
//! - `bfcl`: `tools:bfcl`, BFCL's single-turn categories scored by AST match.
//! - `sgd`: `tools:sgd`, the next API call of Schema-Guided Dialogue conversations.
//! - `matcher`: BFCL's AST match of calls against acceptable answers.
//! - `function`: BFCL's function documents converted to the tools API.
//! - `published`: the published figures the reports quote.

pub mod bfcl;
pub mod function;
pub mod matcher;
pub mod published;
pub mod sgd;

use anyhow::{Context, Result};
use charla_agent::model::ChatModel;
use charla_agent::model::ToolCall;
use charla_agent::model::openai::{OpenAiChatConfig, OpenAiChatModel};
use serde_json::{Map, Value};
use std::sync::Arc;

pub(crate) use crate::report::shorten;

/// Why the tools suites do not run with `--model offline`.
pub const NOT_RUN_REASON: &str = "needs a real chat model: charla's offline model only calls \
     charla's own tools; run with --model openai and OPENAI_BASE_URL/OPENAI_API_KEY/\
     CHARLA_CHAT_MODEL";

/// The chat model of `--model openai`, configured as `charla` configures it: the model named
/// by `CHARLA_CHAT_MODEL` at `OPENAI_BASE_URL` (OpenAI's by default) with `OPENAI_API_KEY`.
///
/// Errors: `CHARLA_CHAT_MODEL` is unset or empty, or the settings are invalid.
pub fn chat_model_from_env() -> Result<Arc<dyn ChatModel>> {
    let name = std::env::var("CHARLA_CHAT_MODEL")
        .ok()
        .filter(|m| !m.trim().is_empty())
        .context(
            "--model openai runs the tools suites with the chat model named by \
             CHARLA_CHAT_MODEL (and OPENAI_BASE_URL, OPENAI_API_KEY); it is not set",
        )?;
    let config = OpenAiChatConfig::for_endpoint(
        name.clone(),
        std::env::var("OPENAI_BASE_URL").ok(),
        std::env::var("OPENAI_API_KEY").ok(),
    )
    .temperature(0.0);
    let model = OpenAiChatModel::new(config).with_context(|| format!("chat model {name}"))?;
    Ok(Arc::new(model))
}

/// A call's arguments as a JSON object.
///
/// Errors: the text is not JSON, or not an object (the message says which; it is shown
/// among the failures).
pub fn parse_arguments(call: &ToolCall) -> Result<Map<String, Value>, String> {
    // Some servers send "" for a call without arguments.
    if call.arguments.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str(&call.arguments) {
        Ok(Value::Object(args)) => Ok(args),
        Ok(other) => Err(format!(
            "{}: arguments are not a JSON object: {other}",
            call.name
        )),
        Err(error) => Err(format!(
            "{}: arguments are not valid JSON ({error}): {}",
            call.name,
            shorten(&call.arguments, 200)
        )),
    }
}

/// The calls as one line of text (`f({"a":1}); g({})`), for the failures.
pub fn calls_text(calls: &[ToolCall]) -> String {
    if calls.is_empty() {
        return "no call".to_string();
    }
    calls
        .iter()
        .map(|c| format!("{}({})", c.name, shorten(&c.arguments, 300)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// At most `max` failures to list: the first of each kind (so every kind shows), then the
/// others in their order.
pub fn pick_failures<T>(failures: Vec<T>, kind: impl Fn(&T) -> &String, max: usize) -> Vec<T> {
    let mut seen: Vec<String> = Vec::new();
    let (mut firsts, mut rest) = (Vec::new(), Vec::new());
    for failure in failures {
        if seen.contains(kind(&failure)) {
            rest.push(failure);
        } else {
            seen.push(kind(&failure).clone());
            firsts.push(failure);
        }
    }
    firsts.into_iter().chain(rest).take(max).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn call(arguments: &str) -> ToolCall {
        ToolCall {
            id: "1".into(),
            name: "f".into(),
            arguments: arguments.into(),
        }
    }

    #[test]
    fn malformed_arguments_are_an_error_naming_the_call() {
        assert_eq!(parse_arguments(&call(r#"{"a": 1}"#)).unwrap().len(), 1);
        assert!(parse_arguments(&call("")).unwrap().is_empty());
        let error = parse_arguments(&call(r#"{"a": 1"#)).unwrap_err();
        assert!(
            error.starts_with("f: arguments are not valid JSON"),
            "{error}"
        );
        assert!(parse_arguments(&call("[1]")).is_err());
    }

    #[test]
    fn listed_failures_show_every_kind_first() {
        let failures = vec![("a", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5)];
        let kinds: Vec<(String, i32)> = failures
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
        let picked = pick_failures(kinds, |f| &f.0, 4);
        let order: Vec<i32> = picked.iter().map(|f| f.1).collect();
        assert_eq!(order, [1, 3, 5, 2]);
    }
}
