//! A message a customer sent: who, to which business number, when, and what ([`MessageKind`]),
//! plus what the agent should read of it ([`InboundMessage::text_for_agent`]). Built from
//! Meta's JSON in `convert`.

use super::ApiError;
use serde::{Deserialize, Serialize};

/// One message from a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// Meta's message id: the key that makes duplicate deliveries harmless.
    pub wamid: String,
    /// The business number it was sent to (`metadata.phone_number_id`): replies go from here.
    pub phone_number_id: String,
    /// That number as customers see it.
    pub display_phone_number: Option<String>,
    /// The customer's phone number. Absent for customers who adopted a username and whose
    /// number Meta does not share (from 2026).
    pub from: Option<String>,
    /// The customer's business-scoped user id (BSUID, `US.1349...`): the message's
    /// `from_user_id`, else the contact's `user_id`. Stable while the phone number may be absent.
    pub user_id: Option<String>,
    /// The parent BSUID shared across a managed business's portfolios (`US.ENT.1181...`).
    pub parent_user_id: Option<String>,
    /// The customer's WhatsApp profile name.
    pub profile_name: Option<String>,
    /// The customer's WhatsApp username (`@name`), when they have one.
    pub username: Option<String>,
    /// When the customer sent it (Unix seconds, Meta's clock).
    pub timestamp: i64,
    /// What was sent.
    pub kind: MessageKind,
    /// Reply, forward and product context.
    pub context: Option<MessageContext>,
    /// The ad or post the customer clicked to start the conversation.
    pub referral: Option<Referral>,
}

/// What a customer sent, one variant per message type Meta documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum MessageKind {
    /// Plain text.
    Text {
        /// The text.
        body: String,
    },
    /// A photo.
    Image(Media),
    /// An audio file or, with [`Media::voice`], a voice note.
    Audio(Media),
    /// A video.
    Video(Media),
    /// A file; [`Media::filename`] has its name.
    Document(Media),
    /// A sticker; [`Media::animated`] says whether it moves.
    Sticker(Media),
    /// A shared location: where the customer is, or a place they picked.
    Location {
        /// Latitude in degrees.
        latitude: f64,
        /// Longitude in degrees.
        longitude: f64,
        /// The place's name, for a picked place.
        name: Option<String>,
        /// The place's address, for a picked place.
        address: Option<String>,
        /// A map link, for a picked place.
        url: Option<String>,
    },
    /// One or more contact cards.
    Contacts(Vec<SharedContact>),
    /// An emoji reaction to a message, or its removal.
    Reaction {
        /// The message reacted to.
        message_id: String,
        /// The emoji; `None` when the customer removed their reaction (Meta sends an empty
        /// string or no emoji at all).
        emoji: Option<String>,
    },
    /// A tap on an interactive reply button.
    ButtonReply {
        /// The id the business gave the button.
        id: String,
        /// The button's title.
        title: String,
    },
    /// A choice from an interactive list.
    ListReply {
        /// The id the business gave the row.
        id: String,
        /// The row's title.
        title: String,
        /// The row's description.
        description: Option<String>,
    },
    /// A completed WhatsApp Flow (`nfm_reply`).
    FlowReply {
        /// The flow's name (`flow`).
        name: Option<String>,
        /// The text shown in the chat (`Sent`).
        body: Option<String>,
        /// The customer's answers as JSON text, exactly as Meta sent them.
        response_json: String,
    },
    /// A tap on a template's quick-reply button.
    TemplateButton {
        /// The payload the business set on the button.
        payload: Option<String>,
        /// The button's text.
        text: String,
    },
    /// An order placed from the catalog.
    Order {
        /// The catalog ordered from.
        catalog_id: Option<String>,
        /// The note the customer added, if any.
        text: Option<String>,
        /// What they ordered.
        items: Vec<OrderItem>,
    },
    /// A notice from WhatsApp about the customer: a new phone number or a new business-scoped
    /// user id.
    System {
        /// Meta's human-readable description.
        body: Option<String>,
        /// `user_changed_number`, `user_changed_user_id`, `customer_identity_changed`...
        kind: Option<String>,
        /// The customer's new phone number (`user_changed_number`).
        new_wa_id: Option<String>,
        /// The customer's new business-scoped user id (`user_changed_user_id`).
        new_user_id: Option<String>,
    },
    /// The customer edited an earlier message (WhatsApp Business app numbers only).
    Edit {
        /// The message that was edited.
        original_wamid: String,
        /// Its new text or caption, when it has one.
        new_text: Option<String>,
    },
    /// The customer deleted an earlier message for everyone.
    Revoke {
        /// The message that was deleted.
        original_wamid: String,
    },
    /// A message Meta could not pass on (a poll, a view-once photo...), with Meta's errors.
    Unsupported {
        /// What Meta says it was, when it says (`poll`).
        type_name: Option<String>,
        /// Meta's reasons: the message's own errors, else the change's.
        errors: Vec<ApiError>,
    },
    /// A message type this parser does not know yet (or a known one without its payload).
    /// Interactive replies of an unknown sub-type are named `interactive.<sub_type>`.
    Unknown {
        /// Meta's `type`.
        type_name: String,
    },
}

