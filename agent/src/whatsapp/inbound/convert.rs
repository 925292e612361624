//! Meta's message JSON ([`super::wire`]) into [`InboundMessage`]: picking the variant for a
//! message's `type`, and falling back to `Unsupported` or `Unknown` instead of failing.

use super::ApiError;
use super::message::{
    InboundMessage, Media, MessageContext, MessageKind, OrderItem, Referral, ReferredProduct,
    SharedContact, SharedPhone,
};
use super::wire;

/// Builds an [`InboundMessage`] from Meta's message and the contact entry describing its sender.
/// `change_errors` are the change's own errors, used when an unreadable message has none.
pub(super) fn from_wire(
    message: wire::Message,
    contact: Option<&wire::Contact>,
    phone_number_id: &str,
    display_phone_number: Option<&str>,
    change_errors: &[ApiError],
) -> InboundMessage {
    let profile = contact.and_then(|contact| contact.profile.as_ref());
    let mut errors: Vec<ApiError> = message.errors.into_iter().map(ApiError::from).collect();
    if errors.is_empty() {
        errors = change_errors.to_vec();
    }
    InboundMessage {
        wamid: message.id,
        phone_number_id: phone_number_id.to_owned(),
        display_phone_number: display_phone_number.map(str::to_owned),
        from: message
            .from
            .or_else(|| contact.and_then(|contact| contact.wa_id.clone())),
        user_id: message
            .from_user_id
            .or_else(|| contact.and_then(|contact| contact.user_id.clone())),
        parent_user_id: message
            .from_parent_user_id
            .or_else(|| contact.and_then(|contact| contact.parent_user_id.clone())),
        profile_name: profile.and_then(|profile| profile.name.clone()),
        username: profile.and_then(|profile| profile.username.clone()),
        timestamp: message.timestamp,
        kind: kind_from_wire(message.body, errors),
        context: message.context.map(context_from_wire),
        referral: message.referral.map(referral_from_wire),
    }
}

/// The variant for a message's `type` and payload. A known type whose payload is missing is
/// not an error: it becomes `Unsupported` when Meta gave a reason, else `Unknown`.
fn kind_from_wire(body: wire::MessageBody, errors: Vec<ApiError>) -> MessageKind {
    let type_name = body.type_name.unwrap_or_default();
    let kind = match type_name.as_str() {
        "text" => body.text.map(|text| MessageKind::Text { body: text.body }),
        "image" => body
            .image
            .map(|media| MessageKind::Image(media_from_wire(media))),
        "audio" => body
            .audio
            .map(|media| MessageKind::Audio(media_from_wire(media))),
        "video" => body
            .video
            .map(|media| MessageKind::Video(media_from_wire(media))),
        "document" => body
            .document
            .map(|media| MessageKind::Document(media_from_wire(media))),
        "sticker" => body
            .sticker
            .map(|media| MessageKind::Sticker(media_from_wire(media))),
        "location" => body.location.map(|location| MessageKind::Location {
            latitude: location.latitude,
            longitude: location.longitude,
            name: location.name,
            address: location.address,
            url: location.url,
        }),
        "contacts" => body.contacts.map(|contacts| {
            MessageKind::Contacts(contacts.into_iter().map(shared_contact_from_wire).collect())
        }),
        "reaction" => body.reaction.map(|reaction| MessageKind::Reaction {
            message_id: reaction.message_id,
            emoji: reaction.emoji.filter(|emoji| !emoji.is_empty()),
        }),
        "interactive" => body.interactive.map(interactive_from_wire),
        "button" => body.button.map(|button| MessageKind::TemplateButton {
            payload: button.payload,
            text: button.text,
        }),
        "order" => body.order.map(|order| MessageKind::Order {
            catalog_id: order.catalog_id,
            text: order.text.filter(|text| !text.is_empty()),
            items: order
                .product_items
                .into_iter()
                .map(order_item_from_wire)
                .collect(),
        }),
        "system" => body.system.map(|system| MessageKind::System {
            body: system.body,
            kind: system.kind,
            new_wa_id: system.wa_id,
            new_user_id: system.user_id,
        }),
        "edit" => body.edit.map(|edit| MessageKind::Edit {
            original_wamid: edit.original_message_id,
            new_text: edit.message.and_then(edited_text),
        }),
        "revoke" => body.revoke.map(|revoke| MessageKind::Revoke {
            original_wamid: revoke.original_message_id,
        }),
        // Meta's name for this type was `unknown` before it became `unsupported`.
        "unsupported" | "unknown" => Some(MessageKind::Unsupported {
            type_name: body
                .unsupported
                .and_then(|unsupported| unsupported.type_name),
            errors: errors.clone(),
        }),
        _ => None,
    };
    match kind {
        Some(kind) => kind,
        None if errors.is_empty() => MessageKind::Unknown { type_name },
        None => MessageKind::Unsupported {
            type_name: Some(type_name),
            errors,
        },
    }
}

