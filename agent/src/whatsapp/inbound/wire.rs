//! Meta's webhook JSON exactly as it arrives, before it becomes charla's types.
//!
//! Every field is optional unless a message cannot be handled without it (ids, timestamps), and
//! unknown fields are ignored: Meta adds fields often (the 2026 business-scoped user ids did) and
//! an unknown field must never cost a customer's message.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// The POST body: `{"object": "whatsapp_business_account", "entry": [...]}`.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    pub object: Option<String>,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

/// One WhatsApp Business Account's changes.
#[derive(Debug, Deserialize)]
pub(super) struct Entry {
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// One change. `value` stays untyped until `field` says what it is: fields other than
/// `messages` (template reviews, preferences, calls, history sync...) have their own shapes and
/// must not be able to fail the parse.
#[derive(Debug, Deserialize)]
pub(super) struct Change {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// The value of a `messages` change: messages, statuses and errors of one business number.
#[derive(Debug, Deserialize)]
pub(super) struct MessagesValue {
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub errors: Vec<ApiErrorWire>,
}

/// The business number the change is about.
#[derive(Debug, Deserialize)]
pub(super) struct Metadata {
    pub display_phone_number: Option<String>,
    pub phone_number_id: Option<String>,
}

/// Who wrote (or, next to statuses, who was written to).
#[derive(Debug, Deserialize)]
pub(super) struct Contact {
    pub profile: Option<Profile>,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub parent_user_id: Option<String>,
}

/// A contact's WhatsApp profile.
#[derive(Debug, Deserialize)]
pub(super) struct Profile {
    pub name: Option<String>,
    pub username: Option<String>,
}

/// One inbound message.
#[derive(Debug, Deserialize)]
pub(super) struct Message {
    pub id: String,
    pub from: Option<String>,
    pub from_user_id: Option<String>,
    pub from_parent_user_id: Option<String>,
    #[serde(deserialize_with = "integer")]
    pub timestamp: i64,
    pub context: Option<Context>,
    pub referral: Option<Referral>,
    #[serde(default)]
    pub errors: Vec<ApiErrorWire>,
    #[serde(flatten)]
    pub body: MessageBody,
}

/// The type and its payload: shared by messages and by the new version inside an edit.
#[derive(Debug, Default, Deserialize)]
pub(super) struct MessageBody {
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub text: Option<Text>,
    pub image: Option<Media>,
    pub audio: Option<Media>,
    pub video: Option<Media>,
    pub document: Option<Media>,
    pub sticker: Option<Media>,
    pub location: Option<Location>,
    pub contacts: Option<Vec<SharedContact>>,
    pub reaction: Option<Reaction>,
    pub interactive: Option<Interactive>,
    pub button: Option<Button>,
    pub order: Option<Order>,
    pub system: Option<System>,
    pub edit: Option<Box<Edit>>,
    pub revoke: Option<Revoke>,
    pub unsupported: Option<Unsupported>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Text {
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Media {
    pub id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub url: Option<String>,
    pub filename: Option<String>,
    #[serde(default)]
    pub voice: bool,
    #[serde(default)]
    pub animated: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct Location {
    #[serde(deserialize_with = "decimal")]
    pub latitude: f64,
    #[serde(deserialize_with = "decimal")]
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SharedContact {
    pub name: Option<SharedName>,
    #[serde(default)]
    pub phones: Vec<SharedPhone>,
    #[serde(default)]
    pub emails: Vec<SharedEmail>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SharedName {
    pub formatted_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SharedPhone {
    pub phone: Option<String>,
    pub wa_id: Option<String>,
    #[serde(rename = "type")]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SharedEmail {
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Reaction {
    pub message_id: String,
    pub emoji: Option<String>,
}

/// An interactive reply; `type` says which of the payloads is there.
#[derive(Debug, Deserialize)]
pub(super) struct Interactive {
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub button_reply: Option<Choice>,
    pub list_reply: Option<Choice>,
    pub nfm_reply: Option<FlowReply>,
}

/// A tapped reply button or list row.
#[derive(Debug, Deserialize)]
pub(super) struct Choice {
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct FlowReply {
    pub name: Option<String>,
    pub body: Option<String>,
    #[serde(default)]
    pub response_json: String,
}

/// A template's quick-reply button.
#[derive(Debug, Deserialize)]
pub(super) struct Button {
    pub payload: Option<String>,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Order {
    pub catalog_id: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub product_items: Vec<OrderItem>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OrderItem {
    pub product_retailer_id: String,
    #[serde(deserialize_with = "integer")]
    pub quantity: i64,
    #[serde(default, deserialize_with = "optional_decimal")]
    pub item_price: Option<f64>,
    pub currency: Option<String>,
}

/// A change of number or of business-scoped user id.
#[derive(Debug, Deserialize)]
pub(super) struct System {
    pub body: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
}

/// An edit (WhatsApp Business app "coexistence" numbers): the new version of the message.
#[derive(Debug, Deserialize)]
pub(super) struct Edit {
    pub original_message_id: String,
    pub message: Option<MessageBody>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Revoke {
    pub original_message_id: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Unsupported {
    #[serde(rename = "type")]
    pub type_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Context {
    pub id: Option<String>,
    pub from: Option<String>,
    #[serde(default)]
    pub forwarded: bool,
    #[serde(default)]
    pub frequently_forwarded: bool,
    pub referred_product: Option<ReferredProduct>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ReferredProduct {
    pub catalog_id: Option<String>,
    pub product_retailer_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Referral {
    pub source_url: Option<String>,
    pub source_type: Option<String>,
    pub source_id: Option<String>,
    pub headline: Option<String>,
    pub body: Option<String>,
    pub media_type: Option<String>,
    pub image_url: Option<String>,
    pub video_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub ctwa_clid: Option<String>,
}

/// A delivery status of a message the business sent.
#[derive(Debug, Deserialize)]
pub(super) struct Status {
    pub id: String,
    pub status: String,
    #[serde(deserialize_with = "integer")]
    pub timestamp: i64,
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    // Meta's BSUID guide spells it one way, whatsapp-api-js's v25 payloads the other; two
    // fields rather than a serde alias, because an alias fails on a body carrying both.
    pub recipient_parent_user_id: Option<String>,
    pub parent_recipient_user_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<ApiErrorWire>,
    pub pricing: Option<Pricing>,
    pub conversation: Option<Conversation>,
    pub biz_opaque_callback_data: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Pricing {
    pub billable: Option<bool>,
    pub pricing_model: Option<String>,
    pub category: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Conversation {
    pub id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ApiErrorWire {
    #[serde(deserialize_with = "integer")]
    pub code: i64,
    pub title: Option<String>,
    pub message: Option<String>,
    pub error_data: Option<ErrorData>,
    pub href: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ErrorData {
    pub details: Option<String>,
}

/// An integer sent as a JSON number or as a string of digits: Meta sends timestamps as strings
/// in messages and as numbers in some other webhooks, and documents quantities both ways.
fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct IntegerVisitor;

    impl Visitor<'_> for IntegerVisitor {
        type Value = i64;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("an integer or a string of digits")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
            i64::try_from(value).map_err(|_| E::custom(format!("integer {value} is too large")))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<i64, E> {
            value
                .trim()
                .parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }

    deserializer.deserialize_any(IntegerVisitor)
}

/// A decimal number sent as a JSON number or as a numeric string.
fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    struct DecimalVisitor;

    impl Visitor<'_> for DecimalVisitor {
        type Value = f64;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a number or a numeric string")
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<f64, E> {
            Ok(value)
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<f64, E> {
            // Prices and coordinates are far below 2^53, where this conversion is exact.
            Ok(value as f64)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<f64, E> {
            Ok(value as f64)
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<f64, E> {
            value
                .trim()
                .parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }

    deserializer.deserialize_any(DecimalVisitor)
}

/// [`decimal`], allowing `null`.
fn optional_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "decimal")] f64);

    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(value)| value))
}
