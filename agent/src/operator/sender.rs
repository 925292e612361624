//! [`CustomerSender`]: how an operator's words reach the customer. Each channel implements it
//! (WhatsApp queues in its outbox under the 24-hour window rules); [`StoreOnlySender`] serves
//! channels whose customers read the stored conversation itself (`charla chat`, tests).
//!
//! The operator API stores what was sent in the conversation (as an `operator` message, or
//! the bot-back notice as an `assistant` one) only after the sender accepted it, so a sender
//! must not store it again.

use crate::conversation::Conversation;
use async_trait::async_trait;
use serde::Serialize;

/// What a channel says when it accepted a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SendReceipt {
    /// The channel's id for the message (an outbox id, a WhatsApp message id), when it has
    /// one.
    pub id: Option<String>,
}

/// Why a channel refused a message; the operator API answers 409 with this code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SendRefusal {
    /// A stable code: `window_closed` (outside WhatsApp's 24-hour window), `opted_out`...
    pub code: String,
    /// What the operator can do about it.
    pub message: String,
}

impl SendRefusal {
    /// A refusal with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Sends operators' messages to a conversation's customer. Implementations check the
/// channel's rules at send time and refuse with a [`SendRefusal`] what they cannot send.
#[async_trait]
pub trait CustomerSender: Send + Sync {
    /// Sends `operator`'s `text` to the customer of `conversation`.
    async fn send_operator_message(
        &self,
        conversation: &Conversation,
        operator: &str,
        text: &str,
    ) -> Result<SendReceipt, SendRefusal>;

    /// Tells the customer of `conversation` that the bot answers again. `text` is the notice,
    /// already rendered in the conversation's language (the `bot_back` reply template), so
    /// channels need no templates of their own.
    async fn send_bot_back(
        &self,
        conversation: &Conversation,
        text: &str,
    ) -> Result<SendReceipt, SendRefusal>;
}

/// The sender of channels whose customer reads the stored conversation: it accepts every
/// message; the operator API's storing it is the delivery.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreOnlySender;

#[async_trait]
impl CustomerSender for StoreOnlySender {
    async fn send_operator_message(
        &self,
        conversation: &Conversation,
        operator: &str,
        _text: &str,
    ) -> Result<SendReceipt, SendRefusal> {
        tracing::debug!(conversation = %conversation.id, operator, "operator message recorded for the customer");
        Ok(SendReceipt::default())
    }

    async fn send_bot_back(
        &self,
        conversation: &Conversation,
        _text: &str,
    ) -> Result<SendReceipt, SendRefusal> {
        tracing::debug!(conversation = %conversation.id, "bot-back notice recorded for the customer");
        Ok(SendReceipt::default())
    }
}
