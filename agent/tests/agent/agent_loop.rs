//! The agent loop with a scripted model, on the example business with a real qdrant-edge
//! index and a real SQLite store: multi-step tool use, unknown tools, invalid arguments
//! corrected, the step limit, escalation on each trigger, and silence while an operator
//! has the conversation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use crate::support::{agent_with, say, tools_called};
use charla_agent::escalation::EscalationReason;
use charla_agent::model::scripted::{ScriptedModel, ScriptedStep};
use charla_agent::model::{ModelError, Role};
use charla_agent::turn::AgentConfig;
use std::sync::Arc;

fn scripted(steps: Vec<ScriptedStep>) -> Arc<ScriptedModel> {
    Arc::new(ScriptedModel::new(steps))
}

#[tokio::test]
async fn the_model_can_search_twice_and_answer_with_both_sources() {
    let model = scripted(vec![
        ScriptedStep::call("catalog_search", r#"{"query": "helmet", "limit": 2}"#),
        ScriptedStep::call(
            "knowledge_search",
            r#"{"query": "return a helmet", "kind": "policy"}"#,
        ),
        ScriptedStep::text("We have two helmets, and you can return them within 30 days."),
    ]);
    let (_dir, runtime) = agent_with(model.clone(), AgentConfig::default()).await;
    let outcome = say(&runtime, "c1", "Do you sell helmets, and can I return one?").await;

    assert_eq!(
        outcome.reply.as_deref(),
        Some("We have two helmets, and you can return them within 30 days.")
    );
    assert_eq!(
        tools_called(&outcome),
        ["catalog_search", "knowledge_search"]
    );
    assert!(
        outcome.tool_calls.iter().all(|c| c.ok),
        "{:?}",
        outcome.tool_calls
    );
    assert!(
        outcome.sources.len() >= 2,
        "sources of both searches: {:?}",
        outcome.sources
    );
    assert!(!outcome.failed);
    // The model saw each tool's output before its next step.
    let requests = model.requests();
    assert_eq!(requests.len(), 3);
    let last = requests.last().unwrap();
    let tool_messages: Vec<_> = last
        .messages
        .iter()
        .filter(|m| m.role == Role::Tool)
        .collect();
    assert_eq!(tool_messages.len(), 2);
    assert!(
        tool_messages[0]
            .content
            .as_deref()
            .unwrap()
            .contains("\"items\"")
    );
    assert!(
        last.tools.iter().any(|t| t.name == "book_appointment"),
        "the registry's tools are offered"
    );
}

#[tokio::test]
async fn an_unknown_tool_is_reported_back_and_the_model_recovers() {
    let model = scripted(vec![
        ScriptedStep::call("teleport_bike", r#"{"to": "Milan"}"#),
        ScriptedStep::text("Sorry, I can't do that, but I can check our catalog."),
    ]);
    let (_dir, runtime) = agent_with(model.clone(), AgentConfig::default()).await;
    let outcome = say(&runtime, "c1", "Send my bike to Milan").await;

    assert_eq!(outcome.tool_calls.len(), 1);
    assert!(!outcome.tool_calls[0].ok);
    let fed_back = model.requests()[1]
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::Tool)
        .unwrap()
        .content
        .clone()
        .unwrap();
    assert!(
        fed_back.contains("unknown_tool") && fed_back.contains("catalog_search"),
        "{fed_back}"
    );
    assert_eq!(
        outcome.reply.as_deref(),
        Some("Sorry, I can't do that, but I can check our catalog.")
    );
}

#[tokio::test]
async fn invalid_arguments_are_explained_and_the_corrected_call_runs() {
    let model = scripted(vec![
        ScriptedStep::call("catalog_search", r#"{"query": "lights""#),
        ScriptedStep::call("catalog_search", r#"{"query": 42}"#),
        ScriptedStep::call("catalog_search", r#"{"query": "bike lights"}"#),
        ScriptedStep::text("Here are our lights."),
    ]);
    let (_dir, runtime) = agent_with(model.clone(), AgentConfig::default()).await;
    let outcome = say(&runtime, "c1", "lights?").await;

    let oks: Vec<bool> = outcome.tool_calls.iter().map(|c| c.ok).collect();
    assert_eq!(oks, [false, false, true]);
    assert!(
        outcome.tool_calls[0]
            .error
            .as_deref()
            .unwrap()
            .contains("not valid JSON")
    );
    assert_eq!(outcome.reply.as_deref(), Some("Here are our lights."));
}

#[tokio::test]
async fn a_model_stuck_calling_tools_stops_at_the_step_limit_with_an_honest_reply() {
    let model = Arc::new(ScriptedModel::cycling(vec![ScriptedStep::call(
        "catalog_search",
        r#"{"query": "bell"}"#,
    )]));
    let config = AgentConfig {
        max_model_calls: 3,
        ..AgentConfig::default()
    };
    let (_dir, runtime) = agent_with(model.clone(), config).await;
    let outcome = say(&runtime, "c1", "do you have bells").await;

    assert_eq!(model.calls_made(), 3);
    assert_eq!(
        outcome.tool_calls.len(),
        2,
        "the last requested call is not run: nobody would read it"
    );
    assert!(outcome.failed);
    let reply = outcome.reply.unwrap();
    assert!(!reply.is_empty());
}

#[tokio::test]
async fn a_model_outage_gets_an_apology_not_an_error() {
    let model = scripted(vec![ScriptedStep::Fail(ModelError::Transient {
        message: "503".into(),
        retry_after: None,
    })]);
    let (_dir, runtime) = agent_with(model, AgentConfig::default()).await;
    let outcome = say(&runtime, "c1", "hello?").await;
    assert!(outcome.failed);
    assert!(outcome.reply.is_some());
}

#[tokio::test]
async fn the_second_message_continues_the_stored_conversation() {
    let model = scripted(vec![
        ScriptedStep::text("first answer"),
        ScriptedStep::text("second answer"),
    ]);
    let (_dir, runtime) = agent_with(model.clone(), AgentConfig::default()).await;
    say(&runtime, "c1", "first question about tyres").await;
    say(&runtime, "c1", "and a second one").await;
    let second = &model.requests()[1];
    let texts: Vec<_> = second
        .messages
        .iter()
        .filter_map(|m| m.content.clone())
        .collect();
    assert!(texts.iter().any(|t| t == "first question about tyres"));
    assert!(texts.iter().any(|t| t == "first answer"));
    // Another customer starts from nothing.
    let model_requests_before = model.requests().len();
    let _ = runtime.agent.handle(support::from("c2", "hi")).await;
    let third = &model.requests()[model_requests_before];
    assert!(
        !third
            .messages
            .iter()
            .any(|m| m.content.as_deref() == Some("first answer"))
    );
}

// ---------------------------------------------------------------------------------------------
// Escalation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn asking_for_a_person_hands_over_without_calling_the_model() {
    let model = scripted(vec![]);
    let (_dir, runtime) = agent_with(model.clone(), AgentConfig::default()).await;
    let outcome = say(&runtime, "c1", "quiero hablar con una persona, por favor").await;

    let handoff = outcome.handoff.clone().expect("handed over");
    assert_eq!(handoff.reason, EscalationReason::CustomerAsked);
    assert!(
        handoff.summary.contains("quiero hablar con una persona"),
        "{}",
        handoff.summary
    );
    assert_eq!(model.calls_made(), 0);
    assert!(outcome.with_operator);
    assert_eq!(tools_called(&outcome), ["handoff_to_human"]);
    assert!(
        outcome.reply.is_some(),
        "the customer is told a person is coming"
    );
}

#[tokio::test]
async fn while_an_operator_has_the_conversation_the_bot_stays_silent() {
    let model = scripted(vec![]);
    let (_dir, runtime) = agent_with(model.clone(), AgentConfig::default()).await;
    say(&runtime, "c1", "I want to talk to a human").await;
    let outcome = say(&runtime, "c1", "hello? anyone there?").await;

    assert_eq!(outcome.reply, None);
    assert!(outcome.with_operator);
    assert_eq!(model.calls_made(), 0);
    let conversations = runtime.agent.parts().conversations.clone();
    let stored = conversations
        .recent_messages(&outcome.conversation_id, 50)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .any(|m| m.text.as_deref() == Some("hello? anyone there?")),
        "the message is kept for the operator"
    );
}

#[tokio::test]
async fn strongly_negative_sentiment_hands_over() {
    let model = scripted(vec![]);
    let (_dir, runtime) = agent_with(model.clone(), AgentConfig::default()).await;
    let outcome = say(
        &runtime,
        "c1",
        "ESTO ES UNA VERGÜENZA!!! Sois los peores, un servicio horrible y una estafa 😡😡",
    )
    .await;
    assert_eq!(
        outcome.understanding.sentiment.label,
        charla_agent::understanding::SentimentLabel::Negative
    );
    assert_eq!(
        outcome.handoff.unwrap().reason,
        EscalationReason::NegativeSentiment
    );
}

#[tokio::test]
async fn the_negative_sentiment_threshold_is_configurable() {
    let model = scripted(vec![ScriptedStep::text("Lo siento mucho.")]);
    let mut config = AgentConfig::default();
    config.escalation.negative_sentiment_threshold = -1.1;
    let (_dir, runtime) = agent_with(model, config).await;
    let outcome = say(
        &runtime,
        "c1",
        "ESTO ES UNA VERGÜENZA!!! Sois los peores, un servicio horrible y una estafa 😡😡",
    )
    .await;
    assert!(outcome.handoff.is_none());
}

#[tokio::test]
async fn repeated_failures_to_help_hand_over() {
    let model = Arc::new(ScriptedModel::cycling(vec![
        ScriptedStep::call("get_ticket", r#"{"ticket_id": "T-999999"}"#),
        ScriptedStep::text("I could not find that ticket."),
    ]));
    let (_dir, runtime) = agent_with(model, AgentConfig::default()).await;
    let first = say(&runtime, "c1", "what about ticket T-999999").await;
    assert!(
        first.failed && first.handoff.is_none(),
        "one failure is not enough"
    );
    let mut handed = None;
    for text in [
        "and my ticket number nine nine nine",
        "please check the ticket status again",
        "still nothing about it",
    ] {
        let outcome = say(&runtime, "c1", text).await;
        if outcome.handoff.is_some() {
            handed = outcome.handoff;
            break;
        }
    }
    assert_eq!(
        handed.expect("handed over after repeated failures").reason,
        EscalationReason::RepeatedFailures
    );
}

#[tokio::test]
async fn a_customer_repeating_themselves_after_a_failure_is_handed_over() {
    let model = Arc::new(ScriptedModel::cycling(vec![
        ScriptedStep::call("catalog_search", r#"{"query": "xyzzy plugh"}"#),
        ScriptedStep::text("I found nothing."),
    ]));
    let mut config = AgentConfig::default();
    config.escalation.max_failures = 10;
    let (_dir, runtime) = agent_with(model, config).await;
    let text = "do you have the golden unicorn saddle xyzzy";
    let first = say(&runtime, "c1", text).await;
    assert!(
        first.failed,
        "a search with no results is a failure: {:?}",
        first.tool_calls
    );
    let second = say(&runtime, "c1", text).await;
    assert_eq!(
        second.handoff.expect("handed over").reason,
        EscalationReason::CustomerRepeating
    );
}

#[tokio::test]
async fn the_model_calling_handoff_hands_over_and_keeps_its_own_words() {
    let model = scripted(vec![
        ScriptedStep::call(
            "handoff_to_human",
            r#"{"reason": "warranty claim needs a mechanic", "summary": "cracked frame"}"#,
        ),
        ScriptedStep::text("I'm passing you to a mechanic now."),
    ]);
    let (_dir, runtime) = agent_with(model, AgentConfig::default()).await;
    let outcome = say(&runtime, "c1", "my frame cracked after two weeks").await;
    let handoff = outcome.handoff.expect("handed over");
    assert_eq!(handoff.reason, EscalationReason::ModelRequested);
    assert_eq!(
        outcome.reply.as_deref(),
        Some("I'm passing you to a mechanic now.")
    );
    assert!(outcome.with_operator);
}

/// A tool a business might add: refunds above a limit need a person.
struct IssueRefund;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct RefundArgs {
    amount: f64,
}

#[async_trait::async_trait]
impl charla_tools::Tool for IssueRefund {
    const NAME: &'static str = "issue_refund";
    type Args = RefundArgs;
    type Output = serde_json::Value;
    fn title(&self) -> &'static str {
        "Issue a refund"
    }
    fn description(&self) -> &'static str {
        "Refunds an amount to the customer."
    }
    fn annotations(&self) -> charla_tools::ToolAnnotations {
        charla_tools::ToolAnnotations::CREATES
    }
    fn scope(&self) -> charla_tools::Scope {
        charla_tools::Scope::Write
    }
    async fn call(
        &self,
        _ctx: &charla_tools::ToolContext,
        args: RefundArgs,
    ) -> Result<serde_json::Value, charla_tools::ToolError> {
        if args.amount > 100.0 {
            return Err(charla_tools::ToolError::not_allowed(
                "refunds over 100 EUR need a person",
            ));
        }
        Ok(serde_json::json!({"refunded": args.amount}))
    }
}

#[tokio::test]
async fn a_tool_refusing_as_not_allowed_hands_over() {
    let model = scripted(vec![
        ScriptedStep::call("issue_refund", r#"{"amount": 450}"#),
        ScriptedStep::text("I can't refund that myself."),
    ]);
    let (_dir, runtime) = agent_with(model, AgentConfig::default()).await;
    let mut parts = runtime.agent.parts().clone();
    parts.tools.register(IssueRefund);
    let agent = charla_agent::turn::Agent::new(parts, AgentConfig::default());
    let outcome = agent
        .handle(support::from("c1", "refund my 450 euro order"))
        .await
        .unwrap();
    let handoff = outcome.handoff.expect("handed over");
    assert_eq!(handoff.reason, EscalationReason::ToolRequested);
    assert!(
        handoff.detail.contains("issue_refund"),
        "{}",
        handoff.detail
    );
    assert!(outcome.with_operator);
}
