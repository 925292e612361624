//! [`OperatorHub`]: the live feed behind `GET /events`. Whatever changes for operators is
//! published here as an [`OperatorEvent`] and pushed to every connected operator.
//!
//! Who publishes what:
//! - the channel worker, after each turn, calls [`OperatorHub::publish_turn`]: it publishes
//!   [`OperatorEvent::HandoffOpened`] when the turn handed the conversation off, and
//!   [`OperatorEvent::CustomerMessage`] when the customer wrote while people have the
//!   conversation (the bot stayed silent);
//! - the operator API itself publishes claims, releases, operators' messages, notes,
//!   resolutions and returns to the bot, so every operator sees what the others do.
//!
//! The feed is best effort (a broadcast channel): an operator too slow to keep up is told how
//! many events they missed and should reload the queue; the queue and the history are the
//! record.

use super::views::rfc3339;
use crate::turn::TurnOutcome;
use crate::understanding::SentimentLabel;
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Events kept for a slow subscriber before it starts missing some.
pub const DEFAULT_HUB_CAPACITY: usize = 256;

/// Something operators should know about now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OperatorEvent {
    /// A conversation was handed off and waits in the queue.
    HandoffOpened {
        /// The conversation.
        conversation_id: String,
        /// Why (`customer_asked`, `negative_sentiment`...).
        reason: String,
        /// What to read first.
        summary: String,
        /// The customer's language (ISO 639-1).
        language: String,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
    /// The customer wrote while the conversation waits or is with an operator.
    CustomerMessage {
        /// The conversation.
        conversation_id: String,
        /// What they wrote.
        text: String,
        /// Its intent.
        intent: String,
        /// Its sentiment.
        sentiment: SentimentLabel,
        /// Its polarity, from -1 to 1.
        polarity: f32,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
    /// An operator claimed a conversation.
    Claimed {
        /// The conversation.
        conversation_id: String,
        /// Who.
        operator: String,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
    /// An operator put a conversation back in the queue.
    Released {
        /// The conversation.
        conversation_id: String,
        /// Who.
        operator: String,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
    /// An operator wrote to the customer.
    OperatorMessage {
        /// The conversation.
        conversation_id: String,
        /// Who.
        operator: String,
        /// What.
        text: String,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
    /// An operator added an internal note.
    NoteAdded {
        /// The conversation.
        conversation_id: String,
        /// Who.
        operator: String,
        /// The note.
        text: String,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
    /// An operator resolved a conversation: the bot answers again.
    Resolved {
        /// The conversation.
        conversation_id: String,
        /// Who.
        operator: String,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
    /// An operator returned a conversation to the bot without resolving it.
    ReturnedToBot {
        /// The conversation.
        conversation_id: String,
        /// Who.
        operator: String,
        /// When.
        #[serde(serialize_with = "rfc3339")]
        at: Timestamp,
    },
}

impl OperatorEvent {
    /// Its name: the `type` field, and the server-sent event's `event:` line.
    pub fn name(&self) -> &'static str {
        match self {
            OperatorEvent::HandoffOpened { .. } => "handoff_opened",
            OperatorEvent::CustomerMessage { .. } => "customer_message",
            OperatorEvent::Claimed { .. } => "claimed",
            OperatorEvent::Released { .. } => "released",
            OperatorEvent::OperatorMessage { .. } => "operator_message",
            OperatorEvent::NoteAdded { .. } => "note_added",
            OperatorEvent::Resolved { .. } => "resolved",
            OperatorEvent::ReturnedToBot { .. } => "returned_to_bot",
        }
    }

    /// What operators should hear about the turn `outcome` that answered `customer_text` at
    /// `at`: the handoff it opened, or the customer's message while people have the
    /// conversation; nothing for a turn the bot answered.
    pub fn from_turn(outcome: &TurnOutcome, customer_text: &str, at: Timestamp) -> Option<Self> {
        if let Some(handoff) = &outcome.handoff {
            return Some(OperatorEvent::HandoffOpened {
                conversation_id: outcome.conversation_id.clone(),
                reason: handoff.reason.as_str().to_string(),
                summary: handoff.summary.clone(),
                language: outcome.understanding.language.code.clone(),
                at,
            });
        }
        if outcome.reply.is_none() && outcome.with_operator {
            return Some(OperatorEvent::CustomerMessage {
                conversation_id: outcome.conversation_id.clone(),
                text: customer_text.to_string(),
                intent: outcome.understanding.intent.intent.clone(),
                sentiment: outcome.understanding.sentiment.label,
                polarity: outcome.understanding.sentiment.polarity,
                at,
            });
        }
        None
    }
}

/// The live feed operators subscribe to. Cheap to clone: clones publish to the same
/// subscribers.
#[derive(Debug, Clone)]
pub struct OperatorHub {
    events: broadcast::Sender<OperatorEvent>,
    shutdown: CancellationToken,
}

impl Default for OperatorHub {
    fn default() -> Self {
        Self::new(DEFAULT_HUB_CAPACITY)
    }
}

impl OperatorHub {
    /// A hub keeping up to `capacity` events for a slow subscriber (at least 1).
    pub fn new(capacity: usize) -> Self {
        let (events, _) = broadcast::channel(capacity.max(1));
        Self {
            events,
            shutdown: CancellationToken::new(),
        }
    }

    /// Pushes `event` to every connected operator (none connected: it is dropped; the queue
    /// and the history still have what it reports).
    pub fn publish(&self, event: OperatorEvent) {
        // An error only means nobody is listening right now.
        let _ = self.events.send(event);
    }

    /// Publishes what operators should hear about a turn (see [`OperatorEvent::from_turn`]).
    /// The channel worker calls it after every turn.
    pub fn publish_turn(&self, outcome: &TurnOutcome, customer_text: &str, at: Timestamp) {
        if let Some(event) = OperatorEvent::from_turn(outcome, customer_text, at) {
            self.publish(event);
        }
    }

    /// A new subscription, receiving the events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<OperatorEvent> {
        self.events.subscribe()
    }

    /// Ends every event stream: call it when the server starts shutting down, or graceful
    /// shutdown would wait forever for the operators' open streams.
    pub fn shut_down(&self) {
        self.shutdown.cancel();
    }

    /// Cancelled once [`OperatorHub::shut_down`] is called.
    pub(super) fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }
}
