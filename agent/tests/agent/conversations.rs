//! The conversation store on real SQLite files: one conversation per contact and channel even
//! under concurrent first messages, messages back in order with their structured parts,
//! handoff and hand back, data surviving a restart, and contacts kept apart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use charla_agent::conversation::{
    ConversationError, ConversationStatus, ConversationStore, MessageRole, NewMessage,
};
use charla_agent::model::ToolCall;
use charla_agent::understanding::{
    IntentPrediction, Language, LanguageSource, Sentiment, SentimentLabel, Understanding,
};
use charla_tools::Store;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;
use std::path::Path;

fn at(minutes: i64) -> Timestamp {
    let start: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    start + SignedDuration::from_mins(minutes)
}

async fn open(data_dir: &Path) -> (Store, ConversationStore) {
    let store = Store::open(data_dir).await.unwrap();
    let conversations = ConversationStore::open(&store).await.unwrap();
    (store, conversations)
}

fn understanding(code: &str, intent: &str, polarity: f32) -> Understanding {
    Understanding {
        language: Language {
            code: code.into(),
            confidence: 0.75,
            source: LanguageSource::Text,
        },
        intent: IntentPrediction {
            intent: intent.into(),
            confidence: 0.61,
            runner_up: Some(("product_question".into(), 0.33)),
        },
        sentiment: Sentiment {
            polarity,
            label: SentimentLabel::Neutral,
            intensity: 0.25,
        },
    }
}

fn search_call(id: &str) -> ToolCall {
    ToolCall {
        id: id.into(),
        name: "catalog_search".into(),
        arguments: r#"{"query": "helmet", "limit": 2}"#.into(),
    }
}

