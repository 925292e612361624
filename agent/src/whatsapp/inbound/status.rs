//! Delivery statuses of messages the business sent, and the rule for applying them: Meta
//! delivers statuses late, twice and out of order, so a status only ever moves forward.

use super::ApiError;
use super::wire;
use serde::{Deserialize, Serialize};

/// A status Meta reported for a message the business sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The sent message's id.
    pub wamid: String,
    /// The new status.
    pub status: DeliveryStatus,
    /// When it happened (Unix seconds, Meta's clock).
    pub timestamp: i64,
    /// The recipient's phone number (absent when the message went to a business-scoped user id
    /// whose number Meta does not share).
    pub recipient_id: Option<String>,
    /// The recipient's business-scoped user id: the status's own, else its contact entry's.
    pub recipient_user_id: Option<String>,
    /// The recipient's parent business-scoped user id, under either spelling Meta has used.
    pub recipient_parent_user_id: Option<String>,
    /// Why it failed, for `failed`.
    pub errors: Vec<ApiError>,
    /// How the message is billed.
    pub pricing: Option<Pricing>,
    /// The conversation (billing window) id; absent under per-message pricing except in
    /// free-entry-point windows.
    pub conversation_id: Option<String>,
    /// The `biz_opaque_callback_data` the business attached when sending.
    pub callback_data: Option<String>,
    /// The business number that sent the message.
    pub phone_number_id: String,
}

/// How far a sent message got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Meta accepted it and sent it on.
    Sent,
    /// It reached the customer's phone.
    Delivered,
    /// The customer opened it.
    Read,
    /// The customer played a voice message.
    Played,
    /// It will not be delivered; final.
    Failed,
    /// A status this code does not know, kept as Meta spelled it. It never moves a message's
    /// status, so a new status name cannot undo a known one.
    Other(String),
}

/// How Meta bills a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    /// Whether the message is charged.
    pub billable: Option<bool>,
    /// `PMP` (per-message, from July 2025) or `CBP` (per-conversation, before).
    pub pricing_model: Option<String>,
    /// `marketing`, `utility`, `authentication`, `service`...
    pub category: Option<String>,
    /// Meta's `pricing.type`: `regular`, `free_customer_service`, `free_entry_point`.
    pub kind: Option<String>,
}

impl DeliveryStatus {
    /// Reads Meta's `status` string.
    pub fn parse(status: &str) -> DeliveryStatus {
        match status {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "played" => DeliveryStatus::Played,
            "failed" => DeliveryStatus::Failed,
            other => DeliveryStatus::Other(other.to_owned()),
        }
    }

    /// Meta's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Played => "played",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Other(other) => other,
        }
    }

    /// Place in the delivery order: sent 1 < delivered 2 < read 3 < played 4 (a voice message
    /// is played after it is read). Failed is 5 only so that it sorts last; what makes it final
    /// is [`DeliveryStatus::may_follow`], not its rank. Unknown statuses are 0.
    pub fn rank(&self) -> u8 {
        match self {
            DeliveryStatus::Other(_) => 0,
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Read => 3,
            DeliveryStatus::Played => 4,
            DeliveryStatus::Failed => 5,
        }
    }

    /// Whether this status may replace `previous` as a message's current status: only forward
    /// (a late `delivered` after `read` is ignored, and so is a repeat of the same status);
    /// `failed` may follow anything except `failed`; nothing follows `failed`; an unknown
    /// status never replaces anything.
    pub fn may_follow(&self, previous: &DeliveryStatus) -> bool {
        match (previous, self) {
            (DeliveryStatus::Failed, _) => false,
            (_, DeliveryStatus::Failed) => true,
            (_, DeliveryStatus::Other(_)) => false,
            _ => self.rank() > previous.rank(),
        }
    }
}

/// Builds a [`StatusUpdate`] from Meta's status and the contact entry describing its recipient.
pub(super) fn from_wire(
    status: wire::Status,
    contact: Option<&wire::Contact>,
    phone_number_id: &str,
) -> StatusUpdate {
    StatusUpdate {
        wamid: status.id,
        status: DeliveryStatus::parse(&status.status),
        timestamp: status.timestamp,
        recipient_id: status.recipient_id,
        recipient_user_id: status
            .recipient_user_id
            .or_else(|| contact.and_then(|contact| contact.user_id.clone())),
        recipient_parent_user_id: status
            .recipient_parent_user_id
            .or(status.parent_recipient_user_id)
            .or_else(|| contact.and_then(|contact| contact.parent_user_id.clone())),
        errors: status.errors.into_iter().map(ApiError::from).collect(),
        pricing: status.pricing.map(|pricing| Pricing {
            billable: pricing.billable,
            pricing_model: pricing.pricing_model,
            category: pricing.category,
            kind: pricing.kind,
        }),
        conversation_id: status.conversation.and_then(|conversation| conversation.id),
        callback_data: status.biz_opaque_callback_data,
        phone_number_id: phone_number_id.to_owned(),
    }
}
