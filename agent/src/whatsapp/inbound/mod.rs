//! The inbound side of the WhatsApp Cloud API: a webhook POST body becomes the messages,
//! delivery statuses and errors it carries, in charla's own types.
//!
//! Pure library code: the HTTP server checks the signature ([`super::signature`]) and then
//! calls [`parse_webhook`] on the same raw bytes.
//!
//! - `wire`: Meta's JSON as it arrives (private).
//! - `message`: [`InboundMessage`] and [`MessageKind`], one variant per message type Meta sends.
//! - `convert`: Meta's message JSON into [`InboundMessage`] (private).
//! - `status`: [`StatusUpdate`] and [`DeliveryStatus`], with the forward-only ordering rule.
//!
//! Parsing is tolerant where Meta varies and strict where a message could otherwise be lost:
//! unknown fields are ignored, unknown message types become [`MessageKind::Unknown`], changes
//! other than `messages` are listed in [`WebhookBatch::ignored_fields`]; malformed JSON, a body
//! that is not a WhatsApp Business Account webhook, or a `messages` change of the wrong shape
//! is an error, so the server answers 400 rather than acknowledging what it could not read.

mod convert;
mod message;
mod status;
mod wire;

pub use message::{
    InboundMessage, Media, MessageContext, MessageKind, OrderItem, Referral, ReferredProduct,
    SharedContact, SharedPhone,
};
pub use status::{DeliveryStatus, Pricing, StatusUpdate};

use serde::{Deserialize, Serialize};

/// The `object` of every WhatsApp Business Account webhook.
const WHATSAPP_OBJECT: &str = "whatsapp_business_account";

/// The change field that carries messages and statuses.
const MESSAGES_FIELD: &str = "messages";

/// Everything one webhook POST carried, in the order Meta listed it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookBatch {
    /// Messages customers sent.
    pub messages: Vec<InboundMessage>,
    /// Delivery statuses of messages the business sent.
    pub statuses: Vec<StatusUpdate>,
    /// Errors Meta reported for the business number, outside any message or status.
    pub errors: Vec<ApiError>,
    /// Subscribed change fields this parser does not read (`message_template_status_update`,
    /// `user_preferences`...), each listed once, so the server can log what it skipped.
    pub ignored_fields: Vec<String>,
}

/// An error Meta attached to a message, a status or a whole change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Meta's error code (131047, 130429...): what the sender decides on.
    pub code: i64,
    /// Short title.
    pub title: Option<String>,
    /// Message; often the same as the title.
    pub message: Option<String>,
    /// `error_data.details`: the most specific explanation Meta gives.
    pub details: Option<String>,
    /// Link to Meta's documentation of the code.
    pub href: Option<String>,
}

/// Why a webhook body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WebhookParseError {
    /// Not JSON, or not shaped like a webhook envelope. `line` and `column` are serde's,
    /// 1-based, and also appear in the message.
    #[error("malformed webhook JSON: {detail}")]
    Json {
        /// Line of the first problem.
        line: usize,
        /// Column of the first problem.
        column: usize,
        /// What serde found there.
        detail: String,
    },
    /// Valid JSON whose `object` is not `whatsapp_business_account` (or is missing).
    #[error("not a WhatsApp Business Account webhook (object: {})", object.as_deref().unwrap_or("missing"))]
    NotWhatsApp {
        /// The `object` the body carried.
        object: Option<String>,
    },
    /// A `messages` change whose value does not have the documented shape (a message without
    /// an id, a number where a string belongs...). Positions are of the change, 0-based.
    #[error("entry {entry}, change {change}: {detail}")]
    InvalidChange {
        /// Index in `entry`.
        entry: usize,
        /// Index in that entry's `changes`.
        change: usize,
        /// What was wrong.
        detail: String,
    },
}