/// A whole turn with a tool: what the agent loop stores.
fn helmet_turn() -> Vec<NewMessage> {
    vec![
        NewMessage::customer(
            "¿Tenéis cascos?",
            understanding("es", "product_question", 0.1),
        ),
        NewMessage::assistant_tool_calls(vec![search_call("call_1"), search_call("call_2")]),
        NewMessage::tool_result("call_1", r#"{"items":[{"name":"Urban helmet"}]}"#, true),
        NewMessage::tool_result("call_2", r#"{"error":"timeout"}"#, false),
        NewMessage::event("note for people"),
        NewMessage::assistant(
            "Sí, el casco Urban.",
            vec!["catalog.csv#urban".into(), "faq.md#returns".into()],
        ),
    ]
}

#[tokio::test]
async fn a_contact_keeps_one_conversation_per_channel() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;

    let first = conversations
        .for_contact("34600111222", "whatsapp", at(0))
        .await
        .unwrap();
    let again = conversations
        .for_contact("34600111222", "whatsapp", at(5))
        .await
        .unwrap();
    let other_channel = conversations
        .for_contact("34600111222", "chat", at(5))
        .await
        .unwrap();

    assert_eq!(
        first, again,
        "the second call finds the same conversation, unchanged"
    );
    assert_eq!(first.created_at, at(0));
    assert_eq!(first.status, ConversationStatus::Bot);
    assert_eq!(
        (
            first.failures,
            first.language.clone(),
            first.handoff.clone()
        ),
        (0, None, None)
    );
    assert_ne!(first.id, other_channel.id);
    assert_eq!(conversations.get(&first.id).await.unwrap(), Some(first));
    assert_eq!(conversations.get("C-999999").await.unwrap(), None);
    assert_eq!(conversations.get("not an id").await.unwrap(), None);
}

#[tokio::test]
async fn simultaneous_first_messages_start_a_single_conversation() {
    let dir = tempfile::tempdir().unwrap();
    // Two pools on one file, as two processes (or a restart racing a worker) would have.
    let (_store_a, conversations_a) = open(dir.path()).await;
    let (_store_b, conversations_b) = open(dir.path()).await;

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let conversations = if i % 2 == 0 {
            conversations_a.clone()
        } else {
            conversations_b.clone()
        };
        tasks.spawn(async move {
            conversations
                .for_contact("34600111222", "whatsapp", at(i))
                .await
        });
    }
    let mut ids = HashSet::new();
    while let Some(result) = tasks.join_next().await {
        ids.insert(result.unwrap().unwrap().id);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[tokio::test]
async fn messages_come_back_in_order_with_understanding_and_tool_calls_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;
    let conversation = conversations
        .for_contact("34600111222", "whatsapp", at(0))
        .await
        .unwrap();
    let turn = helmet_turn();

    let ids = conversations
        .append(&conversation.id, &turn, at(3))
        .await
        .unwrap();
    let stored = conversations
        .recent_messages(&conversation.id, 50)
        .await
        .unwrap();

    assert_eq!(stored.iter().map(|m| m.id).collect::<Vec<_>>(), ids);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(stored.len(), turn.len());
    for (stored, sent) in stored.iter().zip(&turn) {
        assert_eq!(stored.conversation_id, conversation.id);
        assert_eq!(stored.role, sent.role);
        assert_eq!(stored.text, sent.text);
        assert_eq!(stored.tool_calls, sent.tool_calls);
        assert_eq!(stored.tool_call_id, sent.tool_call_id);
        assert_eq!(stored.understanding, sent.understanding);
        assert_eq!(stored.sources, sent.sources);
        assert_eq!(stored.tool_ok, sent.tool_ok);
        assert_eq!(stored.created_at, at(3));
    }
    assert_eq!(
        stored[0].understanding.as_ref().unwrap().intent.intent,
        "product_question"
    );
    assert_eq!(stored[1].tool_calls.len(), 2);
    assert_eq!(stored[3].tool_ok, Some(false));

    let touched = conversations.get(&conversation.id).await.unwrap().unwrap();
    assert_eq!(
        touched.updated_at,
        at(3),
        "storing messages marks the conversation updated"
    );
    assert_eq!(touched.created_at, at(0));
}

#[tokio::test]
async fn recent_messages_keeps_the_latest_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;
    let conversation = conversations
        .for_contact("34600111222", "whatsapp", at(0))
        .await
        .unwrap();
    for i in 0..10 {
        let message = if i % 2 == 0 {
            NewMessage::customer(format!("message {i}"), understanding("en", "greeting", 0.0))
        } else {
            NewMessage::assistant(format!("message {i}"), Vec::new())
        };
        conversations
            .append(&conversation.id, &[message], at(i))
            .await
            .unwrap();
    }

    let last_four = conversations
        .recent_messages(&conversation.id, 4)
        .await
        .unwrap();
    let texts: Vec<_> = last_four.iter().map(|m| m.text.clone().unwrap()).collect();
    assert_eq!(texts, ["message 6", "message 7", "message 8", "message 9"]);
    assert_eq!(last_four[0].created_at, at(6));
    assert!(
        conversations
            .recent_messages(&conversation.id, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        conversations
            .recent_messages(&conversation.id, 100)
            .await
            .unwrap()
            .len(),
        10
    );
}

#[tokio::test]
async fn appending_to_a_missing_conversation_is_not_found_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;
    let error = conversations
        .append("C-000042", &helmet_turn(), at(0))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConversationError::NotFound(ref id) if id == "C-000042"),
        "{error:?}"
    );
    assert!(matches!(
        conversations.set_language("C-000042", "es").await,
        Err(ConversationError::NotFound(_))
    ));
    assert!(matches!(
        conversations
            .hand_off("nonsense", "customer_asked", "", at(0))
            .await,
        Err(ConversationError::NotFound(_))
    ));
    assert!(
        conversations
            .recent_messages("C-000042", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_handoff_waits_for_an_operator_until_handed_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;
    let conversation = conversations
        .for_contact("34600111222", "whatsapp", at(0))
        .await
        .unwrap();
    conversations
        .set_failures(&conversation.id, 2)
        .await
        .unwrap();

    assert!(
        conversations
            .hand_off(
                &conversation.id,
                "repeated_failures",
                "cannot find ticket",
                at(10)
            )
            .await
            .unwrap()
    );
    let with_operator = conversations.get(&conversation.id).await.unwrap().unwrap();
    assert_eq!(with_operator.status, ConversationStatus::Waiting);
    let handoff = with_operator.handoff.unwrap();
    assert_eq!(
        (
            handoff.reason.as_str(),
            handoff.summary.as_str(),
            handoff.at
        ),
        ("repeated_failures", "cannot find ticket", at(10))
    );
    assert_eq!(with_operator.updated_at, at(10));
    let waiting = conversations.handed_off().await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].id, conversation.id);

    assert!(
        conversations
            .hand_back(&conversation.id, at(30))
            .await
            .unwrap()
    );
    let back = conversations.get(&conversation.id).await.unwrap().unwrap();
    assert_eq!(back.status, ConversationStatus::Bot);
    assert_eq!(back.handoff, None);
    assert_eq!(back.failures, 0, "handing back clears the failures");
    assert_eq!(back.updated_at, at(30));
    assert!(conversations.handed_off().await.unwrap().is_empty());
    assert!(
        !conversations
            .hand_back(&conversation.id, at(31))
            .await
            .unwrap(),
        "already with the bot"
    );
}

#[tokio::test]
async fn a_second_handoff_keeps_the_first_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;
    let conversation = conversations
        .for_contact("34600111222", "whatsapp", at(0))
        .await
        .unwrap();

    assert!(
        conversations
            .hand_off(&conversation.id, "customer_asked", "wants a person", at(1))
            .await
            .unwrap()
    );
    assert!(
        !conversations
            .hand_off(&conversation.id, "negative_sentiment", "angry now", at(2))
            .await
            .unwrap()
    );

    let handoff = conversations
        .get(&conversation.id)
        .await
        .unwrap()
        .unwrap()
        .handoff
        .unwrap();
    assert_eq!(
        (
            handoff.reason.as_str(),
            handoff.summary.as_str(),
            handoff.at
        ),
        ("customer_asked", "wants a person", at(1))
    );
}

