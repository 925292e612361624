//! What the outbox holds: a message for a contact, in charla's own terms (text, text with
//! choices, a template), its category for the consent rules, and who queued it. The sender
//! turns it into a Cloud API message at send time, when the window and consent are checked.

use crate::model::Choice;
use serde::{Deserialize, Serialize};

/// A queued message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// To whom.
    pub contact_key: String,
    /// From which business number.
    pub phone_number_id: String,
    /// What.
    pub message: OutboxMessage,
    /// Which consent rules apply.
    pub category: SendCategory,
    /// Who queued it: `bot`, `operator:<id>`, `system`.
    pub origin: String,
    /// The contact's language (ISO 639-1), for a template that may have to replace it.
    pub language: String,
}

/// A message in charla's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboxMessage {
    /// Free-form text (split at WhatsApp's limit when sent).
    Text {
        /// The text.
        body: String,
    },
    /// Text with options to pick: reply buttons when they fit (≤3 short titles), else a
    /// list (≤10 rows), else numbered text.
    Choices {
        /// The text.
        body: String,
        /// The options.
        choices: Vec<Choice>,
    },
    /// An approved template.
    Template {
        /// Its name.
        name: String,
        /// Its locale as registered.
        language: String,
        /// The body's `{{1}}`, `{{2}}`... in order.
        parameters: Vec<String>,
    },
}

impl OutboxMessage {
    /// Whether WhatsApp counts it as free-form (only allowed inside the 24-hour window).
    pub fn is_free_form(&self) -> bool {
        !matches!(self, OutboxMessage::Template { .. })
    }
}

/// The category of a message for the consent rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendCategory {
    /// A reply in a conversation the customer started.
    Service,
    /// About something the customer started (bookings, orders), possibly outside the window.
    Utility,
    /// Promotions: only to contacts who opted in.
    Marketing,
}

impl SendCategory {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SendCategory::Service => "service",
            SendCategory::Utility => "utility",
            SendCategory::Marketing => "marketing",
        }
    }

    /// From its stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "service" => Some(SendCategory::Service),
            "utility" => Some(SendCategory::Utility),
            "marketing" => Some(SendCategory::Marketing),
            _ => None,
        }
    }
}

/// Where a queued message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent.
    Pending,
    /// Being sent (or the process died while sending).
    Sending,
    /// Meta accepted it.
    Sent,
    /// Given up; the reason is recorded.
    Failed,
}

impl OutboxState {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }

    /// From its stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(OutboxState::Pending),
            "sending" => Some(OutboxState::Sending),
            "sent" => Some(OutboxState::Sent),
            "failed" => Some(OutboxState::Failed),
            _ => None,
        }
    }
}