/// A media attachment. Only the id comes in the webhook (the URL too, sometimes); the file is
/// downloaded through the Graph API when it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Media id for the Graph API.
    pub id: String,
    /// MIME type (`image/jpeg`, `audio/ogg; codecs=opus`).
    pub mime_type: Option<String>,
    /// SHA-256 of the file as Meta reports it (base64).
    pub sha256: Option<String>,
    /// The customer's caption.
    pub caption: Option<String>,
    /// A download URL, when Meta includes one (it needs the access token).
    pub url: Option<String>,
    /// The file name, for documents.
    pub filename: Option<String>,
    /// A voice note recorded in WhatsApp rather than an attached audio file.
    pub voice: bool,
    /// An animated sticker.
    pub animated: bool,
}

/// A contact card the customer shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedContact {
    /// The card's formatted name, else first and last name.
    pub name: Option<String>,
    /// Its phone numbers.
    pub phones: Vec<SharedPhone>,
    /// Its email addresses.
    pub emails: Vec<String>,
}

/// A phone number on a shared contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedPhone {
    /// The number as written on the card.
    pub number: Option<String>,
    /// Its WhatsApp id, when it is on WhatsApp.
    pub wa_id: Option<String>,
    /// `CELL`, `HOME`, `WORK`...
    pub label: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    /// The product's id in the business's catalog (its SKU).
    pub product_retailer_id: String,
    /// How many.
    pub quantity: i64,
    /// Unit price.
    pub item_price: Option<f64>,
    /// ISO 4217 currency code.
    pub currency: Option<String>,
}

/// What a message refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContext {
    /// The message this one replies to (`context.id`).
    pub replied_to: Option<String>,
    /// Who sent the replied-to message (`context.from`).
    pub replied_to_from: Option<String>,
    /// Forwarded.
    pub forwarded: bool,
    /// Forwarded more than five times.
    pub frequently_forwarded: bool,
    /// The catalog product the customer asked about.
    pub referred_product: Option<ReferredProduct>,
}

/// A catalog product a message refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferredProduct {
    /// The catalog.
    pub catalog_id: Option<String>,
    /// The product's id in it.
    pub product_retailer_id: Option<String>,
}

/// The click-to-WhatsApp ad or post that started the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// Link to the ad or post.
    pub source_url: Option<String>,
    /// `ad` or `post`.
    pub source_type: Option<String>,
    /// The ad's or post's id.
    pub source_id: Option<String>,
    /// Its headline.
    pub headline: Option<String>,
    /// Its text.
    pub body: Option<String>,
    /// `image` or `video`.
    pub media_type: Option<String>,
    /// Its image.
    pub image_url: Option<String>,
    /// Its video.
    pub video_url: Option<String>,
    /// The video's thumbnail.
    pub thumbnail_url: Option<String>,
    /// Click id for conversion reporting.
    pub ctwa_clid: Option<String>,
}

impl InboundMessage {
    /// The key a conversation is filed under: the business-scoped user id when Meta gave one
    /// (it survives the phone number being hidden), else the phone number.
    pub fn contact_key(&self) -> Option<&str> {
        self.user_id.as_deref().or(self.from.as_deref())
    }

    /// What the agent reads of this message, or `None` when there is nothing to answer
    /// (reactions, deletions, system notices, unsupported and unknown messages).
    pub fn text_for_agent(&self) -> Option<String> {
        self.kind.text_for_agent()
    }
}

