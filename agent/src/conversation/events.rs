//! The record of who had a conversation when: [`HandoffEvent`]s (handed off, claimed,
//! released, resolved, returned to the bot), each with its [`Actor`], reason and time.

use super::ConversationError;
use super::types::{Conversation, StoredMessage};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Who changed a conversation's handoff state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The agent (its escalation policy, the model or a tool decided).
    Bot,
    /// The customer (they asked for a person).
    Customer,
    /// An operator, by id.
    Operator(String),
}

impl Actor {
    /// Its stored form: `bot`, `customer`, `operator:<id>`.
    pub fn stored(&self) -> String {
        match self {
            Actor::Bot => "bot".into(),
            Actor::Customer => "customer".into(),
            Actor::Operator(id) => format!("operator:{id}"),
        }
    }
}

impl FromStr for Actor {
    type Err = ConversationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bot" => Ok(Actor::Bot),
            "customer" => Ok(Actor::Customer),
            other => match other.strip_prefix("operator:") {
                Some(id) if !id.is_empty() => Ok(Actor::Operator(id.to_string())),
                _ => Err(ConversationError::Corrupt(format!(
                    "handoff actor `{other}`"
                ))),
            },
        }
    }
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffEventKind {
    /// Bot → waiting: the conversation joined the operators' queue.
    HandedOff,
    /// Waiting → with an operator.
    Claimed,
    /// With an operator → waiting: back in the queue for someone else.
    Released,
    /// Back to the bot: the operator solved what the customer needed.
    Resolved,
    /// Back to the bot without a resolution (the bot can carry on).
    ReturnedToBot,
}

impl HandoffEventKind {
    /// Its stored name (the same as its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffEventKind::HandedOff => "handed_off",
            HandoffEventKind::Claimed => "claimed",
            HandoffEventKind::Released => "released",
            HandoffEventKind::Resolved => "resolved",
            HandoffEventKind::ReturnedToBot => "returned_to_bot",
        }
    }
}

impl FromStr for HandoffEventKind {
    type Err = ConversationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "handed_off" => Ok(HandoffEventKind::HandedOff),
            "claimed" => Ok(HandoffEventKind::Claimed),
            "released" => Ok(HandoffEventKind::Released),
            "resolved" => Ok(HandoffEventKind::Resolved),
            "returned_to_bot" => Ok(HandoffEventKind::ReturnedToBot),
            other => Err(ConversationError::Corrupt(format!(
                "handoff event `{other}`"
            ))),
        }
    }
}

/// One change of who has a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffEvent {
    /// Its number; later events have larger ones.
    pub id: i64,
    /// The conversation (`C-000001`).
    pub conversation_id: String,
    /// What changed.
    pub kind: HandoffEventKind,
    /// Who changed it.
    pub actor: Actor,
    /// Why, when a reason was given (for a handoff: the escalation reason).
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// A conversation in the operators' queue, with what its customer said was understood as
/// (the latest customer messages, oldest first, each with its intent and sentiment).
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedConversation {
    /// The conversation; its `handoff` has the reason, the summary and the claim.
    pub conversation: Conversation,
    /// The latest customer messages, oldest first.
    pub customer_messages: Vec<StoredMessage>,
}
