//! The checks of one turn: what a scenario expected against what the customer got and what
//! the agent did, as pure functions so each is unit-tested. Every failure says what was
//! expected and what happened.

use super::format::Expect;
use serde::Serialize;
use serde_json::Value;

/// What one turn showed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Observed {
    /// The intent the agent gave the customer's message.
    pub intent: Option<String>,
    /// Its sentiment label.
    pub sentiment: Option<String>,
    /// The tools called, with their arguments.
    pub tools: Vec<CalledTool>,
    /// The knowledge sources the reply cited.
    pub sources: Vec<String>,
    /// Whether the turn handed the conversation to a person.
    pub handoff: bool,
    /// The reply as the customer saw it (texts, then the options' titles); empty without one.
    pub reply: String,
    /// Whether any message of the reply was a template.
    pub template: bool,
    /// The reply's language: a template's own, else detected from its text.
    pub reply_language: Option<String>,
    /// Whether anything was sent at all.
    pub replied: bool,
}

/// One tool call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalledTool {
    /// The tool.
    pub name: String,
    /// Its arguments.
    pub args: Value,
}

/// A check that did not hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The check (`intent`, `reply_contains`...).
    pub check: String,
    /// What was expected.
    pub expected: String,
    /// What happened.
    pub actual: String,
}

fn failure(check: &str, expected: impl Into<String>, actual: impl Into<String>) -> Failure {
    Failure {
        check: check.into(),
        expected: expected.into(),
        actual: actual.into(),
    }
}

/// Every check of `expect` that `observed` fails.
pub fn check(expect: &Expect, observed: &Observed) -> Vec<Failure> {
    let mut failures = Vec::new();
    let none = || "(none)".to_string();
    if let Some(intent) = &expect.intent {
        let accepted = intent.values();
        if !observed
            .intent
            .as_ref()
            .is_some_and(|i| accepted.iter().any(|a| a == i))
        {
            failures.push(failure(
                "intent",
                accepted.join(" or "),
                observed.intent.clone().unwrap_or_else(none),
            ));
        }
    }
    if let Some(sentiment) = &expect.sentiment
        && observed.sentiment.as_ref() != Some(sentiment)
    {
        failures.push(failure(
            "sentiment",
            sentiment.clone(),
            observed.sentiment.clone().unwrap_or_else(none),
        ));
    }
    for tool in &expect.tools {
        let called = observed.tools.iter().any(|c| {
            c.name == tool.name
                && tool
                    .args
                    .as_ref()
                    .is_none_or(|args| matches_subset(args, &c.args))
        });
        if !called {
            let expected = match &tool.args {
                Some(args) => format!("{} with {args}", tool.name),
                None => tool.name.clone(),
            };
            failures.push(failure("tools", expected, describe_calls(&observed.tools)));
        }
    }
    for name in &expect.no_tools {
        if observed.tools.iter().any(|c| &c.name == name) {
            failures.push(failure(
                "no_tools",
                format!("{name} not called"),
                describe_calls(&observed.tools),
            ));
        }
    }
    if let Some(handoff) = expect.handoff
        && observed.handoff != handoff
    {
        failures.push(failure(
            "handoff",
            handoff.to_string(),
            observed.handoff.to_string(),
        ));
    }
    let reply = observed.reply.to_lowercase();
    let shown = || {
        if observed.replied {
            observed.reply.clone()
        } else {
            "(no reply)".to_string()
        }
    };
    for needle in &expect.reply_contains {
        if !reply.contains(&needle.to_lowercase()) {
            failures.push(failure(
                "reply_contains",
                format!("{needle:?} in the reply"),
                shown(),
            ));
        }
    }
    if !expect.reply_contains_any.is_empty()
        && !expect
            .reply_contains_any
            .iter()
            .any(|n| reply.contains(&n.to_lowercase()))
    {
        failures.push(failure(
            "reply_contains_any",
            format!("one of {:?} in the reply", expect.reply_contains_any),
            shown(),
        ));
    }
    for needle in &expect.reply_not_contains {
        if reply.contains(&needle.to_lowercase()) {
            failures.push(failure(
                "reply_not_contains",
                format!("no {needle:?} in the reply"),
                shown(),
            ));
        }
    }
    if let Some(language) = &expect.reply_language
        && observed.reply_language.as_ref() != Some(language)
    {
        failures.push(failure(
            "reply_language",
            language.clone(),
            format!(
                "{} ({})",
                observed.reply_language.clone().unwrap_or_else(none),
                shown()
            ),
        ));
    }
    if let Some(template) = expect.template
        && observed.template != template
    {
        failures.push(failure(
            "template",
            template.to_string(),
            format!("{} ({})", observed.template, shown()),
        ));
    }
    for source in &expect.sources_include {
        let wanted = source.to_lowercase();
        if !observed
            .sources
            .iter()
            .any(|s| s.to_lowercase().contains(&wanted))
        {
            failures.push(failure(
                "sources_include",
                source.clone(),
                format!("{:?}", observed.sources),
            ));
        }
    }
    if let Some(no_reply) = expect.no_reply
        && observed.replied == no_reply
    {
        failures.push(failure(
            "no_reply",
            if no_reply { "no reply" } else { "a reply" },
            shown(),
        ));
    }
    failures
}

