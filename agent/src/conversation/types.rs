//! What the conversation store keeps: conversations with their handoff state, and messages
//! (to store and as stored).

use super::ConversationError;
use crate::model::ToolCall;
use crate::understanding::Understanding;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Who answers a conversation. The bot answers only in [`ConversationStatus::Bot`]; in the
/// two other states it stays silent (people have the conversation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// The agent answers.
    Bot,
    /// Handed off, in the operators' queue: nobody has claimed it yet.
    Waiting,
    /// An operator claimed it and answers.
    WithOperator,
}

impl ConversationStatus {
    /// Its stored name (the same as its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Bot => "bot",
            ConversationStatus::Waiting => "waiting",
            ConversationStatus::WithOperator => "with_operator",
        }
    }
}

impl FromStr for ConversationStatus {
    type Err = ConversationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bot" => Ok(ConversationStatus::Bot),
            "waiting" => Ok(ConversationStatus::Waiting),
            "with_operator" => Ok(ConversationStatus::WithOperator),
            other => Err(ConversationError::Corrupt(format!(
                "conversation status `{other}`"
            ))),
        }
    }
}

/// Why and when a conversation was handed to a person, and who took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// Why, as the escalation policy names it (`customer_asked`, `negative_sentiment`...).
    pub reason: String,
    /// What the operator should read first.
    pub summary: String,
    /// When it was handed over (how long the customer has been waiting counts from here).
    pub at: Timestamp,
    /// The operator who claimed it; `None` while it waits in the queue.
    pub claim: Option<Claim>,
}

/// An operator's claim on a handed-off conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The operator's id (as in the operator tokens).
    pub operator: String,
    /// When they claimed it.
    pub at: Timestamp,
}

/// A contact's conversation on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Shown as `C-000001`.
    pub id: String,
    /// The customer (the channel's id for them).
    pub contact_id: String,
    /// Where: `whatsapp`, `chat`...
    pub channel: String,
    /// The conversation's language (ISO 639-1) once known.
    pub language: Option<String>,
    /// Who answers.
    pub status: ConversationStatus,
    /// The handoff, while people have the conversation (waiting or claimed).
    pub handoff: Option<Handoff>,
    /// The last message before the bot last took the conversation back from people: the
    /// model's context starts after it (`None`: from the first message).
    pub context_after: Option<i64>,
    /// The bot's consecutive failed turns, for the escalation policy.
    pub failures: u32,
    /// When it started.
    pub created_at: Timestamp,
    /// When a message was last stored or its handoff state last changed.
    pub updated_at: Timestamp,
}

/// Who a message is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// The customer.
    Customer,
    /// The agent: a reply, or a request to call tools.
    Assistant,
    /// A tool's result, answering one of the assistant's tool calls.
    Tool,
    /// A person from the business's team.
    Operator,
    /// A note for people, never shown to the model: "handed to a person", "bot back".
    Event,
    /// An operator's internal note: for the team only, never sent to the customer nor shown
    /// to the model.
    Note,
}

impl MessageRole {
    /// Its stored name (the same as its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::Customer => "customer",
            MessageRole::Assistant => "assistant",
            MessageRole::Tool => "tool",
            MessageRole::Operator => "operator",
            MessageRole::Event => "event",
            MessageRole::Note => "note",
        }
    }
}

impl FromStr for MessageRole {
    type Err = ConversationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(MessageRole::Customer),
            "assistant" => Ok(MessageRole::Assistant),
            "tool" => Ok(MessageRole::Tool),
            "operator" => Ok(MessageRole::Operator),
            "event" => Ok(MessageRole::Event),
            "note" => Ok(MessageRole::Note),
            other => Err(ConversationError::Corrupt(format!(
                "message role `{other}`"
            ))),
        }
    }
}

/// What a turn changes on its conversation besides adding messages, stored in the same
/// transaction as the messages ([`crate::conversation::ConversationStore::append_with`]).
/// `None` keeps what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationChanges {
    /// The customer's language (ISO 639-1).
    pub language: Option<String>,
    /// The bot's consecutive failed turns.
    pub failures: Option<u32>,
}

