//! `handoff_to_human`: succeeds inside a conversation, says whether people are answering and
//! when they next will, and is refused outside a conversation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charla_tools::ToolErrorKind;
use common::{Shop, agent_for_nobody, assert_error, customer};
use serde_json::json;

fn args() -> serde_json::Value {
    json!({ "reason": "customer asks for a person", "summary": "Ana wants to return a bike bought 40 days ago." })
}

#[tokio::test]
async fn a_handoff_in_working_hours_goes_to_people_now() {
    let shop = Shop::new().await;
    let answer = shop.ok(&customer("ana"), "handoff_to_human", args()).await;
    assert_eq!(answer["handed_off"], true);
    assert_eq!(answer["reason"], "customer asks for a person");
    assert_eq!(
        answer["summary"],
        "Ana wants to return a bike bought 40 days ago."
    );
    assert_eq!(answer["humans_available_now"], true);
    assert!(answer.get("next_available").is_none());
}

#[tokio::test]
async fn a_handoff_at_the_weekend_says_when_people_answer() {
    // Saturday 5 December, 10:00 in Madrid.
    let shop = Shop::at("2026-12-05T09:00:00Z").await;
    let answer = shop.ok(&customer("ana"), "handoff_to_human", args()).await;
    assert_eq!(answer["handed_off"], true);
    assert_eq!(answer["humans_available_now"], false);
    assert_eq!(answer["next_available"], "2026-12-07T09:00:00+01:00");
    assert_eq!(answer["next_available_weekday"], "Monday");
    // Monday 07:30: later the same day.
    shop.set_now("2026-12-07T06:30:00Z");
    let early = shop.ok(&customer("ana"), "handoff_to_human", args()).await;
    assert_eq!(early["next_available"], "2026-12-07T09:00:00+01:00");
}

#[tokio::test]
async fn a_handoff_needs_a_conversation_and_a_summary() {
    let shop = Shop::new().await;
    let err = shop
        .err(&agent_for_nobody(), "handoff_to_human", args())
        .await;
    assert_error(&err, ToolErrorKind::NotAllowed, &["needs a conversation"]);
    let blank = shop
        .err(
            &customer("ana"),
            "handoff_to_human",
            json!({ "reason": "angry", "summary": "" }),
        )
        .await;
    assert_error(
        &blank,
        ToolErrorKind::InvalidArguments,
        &["`summary` must not be empty"],
    );
    let missing = shop
        .err(
            &customer("ana"),
            "handoff_to_human",
            json!({ "reason": "angry" }),
        )
        .await;
    assert_error(
        &missing,
        ToolErrorKind::InvalidArguments,
        &["missing field `summary`"],
    );
}