/// Reads a webhook POST body (the same raw bytes whose signature was checked).
pub fn parse_webhook(body: &[u8]) -> Result<WebhookBatch, WebhookParseError> {
    let envelope: wire::Envelope =
        serde_json::from_slice(body).map_err(|error| WebhookParseError::Json {
            line: error.line(),
            column: error.column(),
            detail: error.to_string(),
        })?;
    if envelope.object.as_deref() != Some(WHATSAPP_OBJECT) {
        return Err(WebhookParseError::NotWhatsApp {
            object: envelope.object,
        });
    }

    let mut batch = WebhookBatch::default();
    for (entry_index, entry) in envelope.entry.into_iter().enumerate() {
        for (change_index, change) in entry.changes.into_iter().enumerate() {
            if change.field != MESSAGES_FIELD {
                if !batch.ignored_fields.contains(&change.field) {
                    batch.ignored_fields.push(change.field);
                }
                continue;
            }
            let invalid = |detail: String| WebhookParseError::InvalidChange {
                entry: entry_index,
                change: change_index,
                detail,
            };
            let value: wire::MessagesValue =
                serde_json::from_value(change.value).map_err(|error| invalid(error.to_string()))?;
            read_messages_change(value, &mut batch).map_err(invalid)?;
        }
    }
    Ok(batch)
}

/// Adds one `messages` change to the batch.
fn read_messages_change(
    value: wire::MessagesValue,
    batch: &mut WebhookBatch,
) -> Result<(), String> {
    let errors: Vec<ApiError> = value.errors.into_iter().map(ApiError::from).collect();
    if !value.messages.is_empty() || !value.statuses.is_empty() {
        let metadata = value.metadata.as_ref();
        // Without the business number there is no way to reply or to know which business the
        // message is for, so this is refused rather than guessed.
        let phone_number_id = metadata
            .and_then(|metadata| metadata.phone_number_id.clone())
            .ok_or_else(|| "metadata.phone_number_id is missing".to_owned())?;
        let display_phone_number =
            metadata.and_then(|metadata| metadata.display_phone_number.clone());
        // Meta sends one contact per message, but matching on ids (rather than on position)
        // keeps a batch of several senders from mixing their profiles up.
        let only_contact = match value.contacts.as_slice() {
            [contact] => Some(contact),
            _ => None,
        };
        for wire_message in value.messages {
            let contact = find_sender(&value.contacts, &wire_message).or_else(|| {
                only_contact.filter(|contact| {
                    !differ(&contact.wa_id, &wire_message.from)
                        && !differ(&contact.user_id, &wire_message.from_user_id)
                })
            });
            batch.messages.push(convert::from_wire(
                wire_message,
                contact,
                &phone_number_id,
                display_phone_number.as_deref(),
                &errors,
            ));
        }
        for wire_status in value.statuses {
            let contact = find_recipient(&value.contacts, &wire_status).or_else(|| {
                only_contact.filter(|contact| {
                    !differ(&contact.wa_id, &wire_status.recipient_id)
                        && !differ(&contact.user_id, &wire_status.recipient_user_id)
                })
            });
            batch
                .statuses
                .push(status::from_wire(wire_status, contact, &phone_number_id));
        }
    }
    batch.errors.extend(errors);
    Ok(())
}

/// The contact entry describing a message's sender, matched on phone number or user id.
fn find_sender<'a>(
    contacts: &'a [wire::Contact],
    message: &wire::Message,
) -> Option<&'a wire::Contact> {
    contacts.iter().find(|contact| {
        same(&contact.wa_id, &message.from) || same(&contact.user_id, &message.from_user_id)
    })
}

/// The contact entry describing a status's recipient.
fn find_recipient<'a>(
    contacts: &'a [wire::Contact],
    status: &wire::Status,
) -> Option<&'a wire::Contact> {
    contacts.iter().find(|contact| {
        same(&contact.wa_id, &status.recipient_id)
            || same(&contact.user_id, &status.recipient_user_id)
    })
}

/// Both present and equal: two absent ids say nothing about being the same person.
fn same(left: &Option<String>, right: &Option<String>) -> bool {
    matches!((left, right), (Some(left), Some(right)) if left == right)
}

/// Both present and different: the lone contact of a change is someone else, and taking its
/// user id would file the message under another customer.
fn differ(left: &Option<String>, right: &Option<String>) -> bool {
    matches!((left, right), (Some(left), Some(right)) if left != right)
}

impl From<wire::ApiErrorWire> for ApiError {
    fn from(error: wire::ApiErrorWire) -> Self {
        ApiError {
            code: error.code,
            title: error.title,
            message: error.message,
            details: error.error_data.and_then(|data| data.details),
            href: error.href,
        }
    }
}