/// A message to store. The constructors build the combinations the agent loop uses.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Who it is from.
    pub role: MessageRole,
    /// What was said (a tool's result as JSON text for [`MessageRole::Tool`]).
    pub text: Option<String>,
    /// The tools the assistant asked to call.
    pub tool_calls: Vec<ToolCall>,
    /// For a tool result, the call it answers.
    pub tool_call_id: Option<String>,
    /// For a customer message, what was understood of it.
    pub understanding: Option<Understanding>,
    /// For an assistant reply, the knowledge sources it used.
    pub sources: Vec<String>,
    /// For a tool result, whether the tool succeeded.
    pub tool_ok: Option<bool>,
    /// For an operator message or a note, the operator who wrote it.
    pub author: Option<String>,
}

impl NewMessage {
    fn empty(role: MessageRole) -> Self {
        Self {
            role,
            text: None,
            tool_calls: Vec::new(),
            tool_call_id: None,
            understanding: None,
            sources: Vec::new(),
            tool_ok: None,
            author: None,
        }
    }

    /// A customer's message with what was understood of it.
    pub fn customer(text: impl Into<String>, understanding: Understanding) -> Self {
        Self {
            text: Some(text.into()),
            understanding: Some(understanding),
            ..Self::empty(MessageRole::Customer)
        }
    }

    /// The agent's reply and the sources it used.
    pub fn assistant(text: impl Into<String>, sources: Vec<String>) -> Self {
        Self {
            text: Some(text.into()),
            sources,
            ..Self::empty(MessageRole::Assistant)
        }
    }

    /// The agent asking to call tools.
    pub fn assistant_tool_calls(calls: Vec<ToolCall>) -> Self {
        Self {
            tool_calls: calls,
            ..Self::empty(MessageRole::Assistant)
        }
    }

    /// A tool's result (JSON text) for the call `call_id`, and whether it succeeded.
    pub fn tool_result(call_id: impl Into<String>, json_text: impl Into<String>, ok: bool) -> Self {
        Self {
            text: Some(json_text.into()),
            tool_call_id: Some(call_id.into()),
            tool_ok: Some(ok),
            ..Self::empty(MessageRole::Tool)
        }
    }

    /// A message from a person of the team.
    pub fn operator(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::empty(MessageRole::Operator)
        }
    }

    /// A note for people ("handed to a person", "bot back").
    pub fn event(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::empty(MessageRole::Event)
        }
    }

    /// An operator's internal note (for the team only).
    pub fn note(operator: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            author: Some(operator.into()),
            ..Self::empty(MessageRole::Note)
        }
    }

    /// The same message, recorded as written by `operator`.
    pub fn by(self, operator: impl Into<String>) -> Self {
        Self {
            author: Some(operator.into()),
            ..self
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    /// Its number; later messages have larger ones, in every conversation.
    pub id: i64,
    /// The conversation (`C-000001`).
    pub conversation_id: String,
    /// Who it is from.
    pub role: MessageRole,
    /// What was said (a tool's result as JSON text for [`MessageRole::Tool`]).
    pub text: Option<String>,
    /// The tools the assistant asked to call.
    pub tool_calls: Vec<ToolCall>,
    /// For a tool result, the call it answers.
    pub tool_call_id: Option<String>,
    /// For a customer message, what was understood of it. `None` as well when the stored
    /// understanding no longer reads as the current [`Understanding`] (an older version wrote
    /// it).
    pub understanding: Option<Understanding>,
    /// For an assistant reply, the knowledge sources it used.
    pub sources: Vec<String>,
    /// For a tool result, whether the tool succeeded.
    pub tool_ok: Option<bool>,
    /// For an operator message or a note, the operator who wrote it.
    pub author: Option<String>,
    /// When it was stored.
    pub created_at: Timestamp,
}