impl MessageKind {
    /// Meta's message `type` (`text`, `image`, `interactive`, `button`...).
    pub fn type_name(&self) -> &str {
        match self {
            MessageKind::Text { .. } => "text",
            MessageKind::Image(_) => "image",
            MessageKind::Audio(_) => "audio",
            MessageKind::Video(_) => "video",
            MessageKind::Document(_) => "document",
            MessageKind::Sticker(_) => "sticker",
            MessageKind::Location { .. } => "location",
            MessageKind::Contacts(_) => "contacts",
            MessageKind::Reaction { .. } => "reaction",
            MessageKind::ButtonReply { .. }
            | MessageKind::ListReply { .. }
            | MessageKind::FlowReply { .. } => "interactive",
            MessageKind::TemplateButton { .. } => "button",
            MessageKind::Order { .. } => "order",
            MessageKind::System { .. } => "system",
            MessageKind::Edit { .. } => "edit",
            MessageKind::Revoke { .. } => "revoke",
            MessageKind::Unsupported { .. } => "unsupported",
            MessageKind::Unknown { type_name } => type_name,
        }
    }

    /// See [`InboundMessage::text_for_agent`].
    fn text_for_agent(&self) -> Option<String> {
        match self {
            MessageKind::Text { body } => Some(body.clone()),
            MessageKind::Image(media) => Some(caption_or(media, "[image]")),
            MessageKind::Video(media) => Some(caption_or(media, "[video]")),
            MessageKind::Audio(media) => Some(caption_or(
                media,
                if media.voice {
                    "[voice message]"
                } else {
                    "[audio]"
                },
            )),
            MessageKind::Sticker(media) => Some(caption_or(media, "[sticker]")),
            MessageKind::Document(media) => Some(match (&media.caption, &media.filename) {
                (Some(caption), _) => caption.clone(),
                (None, Some(filename)) => format!("[document: {filename}]"),
                (None, None) => "[document]".to_owned(),
            }),
            MessageKind::Location {
                latitude,
                longitude,
                name,
                address,
                ..
            } => Some(describe_location(
                *latitude,
                *longitude,
                name.as_deref(),
                address.as_deref(),
            )),
            MessageKind::Contacts(contacts) => Some(describe_contacts(contacts)),
            MessageKind::ButtonReply { title, .. } | MessageKind::ListReply { title, .. } => {
                Some(title.clone())
            }
            MessageKind::TemplateButton { text, .. } => Some(text.clone()),
            // The answers are the customer's words, structured; the flow's `body` is only "Sent".
            MessageKind::FlowReply { response_json, .. } => {
                Some(format!("[form reply] {response_json}"))
            }
            MessageKind::Order { text, items, .. } => Some(describe_order(text.as_deref(), items)),
            MessageKind::Edit { new_text, .. } => new_text.clone(),
            MessageKind::Reaction { .. }
            | MessageKind::System { .. }
            | MessageKind::Revoke { .. }
            | MessageKind::Unsupported { .. }
            | MessageKind::Unknown { .. } => None,
        }
    }
}

fn caption_or(media: &Media, placeholder: &str) -> String {
    media
        .caption
        .clone()
        .unwrap_or_else(|| placeholder.to_owned())
}

/// `📍 name, address (lat, lon)`, leaving out what the customer did not share.
fn describe_location(
    latitude: f64,
    longitude: f64,
    name: Option<&str>,
    address: Option<&str>,
) -> String {
    let place: Vec<&str> = [name, address]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .collect();
    if place.is_empty() {
        format!("📍 ({latitude}, {longitude})")
    } else {
        format!("📍 {} ({latitude}, {longitude})", place.join(", "))
    }
}

/// `[contact: Name, +1 555...; Other, ...]`.
fn describe_contacts(contacts: &[SharedContact]) -> String {
    let cards: Vec<String> = contacts
        .iter()
        .map(|contact| {
            let mut parts: Vec<&str> = contact.name.as_deref().into_iter().collect();
            parts.extend(
                contact
                    .phones
                    .iter()
                    .filter_map(|phone| phone.number.as_deref()),
            );
            parts.extend(contact.emails.iter().map(String::as_str));
            parts.join(", ")
        })
        .collect();
    format!("[contact: {}]", cards.join("; "))
}

/// `[order: 3 × HAMBURGER at 30 ILS, ...] note`.
fn describe_order(text: Option<&str>, items: &[OrderItem]) -> String {
    let lines: Vec<String> = items
        .iter()
        .map(|item| {
            let price = match (item.item_price, item.currency.as_deref()) {
                (Some(price), Some(currency)) => format!(" at {price} {currency}"),
                (Some(price), None) => format!(" at {price}"),
                (None, _) => String::new(),
            };
            format!("{} × {}{price}", item.quantity, item.product_retailer_id)
        })
        .collect();
    match text {
        Some(note) => format!("[order: {}] {note}", lines.join(", ")),
        None => format!("[order: {}]", lines.join(", ")),
    }
}
