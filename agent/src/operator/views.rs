//! What the operator API answers, as JSON: conversations, the queue with the customer's
//! intent and sentiment history, the full history (messages, notes, handoff events). Times
//! are RFC 3339 strings in UTC.

use crate::conversation::{
    Actor, Conversation, ConversationStatus, HandoffEvent, HandoffEventKind, MessageRole,
    QueuedConversation, StoredMessage,
};
use crate::model::ToolCall;
use crate::understanding::SentimentLabel;
use jiff::Timestamp;
use serde::{Serialize, Serializer};

/// Serializes a timestamp as RFC 3339 (`2026-03-02T09:00:00Z`).
pub(super) fn rfc3339<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(at)
}

fn rfc3339_option<S: Serializer>(at: &Option<Timestamp>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.collect_str(at),
        None => serializer.serialize_none(),
    }
}

/// A conversation and its handoff state.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationView {
    /// `C-000001`.
    pub id: String,
    /// The customer.
    pub contact_id: String,
    /// `whatsapp`, `chat`...
    pub channel: String,
    /// The customer's language, once known.
    pub language: Option<String>,
    /// `bot`, `waiting` or `with_operator`.
    pub status: ConversationStatus,
    /// Why it was handed off (while people have it).
    pub reason: Option<String>,
    /// What to read first (while people have it).
    pub summary: Option<String>,
    /// Since when the customer waits for people.
    #[serde(serialize_with = "rfc3339_option")]
    pub waiting_since: Option<Timestamp>,
    /// The operator who claimed it.
    pub claimed_by: Option<String>,
    /// When they claimed it.
    #[serde(serialize_with = "rfc3339_option")]
    pub claimed_at: Option<Timestamp>,
    /// The bot's context starts after this message (it last took the conversation back
    /// there).
    pub bot_context_after: Option<i64>,
    /// When it started.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: Timestamp,
}

impl From<&Conversation> for ConversationView {
    fn from(conversation: &Conversation) -> Self {
        let handoff = conversation.handoff.as_ref();
        let claim = handoff.and_then(|h| h.claim.as_ref());
        Self {
            id: conversation.id.clone(),
            contact_id: conversation.contact_id.clone(),
            channel: conversation.channel.clone(),
            language: conversation.language.clone(),
            status: conversation.status,
            reason: handoff.map(|h| h.reason.clone()),
            summary: handoff.map(|h| h.summary.clone()),
            waiting_since: handoff.map(|h| h.at),
            claimed_by: claim.map(|c| c.operator.clone()),
            claimed_at: claim.map(|c| c.at),
            bot_context_after: conversation.context_after,
            created_at: conversation.created_at,
            updated_at: conversation.updated_at,
        }
    }
}

/// What was understood of one customer message.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerSignalView {
    /// The message.
    pub message_id: i64,
    /// When it arrived.
    #[serde(serialize_with = "rfc3339")]
    pub at: Timestamp,
    /// Its language.
    pub language: String,
    /// Its intent.
    pub intent: String,
    /// How sure the intent is (higher is surer).
    pub intent_confidence: f32,
    /// Negative, neutral or positive.
    pub sentiment: SentimentLabel,
    /// From -1 to 1.
    pub polarity: f32,
    /// How strongly felt, from 0 to 1.
    pub intensity: f32,
}

impl CustomerSignalView {
    fn of(message: &StoredMessage) -> Option<Self> {
        let understanding = message.understanding.as_ref()?;
        Some(Self {
            message_id: message.id,
            at: message.created_at,
            language: understanding.language.code.clone(),
            intent: understanding.intent.intent.clone(),
            intent_confidence: understanding.intent.confidence,
            sentiment: understanding.sentiment.label,
            polarity: understanding.sentiment.polarity,
            intensity: understanding.sentiment.intensity,
        })
    }
}

/// A conversation in the queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItemView {
    /// The conversation and its handoff.
    #[serde(flatten)]
    pub conversation: ConversationView,
    /// Intent and sentiment of the customer's latest messages, oldest first.
    pub customer_messages: Vec<CustomerSignalView>,
}

/// `GET /queue`.
#[derive(Debug, Clone, Serialize)]
pub struct QueueView {
    /// Waiting and claimed conversations, the longest waiting first.
    pub conversations: Vec<QueueItemView>,
}

impl From<Vec<QueuedConversation>> for QueueView {
    fn from(queue: Vec<QueuedConversation>) -> Self {
        Self {
            conversations: queue
                .iter()
                .map(|queued| QueueItemView {
                    conversation: ConversationView::from(&queued.conversation),
                    customer_messages: queued
                        .customer_messages
                        .iter()
                        .filter_map(CustomerSignalView::of)
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A stored message (customer, assistant, tool, operator, note, event).
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    /// Its id.
    pub id: i64,
    /// Who it is from.
    pub role: MessageRole,
    /// What was said.
    pub text: Option<String>,
    /// The operator who wrote it (operator messages and notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Tools the assistant called.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For a tool result, the call it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// For a tool result, whether the tool succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_ok: Option<bool>,
    /// For a reply, the sources it used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// For a customer message, what was understood of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub understanding: Option<CustomerSignalView>,
    /// When it was stored.
    #[serde(serialize_with = "rfc3339")]
    pub at: Timestamp,
}

impl From<&StoredMessage> for MessageView {
    fn from(message: &StoredMessage) -> Self {
        Self {
            id: message.id,
            role: message.role,
            text: message.text.clone(),
            author: message.author.clone(),
            tool_calls: message.tool_calls.clone(),
            tool_call_id: message.tool_call_id.clone(),
            tool_ok: message.tool_ok,
            sources: message.sources.clone(),
            understanding: CustomerSignalView::of(message),
            at: message.created_at,
        }
    }
}

/// A change of who has the conversation.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    /// Its id.
    pub id: i64,
    /// What changed.
    pub kind: HandoffEventKind,
    /// Who: `"bot"`, `"customer"` or `{"operator": "<id>"}`.
    pub actor: Actor,
    /// Why, when given.
    pub reason: Option<String>,
    /// When.
    #[serde(serialize_with = "rfc3339")]
    pub at: Timestamp,
}

impl From<&HandoffEvent> for EventView {
    fn from(event: &HandoffEvent) -> Self {
        Self {
            id: event.id,
            kind: event.kind,
            actor: event.actor.clone(),
            reason: event.reason.clone(),
            at: event.at,
        }
    }
}

/// `GET /conversations/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    /// The conversation.
    pub conversation: ConversationView,
    /// Its messages, oldest first, notes and events included.
    pub messages: Vec<MessageView>,
    /// Whether older messages exist beyond the ones shown.
    pub earlier_messages_omitted: bool,
    /// Its handoff events, oldest first.
    pub events: Vec<EventView>,
}