fn interactive_from_wire(interactive: wire::Interactive) -> MessageKind {
    let sub_type = interactive.type_name.unwrap_or_default();
    let kind = match sub_type.as_str() {
        "button_reply" => interactive
            .button_reply
            .map(|choice| MessageKind::ButtonReply {
                id: choice.id,
                title: choice.title,
            }),
        "list_reply" => interactive.list_reply.map(|choice| MessageKind::ListReply {
            id: choice.id,
            title: choice.title,
            description: choice.description,
        }),
        "nfm_reply" => interactive.nfm_reply.map(|flow| MessageKind::FlowReply {
            name: flow.name,
            body: flow.body,
            response_json: flow.response_json,
        }),
        _ => None,
    };
    kind.unwrap_or(MessageKind::Unknown {
        type_name: format!("interactive.{sub_type}"),
    })
}

/// The text of an edit's new version: its text body or its media caption.
fn edited_text(body: wire::MessageBody) -> Option<String> {
    if let Some(text) = body.text {
        return Some(text.body);
    }
    [
        body.image,
        body.video,
        body.document,
        body.audio,
        body.sticker,
    ]
    .into_iter()
    .flatten()
    .find_map(|media| media.caption)
}

fn media_from_wire(media: wire::Media) -> Media {
    Media {
        id: media.id,
        mime_type: media.mime_type,
        sha256: media.sha256,
        caption: media.caption,
        url: media.url,
        filename: media.filename,
        voice: media.voice,
        animated: media.animated,
    }
}

fn shared_contact_from_wire(contact: wire::SharedContact) -> SharedContact {
    let name = contact.name.and_then(|name| {
        name.formatted_name.or_else(|| {
            let parts: Vec<String> = [name.first_name, name.last_name]
                .into_iter()
                .flatten()
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
    });
    SharedContact {
        name,
        phones: contact
            .phones
            .into_iter()
            .map(|phone| SharedPhone {
                number: phone.phone,
                wa_id: phone.wa_id,
                label: phone.label,
            })
            .collect(),
        emails: contact
            .emails
            .into_iter()
            .filter_map(|email| email.email)
            .collect(),
    }
}

fn order_item_from_wire(item: wire::OrderItem) -> OrderItem {
    OrderItem {
        product_retailer_id: item.product_retailer_id,
        quantity: item.quantity,
        item_price: item.item_price,
        currency: item.currency,
    }
}

fn context_from_wire(context: wire::Context) -> MessageContext {
    MessageContext {
        replied_to: context.id,
        replied_to_from: context.from,
        forwarded: context.forwarded,
        frequently_forwarded: context.frequently_forwarded,
        referred_product: context.referred_product.map(|product| ReferredProduct {
            catalog_id: product.catalog_id,
            product_retailer_id: product.product_retailer_id,
        }),
    }
}

fn referral_from_wire(referral: wire::Referral) -> Referral {
    Referral {
        source_url: referral.source_url,
        source_type: referral.source_type,
        source_id: referral.source_id,
        headline: referral.headline,
        body: referral.body,
        media_type: referral.media_type,
        image_url: referral.image_url,
        video_url: referral.video_url,
        thumbnail_url: referral.thumbnail_url,
        ctwa_clid: referral.ctwa_clid,
    }
}