fn describe_calls(calls: &[CalledTool]) -> String {
    if calls.is_empty() {
        return "no tool called".into();
    }
    calls
        .iter()
        .map(|c| format!("{} {}", c.name, c.args))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `actual` has everything `expected` has: objects key by key (extra keys allowed),
/// every expected array element matched by some actual element, strings equal ignoring case,
/// numbers equal as numbers, everything else equal.
pub fn matches_subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => want
            .iter()
            .all(|(k, v)| have.get(k).is_some_and(|h| matches_subset(v, h))),
        (Value::Array(want), Value::Array(have)) => want
            .iter()
            .all(|w| have.iter().any(|h| matches_subset(w, h))),
        (Value::String(want), Value::String(have)) => want.to_lowercase() == have.to_lowercase(),
        (Value::Number(want), Value::Number(have)) => want.as_f64() == have.as_f64(),
        _ => expected == actual,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::scenarios::format::{OneOrMany, ToolExpect};
    use serde_json::json;

    fn observed() -> Observed {
        Observed {
            intent: Some("product_question".into()),
            sentiment: Some("neutral".into()),
            tools: vec![CalledTool {
                name: "catalog_search".into(),
                args: json!({"query": "casco niño", "category": "Helmets", "max_price": 40}),
            }],
            sources: vec!["catalog/helmets.csv".into()],
            handoff: false,
            reply: "Tenemos el casco Kid Pro por 39 €".into(),
            template: false,
            reply_language: Some("es".into()),
            replied: true,
        }
    }

    #[test]
    fn a_turn_that_meets_every_expectation_has_no_failures() {
        let expect = Expect {
            intent: Some(OneOrMany::Many(vec![
                "faq".into(),
                "product_question".into(),
            ])),
            sentiment: Some("neutral".into()),
            tools: vec![ToolExpect {
                name: "catalog_search".into(),
                args: Some(json!({"category": "helmets", "max_price": 40.0})),
            }],
            no_tools: vec!["create_ticket".into()],
            handoff: Some(false),
            reply_contains: vec!["CASCO".into()],
            reply_contains_any: vec!["29".into(), "39".into()],
            reply_not_contains: vec!["error".into()],
            reply_language: Some("es".into()),
            template: Some(false),
            sources_include: vec!["helmets.csv".into()],
            no_reply: Some(false),
        };
        assert_eq!(check(&expect, &observed()), Vec::<Failure>::new());
    }

    #[test]
    fn each_failed_check_says_what_was_expected_and_what_happened() {
        let expect = Expect {
            intent: Some(OneOrMany::One("booking".into())),
            tools: vec![ToolExpect {
                name: "catalog_search".into(),
                args: Some(json!({"category": "lights"})),
            }],
            no_tools: vec!["catalog_search".into()],
            handoff: Some(true),
            reply_contains: vec!["bici".into()],
            reply_language: Some("it".into()),
            sources_include: vec!["faq.md".into()],
            ..Expect::default()
        };
        let failures = check(&expect, &observed());
        let checks: Vec<&str> = failures.iter().map(|f| f.check.as_str()).collect();
        assert_eq!(
            checks,
            [
                "intent",
                "tools",
                "no_tools",
                "handoff",
                "reply_contains",
                "reply_language",
                "sources_include"
            ]
        );
        assert_eq!(failures[0].expected, "booking");
        assert_eq!(failures[0].actual, "product_question");
        assert!(failures[1].actual.contains("catalog_search"));
        assert!(failures[4].actual.contains("Kid Pro"));
    }

    #[test]
    fn args_match_as_a_subset_with_strings_ignoring_case() {
        let actual =
            json!({"query": "Casco", "filters": {"kind": "FAQ", "tags": ["a", "b"]}, "n": 3});
        assert!(matches_subset(&json!({"query": "casco"}), &actual));
        assert!(matches_subset(
            &json!({"filters": {"tags": ["B"]}}),
            &actual
        ));
        assert!(matches_subset(&json!({"n": 3.0}), &actual));
        assert!(!matches_subset(&json!({"n": 4}), &actual));
        assert!(!matches_subset(&json!({"missing": 1}), &actual));
        assert!(!matches_subset(
            &json!({"filters": {"tags": ["c"]}}),
            &actual
        ));
    }

    #[test]
    fn no_reply_is_told_apart_from_an_empty_one() {
        let silent = Observed::default();
        let expect = Expect {
            no_reply: Some(true),
            ..Expect::default()
        };
        assert!(check(&expect, &silent).is_empty());
        let expect = Expect {
            reply_contains: vec!["hola".into()],
            ..Expect::default()
        };
        assert_eq!(check(&expect, &silent)[0].actual, "(no reply)");
    }
}