#[tokio::test]
async fn handed_off_conversations_are_listed_longest_waiting_first() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;
    let mut ids = Vec::new();
    for contact in ["a", "b", "c"] {
        ids.push(
            conversations
                .for_contact(contact, "whatsapp", at(0))
                .await
                .unwrap()
                .id,
        );
    }
    conversations
        .hand_off(&ids[2], "customer_asked", "c", at(5))
        .await
        .unwrap();
    conversations
        .hand_off(&ids[0], "customer_asked", "a", at(9))
        .await
        .unwrap();

    let waiting: Vec<_> = conversations
        .handed_off()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.contact_id)
        .collect();
    assert_eq!(waiting, ["c", "a"], "b is with the bot");
}

#[tokio::test]
async fn conversations_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let conversation_id = {
        let (store, conversations) = open(dir.path()).await;
        let conversation = conversations
            .for_contact("34600111222", "whatsapp", at(0))
            .await
            .unwrap();
        conversations
            .append(&conversation.id, &helmet_turn(), at(1))
            .await
            .unwrap();
        conversations
            .set_language(&conversation.id, "es")
            .await
            .unwrap();
        conversations
            .set_failures(&conversation.id, 1)
            .await
            .unwrap();
        conversations
            .hand_off(&conversation.id, "customer_asked", "wants a person", at(2))
            .await
            .unwrap();
        store.close().await;
        conversation.id
    };

    // Reopening runs both crates' migrators over the other's applied versions.
    let (_store, conversations) = open(dir.path()).await;
    let reopened = conversations
        .for_contact("34600111222", "whatsapp", at(60))
        .await
        .unwrap();
    assert_eq!(reopened.id, conversation_id);
    assert_eq!(reopened.language.as_deref(), Some("es"));
    assert_eq!(reopened.failures, 1);
    assert_eq!(reopened.status, ConversationStatus::Waiting);
    assert_eq!(reopened.handoff.unwrap().reason, "customer_asked");
    let stored = conversations
        .recent_messages(&conversation_id, 50)
        .await
        .unwrap();
    assert_eq!(stored.len(), helmet_turn().len());
    assert_eq!(stored[0].understanding, helmet_turn()[0].understanding);
    assert_eq!(
        stored.last().unwrap().sources,
        ["catalog.csv#urban", "faq.md#returns"]
    );
}

#[tokio::test]
async fn two_contacts_never_see_each_others_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, conversations) = open(dir.path()).await;
    let ana = conversations
        .for_contact("ana", "whatsapp", at(0))
        .await
        .unwrap();
    let bruno = conversations
        .for_contact("bruno", "whatsapp", at(0))
        .await
        .unwrap();
    assert_ne!(ana.id, bruno.id);

    // Interleaved, as concurrent workers would store them.
    for i in 0..3 {
        conversations
            .append(
                &ana.id,
                &[NewMessage::operator(format!("for ana {i}"))],
                at(i),
            )
            .await
            .unwrap();
        conversations
            .append(
                &bruno.id,
                &[NewMessage::operator(format!("for bruno {i}"))],
                at(i),
            )
            .await
            .unwrap();
    }

    for (conversation, name) in [(&ana, "ana"), (&bruno, "bruno")] {
        let stored = conversations
            .recent_messages(&conversation.id, 50)
            .await
            .unwrap();
        assert_eq!(stored.len(), 3);
        for message in stored {
            assert_eq!(message.role, MessageRole::Operator);
            assert_eq!(message.conversation_id, conversation.id);
            assert!(message.text.unwrap().starts_with(&format!("for {name} ")));
        }
    }
}

#[tokio::test]
async fn erasing_a_contact_erases_their_conversations_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (store, conversations) = open(dir.path()).await;
    let conversation = conversations
        .for_contact("34600111222", "whatsapp", at(0))
        .await
        .unwrap();
    conversations
        .append(&conversation.id, &helmet_turn(), at(1))
        .await
        .unwrap();

    assert!(store.erase_contact("34600111222").await.unwrap());

    assert_eq!(conversations.get(&conversation.id).await.unwrap(), None);
    assert!(
        conversations
            .recent_messages(&conversation.id, 50)
            .await
            .unwrap()
            .is_empty()
    );
    let fresh = conversations
        .for_contact("34600111222", "whatsapp", at(5))
        .await
        .unwrap();
    assert_ne!(
        fresh.id, conversation.id,
        "a new conversation starts with nothing of the old"
    );
    assert!(
        conversations
            .recent_messages(&fresh.id, 50)
            .await
            .unwrap()
            .is_empty()
    );
}
