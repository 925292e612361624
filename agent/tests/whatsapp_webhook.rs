//! The inbound WhatsApp webhook as library code: real payloads from public libraries (pywa,
//! whatsapp-api-js) parse into the right messages and statuses, unknown things are not fatal,
//! malformed bodies are reported with their position, signatures are checked on the raw bytes,
//! and delivery statuses only move forward.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_agent::whatsapp::inbound::{
    DeliveryStatus, InboundMessage, MessageKind, StatusUpdate, WebhookBatch, WebhookParseError,
    parse_webhook,
};
use charla_agent::whatsapp::signature::{SignatureError, sign, verify_signature};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn local_fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/whatsapp")
}

/// The shared fixture folder next to the repository, when this checkout has one: CI may bring
/// payloads nobody here has seen.
fn shared_fixture_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/whatsapp");
    dir.is_dir().then_some(dir)
}

/// Every POST body in a folder, named `file` or `file#case`: a file is one body when it has an
/// `object`, else an object of named bodies (pywa's layout).
fn bodies_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let mut bodies = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let value: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{name}: {error}"));
        if value.get("object").is_some() {
            bodies.push((name, bytes));
        } else {
            let cases = value
                .as_object()
                .unwrap_or_else(|| panic!("{name}: neither a body nor named bodies"));
            for (case, body) in cases {
                bodies.push((format!("{name}#{case}"), serde_json::to_vec(body).unwrap()));
            }
        }
    }
    bodies
}

/// One named body of a local fixture file, parsed.
fn case(file: &str, key: &str) -> WebhookBatch {
    let bytes = std::fs::read(local_fixture_dir().join(file)).unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    let body = if key.is_empty() {
        value
    } else {
        value[key].clone()
    };
    assert!(body.is_object(), "{file}#{key} not found");
    parse_webhook(&serde_json::to_vec(&body).unwrap()).unwrap()
}

fn only_message(batch: WebhookBatch) -> InboundMessage {
    assert_eq!(batch.messages.len(), 1, "{batch:#?}");
    batch.messages.into_iter().next().unwrap()
}

fn only_status(batch: WebhookBatch) -> StatusUpdate {
    assert_eq!(batch.statuses.len(), 1, "{batch:#?}");
    batch.statuses.into_iter().next().unwrap()
}

/// A `messages` webhook around the given value fields.
fn messages_body(value: Value) -> Vec<u8> {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({"display_phone_number": "15550001111", "phone_number_id": "PNID"});
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]
    }))
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Every fixture

#[test]
fn every_fixture_parses_and_yields_something_or_names_what_it_skipped() {
    let mut dirs = vec![local_fixture_dir()];
    dirs.extend(shared_fixture_dir());
    let mut checked = 0;
    for dir in dirs {
        for (name, body) in bodies_in(&dir) {
            let batch = parse_webhook(&body)
                .unwrap_or_else(|error| panic!("{}: {name}: {error}", dir.display()));
            let read_something = !batch.messages.is_empty()
                || !batch.statuses.is_empty()
                || !batch.errors.is_empty();
            assert!(
                read_something || !batch.ignored_fields.is_empty(),
                "{name}: nothing read, nothing skipped"
            );
            checked += 1;
        }
    }
    // 14 files, 10 of them holding named cases: at least the 46 bodies known today.
    assert!(checked >= 46, "only {checked} fixture bodies found");
}

#[test]
fn no_known_fixture_message_is_left_unknown() {
    for (name, body) in bodies_in(&local_fixture_dir()) {
        for message in parse_webhook(&body).unwrap().messages {
            assert!(
                !matches!(message.kind, MessageKind::Unknown { .. }),
                "{name}: {:?}",
                message.kind
            );
        }
    }
}

#[test]
fn a_parsed_batch_survives_a_json_round_trip() {
    for (name, body) in bodies_in(&local_fixture_dir()) {
        let batch = parse_webhook(&body).unwrap();
        let stored =
            serde_json::to_string(&batch).unwrap_or_else(|error| panic!("{name}: {error}"));
        let restored: WebhookBatch = serde_json::from_str(&stored).unwrap();
        assert_eq!(restored, batch, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Message kinds

#[test]
fn text_message_carries_body_sender_and_business_number() {
    let message = only_message(case("pywa_message.json", "text"));
    assert_eq!(
        message.kind,
        MessageKind::Text {
            body: "Body Text".into()
        }
    );
    assert_eq!(message.wamid, "wamid.xyzxyz");
    assert_eq!(message.from.as_deref(), Some("972987654321"));
    assert_eq!(message.profile_name.as_deref(), Some("Test Name"));
    assert_eq!(message.phone_number_id, "1122334455667");
    assert_eq!(
        message.display_phone_number.as_deref(),
        Some("972123456789")
    );
    assert_eq!(message.timestamp, 1_697_043_223);
    assert_eq!(message.text_for_agent().as_deref(), Some("Body Text"));
}

#[test]
fn media_messages_keep_the_media_id_for_later_download() {
    let MessageKind::Image(image) = only_message(case("pywa_message.json", "image")).kind else {
        panic!()
    };
    assert_eq!(image.id, "65463453");
    assert_eq!(image.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(image.url, None);

    let with_url = only_message(case("pywa_message.json", "media_with_url"));
    let MessageKind::Image(image) = &with_url.kind else {
        panic!()
    };
    assert!(
        image
            .url
            .as_deref()
            .unwrap()
            .starts_with("https://lookaside.fbsbx.com/")
    );
    assert_eq!(with_url.text_for_agent().as_deref(), Some("[image]"));

    let video = only_message(case("pywa_message.json", "video"));
    assert!(matches!(&video.kind, MessageKind::Video(media) if media.id == "765756756"));
    assert_eq!(video.text_for_agent().as_deref(), Some("caption"));

    let document = only_message(case("pywa_message.json", "document"));
    let MessageKind::Document(file) = &document.kind else {
        panic!()
    };
    assert_eq!(file.filename.as_deref(), Some("filename.pdf"));
    assert_eq!(file.mime_type.as_deref(), Some("application/pdf"));
}

#[test]
fn voice_notes_and_animated_stickers_are_told_apart() {
    let audio = only_message(case("pywa_message.json", "audio"));
    assert!(matches!(&audio.kind, MessageKind::Audio(media) if !media.voice));
    assert_eq!(audio.text_for_agent().as_deref(), Some("[audio]"));
    let voice = only_message(case("pywa_message.json", "voice"));
    assert!(matches!(&voice.kind, MessageKind::Audio(media) if media.voice));
    assert_eq!(voice.text_for_agent().as_deref(), Some("[voice message]"));

    let still = only_message(case("pywa_message.json", "static_sticker"));
    assert!(matches!(&still.kind, MessageKind::Sticker(media) if !media.animated));
    let animated = only_message(case("pywa_message.json", "animated_sticker"));
    assert!(matches!(&animated.kind, MessageKind::Sticker(media) if media.animated));
}

#[test]
fn locations_read_as_place_and_coordinates() {
    let picked = only_message(case("pywa_message.json", "chosen_location"));
    let MessageKind::Location {
        latitude,
        longitude,
        name,
        url,
        ..
    } = &picked.kind
    else {
        panic!()
    };
    assert_eq!((*latitude, *longitude), (37.4611978, -122.2164385));
    assert_eq!(name.as_deref(), Some("Facebook HQ"));
    assert!(url.is_some());
    assert_eq!(
        picked.text_for_agent().as_deref(),
        Some("📍 Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025 (37.4611978, -122.2164385)")
    );

    let here = only_message(case("pywa_message.json", "current_location"));
    assert_eq!(
        here.text_for_agent().as_deref(),
        Some("📍 (12.25089, 43.90539)")
    );
}

#[test]
fn shared_contacts_list_names_and_numbers() {
    let message = only_message(case("pywa_message.json", "contacts"));
    let MessageKind::Contacts(cards) = &message.kind else {
        panic!()
    };
    assert_eq!(cards.len(), 3);
    assert_eq!(cards[0].name.as_deref(), Some("Chandler Bing"));
    assert_eq!(
        cards[0].phones[0].number.as_deref(),
        Some("+1 555-555-5555")
    );
    assert_eq!(cards[0].phones[0].label.as_deref(), Some("CELL"));
    let text = message.text_for_agent().unwrap();
    assert!(
        text.starts_with("[contact: Chandler Bing, +1 555-555-5555; Monica, +1 666-666-6666"),
        "{text}"
    );
}

#[test]
fn a_reaction_and_its_removal_are_not_for_the_agent() {
    let reaction = only_message(case("pywa_message.json", "reaction"));
    assert_eq!(
        reaction.kind,
        MessageKind::Reaction {
            message_id: "wamid.yzxyzx=".into(),
            emoji: Some("😮".into())
        }
    );
    assert_eq!(reaction.text_for_agent(), None);
    for removal in ["unreaction_empty", "unreaction_no_emoji"] {
        let message = only_message(case("pywa_message.json", removal));
        assert!(
            matches!(&message.kind, MessageKind::Reaction { emoji: None, .. }),
            "{removal}: {:?}",
            message.kind
        );
    }
}

#[test]
fn button_and_list_replies_read_as_their_titles() {
    let button = only_message(case("pywa_callback_button.json", "button"));
    assert_eq!(
        button.kind,
        MessageKind::ButtonReply {
            id: "callback_data".into(),
            title: "title".into()
        }
    );
    assert_eq!(button.text_for_agent().as_deref(), Some("title"));

    let row = only_message(case("pywa_callback_selection.json", "description"));
    assert_eq!(
        row.kind,
        MessageKind::ListReply {
            id: "callback_data".into(),
            title: "title".into(),
            description: Some("description".into())
        }
    );
    assert_eq!(row.text_for_agent().as_deref(), Some("title"));
    let plain_row = only_message(case("pywa_callback_selection.json", "callback"));
    assert!(matches!(
        plain_row.kind,
        MessageKind::ListReply {
            description: None,
            ..
        }
    ));
}

#[test]
fn template_quick_reply_keeps_its_payload() {
    let reply = only_message(case("pywa_callback_button.json", "quick_reply"));
    assert_eq!(
        reply.kind,
        MessageKind::TemplateButton {
            payload: Some("callback_data".into()),
            text: "title".into()
        }
    );
    assert_eq!(reply.text_for_agent().as_deref(), Some("title"));
    assert_eq!(
        reply.context.unwrap().replied_to.as_deref(),
        Some("wamid.xyzxyz==")
    );
}

#[test]
fn completed_flow_keeps_the_answers() {
    let message = only_message(case("pywa_flow_completion.json", "completion"));
    let MessageKind::FlowReply {
        name,
        body,
        response_json,
    } = &message.kind
    else {
        panic!()
    };
    assert_eq!(
        (name.as_deref(), body.as_deref()),
        (Some("flow"), Some("Sent"))
    );
    let answers: Value = serde_json::from_str(response_json).unwrap();
    assert_eq!(answers["comment_text"], "Comment Text");
    assert!(message.text_for_agent().unwrap().contains("Comment Text"));
}

#[test]
fn order_lists_its_items() {
    let message = only_message(case("pywa_message.json", "order"));
    let MessageKind::Order {
        catalog_id,
        text,
        items,
    } = &message.kind
    else {
        panic!()
    };
    assert_eq!(catalog_id.as_deref(), Some("354160437058781"));
    assert_eq!(text, &None, "an empty note is no note");
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].product_retailer_id, "HAMBURGER");
    assert_eq!(items[0].quantity, 3);
    assert_eq!(items[0].item_price, Some(30.0));
    assert_eq!(items[0].currency.as_deref(), Some("ILS"));
    assert_eq!(
        message.text_for_agent().as_deref(),
        Some("[order: 3 × HAMBURGER at 30 ILS, 2 × FRENCH_FRIES at 35 ILS, 2 × SODA at 10 ILS]")
    );
}

#[test]
fn system_notices_carry_the_new_identity_and_are_not_answered() {
    let changed = only_message(case("pywa_system.json", "phone_number_change"));
    let MessageKind::System {
        kind,
        new_wa_id,
        body,
        ..
    } = &changed.kind
    else {
        panic!()
    };
    assert_eq!(kind.as_deref(), Some("user_changed_number"));
    assert_eq!(new_wa_id.as_deref(), Some("972912345678"));
    assert!(body.as_deref().unwrap().contains("changed from"));
    assert_eq!(changed.text_for_agent(), None);

    let identity = only_message(case("pywa_system.json", "identity_change"));
    assert!(
        matches!(&identity.kind, MessageKind::System { kind: Some(kind), .. } if kind == "customer_identity_changed")
    );

    let new_user_id = only_message(parse_webhook(&messages_body(json!({"messages": [{
        "from_user_id": "US.OLD", "id": "wamid.sys", "timestamp": "1750000000", "type": "system",
        "system": {"body": "User changed", "user_id": "US.NEW", "type": "user_changed_user_id"}
    }]}))).unwrap());
    assert!(
        matches!(&new_user_id.kind, MessageKind::System { new_user_id: Some(id), .. } if id == "US.NEW")
    );
    assert_eq!(new_user_id.contact_key(), Some("US.OLD"));
}

#[test]
fn an_edit_names_the_original_and_its_new_text() {
    let edit = only_message(case("pywa_edited_message.json", "image"));
    assert_eq!(
        edit.kind,
        MessageKind::Edit {
            original_wamid: "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=".into(),
            new_text: Some("Updated image caption".into()),
        }
    );
    assert_eq!(
        edit.text_for_agent().as_deref(),
        Some("Updated image caption")
    );

    let text_edit = only_message(parse_webhook(&messages_body(json!({"messages": [{
        "from": "16505551234", "id": "wamid.e2", "timestamp": "1749854575", "type": "edit",
        "edit": {"original_message_id": "wamid.orig", "message": {"type": "text", "text": {"body": "2 pizzas, not 3"}}}
    }]}))).unwrap());
    assert!(
        matches!(&text_edit.kind, MessageKind::Edit { new_text: Some(text), .. } if text == "2 pizzas, not 3")
    );
}

#[test]
fn a_lone_contact_with_another_number_is_not_taken_for_the_sender() {
    // The pywa edit fixture pairs a sender of 16505551234 with a contact entry for 972987654321:
    // taking that entry's user id would file the message under someone else.
    let edit = only_message(case("pywa_edited_message.json", "image"));
    assert_eq!(edit.from.as_deref(), Some("16505551234"));
    assert_eq!(edit.user_id, None);
    assert_eq!(edit.profile_name, None);
    assert_eq!(edit.contact_key(), Some("16505551234"));
}

#[test]
fn a_revoke_names_the_deleted_message_and_is_not_answered() {
    let revoke = only_message(case("pywa_deleted_message.json", "revoke"));
    assert_eq!(
        revoke.kind,
        MessageKind::Revoke {
            original_wamid: "<ORIGINAL_WHATSAPP_MESSAGE_ID>".into()
        }
    );
    assert_eq!(revoke.text_for_agent(), None);
}

#[test]
fn unsupported_messages_keep_metas_reasons() {
    let plain = only_message(case("pywa_message.json", "unsupported"));
    let MessageKind::Unsupported { type_name, errors } = &plain.kind else {
        panic!("{:?}", plain.kind)
    };
    assert_eq!(type_name, &None);
    assert_eq!(errors[0].code, 131051);
    assert_eq!(
        errors[0].details.as_deref(),
        Some("Message type is currently not supported.")
    );
    assert_eq!(plain.text_for_agent(), None);

    let poll = only_message(case("pywa_message.json", "unsupported_with_type"));
    assert!(
        matches!(&poll.kind, MessageKind::Unsupported { type_name: Some(name), .. } if name == "pool")
    );

    // An interactive message without its payload, the reason given for the whole change.
    let batch = case("pywa_message.json", "interactive_message_with_err");
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].code, 131000);
    let broken = only_message(batch);
    let MessageKind::Unsupported { type_name, errors } = &broken.kind else {
        panic!("{:?}", broken.kind)
    };
    assert_eq!(type_name.as_deref(), Some("interactive"));
    assert_eq!(
        errors[0].details.as_deref(),
        Some("Unsupported webhook payload")
    );
}

#[test]
fn replies_and_forwards_carry_their_context() {
    let reply = only_message(case("pywa_message.json", "reply"))
        .context
        .unwrap();
    assert_eq!(reply.replied_to.as_deref(), Some("wamid.xyzxyz=="));
    assert_eq!(reply.replied_to_from.as_deref(), Some("972123456789"));
    assert!(!reply.forwarded);

    let forwarded = only_message(case("pywa_message.json", "forwarded"))
        .context
        .unwrap();
    assert!(forwarded.forwarded && !forwarded.frequently_forwarded);
    assert_eq!(forwarded.replied_to, None);
    let many = only_message(case("pywa_message.json", "forwarded_many_times"))
        .context
        .unwrap();
    assert!(many.frequently_forwarded);

    assert_eq!(
        only_message(case("pywa_message.json", "text")).context,
        None
    );

    let product = only_message(parse_webhook(&messages_body(json!({"messages": [{
        "from": "1555", "id": "wamid.p", "timestamp": "1700000000", "type": "text", "text": {"body": "Is it in stock?"},
        "context": {"from": "15550001111", "id": "wamid.catalog", "referred_product": {"catalog_id": "CAT", "product_retailer_id": "SKU-1"}}
    }]}))).unwrap());
    let referred = product.context.unwrap().referred_product.unwrap();
    assert_eq!(referred.product_retailer_id.as_deref(), Some("SKU-1"));
}

#[test]
fn click_to_whatsapp_referral_is_kept() {
    let message = only_message(case("pywa_message.json", "referral"));
    let referral = message.referral.unwrap();
    assert_eq!(referral.source_id.as_deref(), Some("ADID"));
    assert_eq!(referral.headline.as_deref(), Some("AD_TITLE"));
    assert_eq!(referral.ctwa_clid.as_deref(), Some("CTWA_CLID"));
    assert_eq!(
        message.kind,
        MessageKind::Text {
            body: "BODY".into()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Business-scoped user ids

#[test]
fn conversations_are_keyed_by_the_business_scoped_user_id_when_present() {
    let message = only_message(case("whatsapp-api-js_v25_incoming.json", ""));
    assert_eq!(message.user_id.as_deref(), Some("US.13491208655302741918"));
    assert_eq!(
        message.parent_user_id.as_deref(),
        Some("US.11815799212886844830")
    );
    assert_eq!(message.username.as_deref(), Some("@testusername"));
    assert_eq!(message.contact_key(), Some("US.13491208655302741918"));

    // The contact entry's user id counts too (pywa puts it there, not on the message).
    let from_contact = only_message(case("pywa_message.json", "text"));
    assert_eq!(from_contact.contact_key(), Some("US.13491208655302741918"));
    let from_message = only_message(case(
        "pywa_callback_button.json",
        "quick_reply_without_context",
    ));
    assert_eq!(
        from_message.user_id.as_deref(),
        Some("US.13491208655302741918")
    );
}

#[test]
fn a_customer_without_a_shared_phone_number_is_still_reachable() {
    let message = only_message(parse_webhook(&messages_body(json!({
        "contacts": [{"profile": {"name": "Ana", "username": "@ana"}, "user_id": "BR.1502576394655843"}],
        "messages": [{"from_user_id": "BR.1502576394655843", "id": "wamid.u", "timestamp": "1780000000",
                      "type": "text", "text": {"body": "oi"}}]
    })))
    .unwrap());
    assert_eq!(message.from, None);
    assert_eq!(message.contact_key(), Some("BR.1502576394655843"));
    assert_eq!(message.profile_name.as_deref(), Some("Ana"));
}

#[test]
fn without_a_user_id_the_phone_number_is_the_key() {
    let message = only_message(parse_webhook(&messages_body(json!({"messages": [{
        "from": "5511999990000", "id": "wamid.ph", "timestamp": 1700000000, "type": "text", "text": {"body": "hi"}
    }]}))).unwrap());
    assert_eq!(message.contact_key(), Some("5511999990000"));
    assert_eq!(
        message.timestamp, 1_700_000_000,
        "numeric timestamps are accepted too"
    );
}

#[test]
fn each_sender_in_a_batch_gets_their_own_profile() {
    let batch = parse_webhook(&messages_body(json!({
        "contacts": [
            {"profile": {"name": "Ana"}, "wa_id": "111", "user_id": "US.A"},
            {"profile": {"name": "Bea"}, "wa_id": "222", "user_id": "US.B"}
        ],
        "messages": [
            {"from": "222", "id": "wamid.1", "timestamp": "1", "type": "text", "text": {"body": "from Bea"}},
            {"from": "111", "id": "wamid.2", "timestamp": "2", "type": "text", "text": {"body": "from Ana"}}
        ]
    })))
    .unwrap();
    let keys: Vec<_> = batch
        .messages
        .iter()
        .map(|m| (m.contact_key().unwrap(), m.profile_name.as_deref().unwrap()))
        .collect();
    assert_eq!(keys, [("US.B", "Bea"), ("US.A", "Ana")]);
}

// ---------------------------------------------------------------------------------------------
// Statuses

#[test]
fn statuses_carry_pricing_and_conversation() {
    let sent = only_status(case("pywa_message_status.json", "sent"));
    assert_eq!(sent.status, DeliveryStatus::Sent);
    assert_eq!(sent.wamid, "wamid.xyzxyz");
    assert_eq!(sent.recipient_id.as_deref(), Some("972987654321"));
    assert_eq!(
        sent.conversation_id.as_deref(),
        Some("7270432eae37498234f4444b35ffc5")
    );
    let pricing = sent.pricing.unwrap();
    assert_eq!(pricing.billable, Some(true));
    assert_eq!(pricing.pricing_model.as_deref(), Some("CBP"));
    assert_eq!(pricing.category.as_deref(), Some("service"));

    let per_message = only_status(case("whatsapp-api-js_v25_sent.json", ""));
    let pricing = per_message.pricing.unwrap();
    assert_eq!(pricing.pricing_model.as_deref(), Some("PMP"));
    assert_eq!(pricing.kind.as_deref(), Some("regular"));
    assert_eq!(per_message.phone_number_id, "123456123");

    assert_eq!(
        only_status(case("pywa_message_status.json", "played")).status,
        DeliveryStatus::Played
    );
    let tracked = only_status(case("pywa_message_status.json", "with_tracker"));
    assert_eq!(tracked.callback_data.as_deref(), Some("some data"));
}

#[test]
fn failed_status_carries_metas_errors() {
    let failed = only_status(case("pywa_message_status.json", "failed"));
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!(failed.errors.len(), 1);
    let error = &failed.errors[0];
    assert_eq!(error.code, 130472);
    assert_eq!(
        error.title.as_deref(),
        Some("User's number is part of an experiment")
    );
    assert!(
        error
            .details
            .as_deref()
            .unwrap()
            .starts_with("Failed to send message")
    );
    assert!(
        error
            .href
            .as_deref()
            .unwrap()
            .starts_with("https://developers.facebook.com/")
    );
}

#[test]
fn status_recipient_user_ids_are_read_under_both_spellings() {
    let delivered = only_status(case("whatsapp-api-js_v25_delivered.json", ""));
    assert_eq!(
        delivered.recipient_user_id.as_deref(),
        Some("US.13491208655302741918")
    );
    assert_eq!(
        delivered.recipient_parent_user_id.as_deref(),
        Some("US.11815799212886844830")
    );

    let status = |extra: Value| {
        let mut status = json!({"id": "wamid.s", "status": "read", "timestamp": "1", "recipient_user_id": "US.R"});
        status
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        only_status(parse_webhook(&messages_body(json!({"statuses": [status]}))).unwrap())
    };
    let metas = status(json!({"recipient_parent_user_id": "US.ENT.1"}));
    assert_eq!(metas.recipient_parent_user_id.as_deref(), Some("US.ENT.1"));
    let both = status(
        json!({"recipient_parent_user_id": "US.ENT.1", "parent_recipient_user_id": "US.ENT.1"}),
    );
    assert_eq!(both.recipient_parent_user_id.as_deref(), Some("US.ENT.1"));
}

#[test]
fn status_without_its_own_user_id_takes_the_contacts() {
    let status = only_status(parse_webhook(&messages_body(json!({
        "contacts": [{"wa_id": "1555", "user_id": "US.C", "parent_user_id": "US.ENT.C"}],
        "statuses": [{"id": "wamid.s", "status": "delivered", "timestamp": "5", "recipient_id": "1555"}]
    })))
    .unwrap());
    assert_eq!(status.recipient_user_id.as_deref(), Some("US.C"));
    assert_eq!(status.recipient_parent_user_id.as_deref(), Some("US.ENT.C"));
}

/// The status a message ends with when the updates arrive in this order.
fn settle(arrivals: &[DeliveryStatus]) -> DeliveryStatus {
    let mut current = arrivals[0].clone();
    for next in &arrivals[1..] {
        if next.may_follow(&current) {
            current = next.clone();
        }
    }
    current
}

#[test]
fn statuses_only_move_forward_whatever_order_they_arrive_in() {
    use DeliveryStatus::*;
    assert_eq!(settle(&[Read, Delivered, Sent]), Read);
    assert_eq!(settle(&[Sent, Read, Delivered]), Read);
    assert_eq!(settle(&[Delivered, Played, Read]), Played);
    assert_eq!(settle(&[Sent, Sent, Delivered, Delivered]), Delivered);
    assert!(
        Sent.rank() < Delivered.rank()
            && Delivered.rank() < Read.rank()
            && Read.rank() < Played.rank()
    );
    assert!(!Read.may_follow(&Read), "a repeated status changes nothing");
}

#[test]
fn failed_is_final_and_may_follow_anything_else() {
    use DeliveryStatus::*;
    for previous in [Sent, Delivered, Read, Played, Other("warning".into())] {
        assert!(Failed.may_follow(&previous), "failed after {previous:?}");
    }
    for next in [
        Sent,
        Delivered,
        Read,
        Played,
        Failed,
        Other("deleted".into()),
    ] {
        assert!(!next.may_follow(&Failed), "{next:?} after failed");
    }
    assert_eq!(settle(&[Sent, Failed, Delivered, Read]), Failed);
}

#[test]
fn an_unknown_status_is_kept_but_moves_nothing() {
    let status = only_status(
        parse_webhook(&messages_body(json!({
            "statuses": [{"id": "wamid.s", "status": "held_for_quality", "timestamp": "5"}]
        })))
        .unwrap(),
    );
    assert_eq!(
        status.status,
        DeliveryStatus::Other("held_for_quality".into())
    );
    assert_eq!(status.status.as_str(), "held_for_quality");
    assert!(!status.status.may_follow(&DeliveryStatus::Sent));
    assert!(DeliveryStatus::Sent.may_follow(&status.status));
}

// ---------------------------------------------------------------------------------------------
// Tolerance and errors

#[test]
fn unknown_fields_and_unknown_message_types_are_not_fatal() {
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "brand_new_top_level": {"x": 1},
        "entry": [{"id": "WABA", "time": 1, "changes": [{"field": "messages", "added_later": [1, 2], "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "1", "phone_number_id": "PNID", "new_meta": true},
            "contacts": [{"profile": {"name": "A", "avatar": "x"}, "wa_id": "1555", "identity_key_hash": "h"}],
            "messages": [
                {"from": "1555", "id": "wamid.1", "timestamp": "1", "type": "poll_vote", "poll_vote": {"option": 2}},
                {"from": "1555", "id": "wamid.2", "timestamp": "2", "type": "interactive",
                 "interactive": {"type": "call_permission_reply", "call_permission_reply": {"response": "accept"}}},
                {"from": "1555", "id": "wamid.3", "timestamp": "3", "type": "text",
                 "text": {"body": "still here", "preview_url": false}, "group_id": "G1", "new_flag": [null]}
            ]
        }}]}]
    }))
    .unwrap();
    let batch = parse_webhook(&body).unwrap();
    let kinds: Vec<_> = batch.messages.iter().map(|m| m.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            MessageKind::Unknown {
                type_name: "poll_vote".into()
            },
            MessageKind::Unknown {
                type_name: "interactive.call_permission_reply".into()
            },
            MessageKind::Text {
                body: "still here".into()
            },
        ]
    );
    assert_eq!(batch.messages[0].text_for_agent(), None);
}

#[test]
fn other_subscribed_fields_are_skipped_and_named() {
    let batch = case("pywa_template_status_update.json", "rejected");
    assert!(batch.messages.is_empty() && batch.statuses.is_empty());
    assert_eq!(batch.ignored_fields, ["message_template_status_update"]);

    // Whatever shape another field's value has, it cannot fail the parse.
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [
            {"field": "calls", "value": {"messages": "not a list", "statuses": 7}},
            {"field": "calls", "value": null},
            {"field": "user_preferences", "value": {"user_preferences": [{"wa_id": "1", "value": "stop"}]}}
        ]}]
    }))
    .unwrap();
    assert_eq!(
        parse_webhook(&body).unwrap().ignored_fields,
        ["calls", "user_preferences"]
    );
}

#[test]
fn malformed_json_is_reported_with_line_and_column() {
    let body = b"{\n  \"object\": \"whatsapp_business_account\",\n  \"entry\": [\n    {\"id\": \"1\" \"changes\": []}\n  ]\n}";
    let error = parse_webhook(body).unwrap_err();
    let WebhookParseError::Json { line, column, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*line, *column), (4, 16));
    assert!(error.to_string().contains("line 4 column 16"), "{error}");

    assert!(matches!(
        parse_webhook(b""),
        Err(WebhookParseError::Json { line: 1, .. })
    ));
    assert!(matches!(
        parse_webhook(b"[1, 2]"),
        Err(WebhookParseError::Json { .. })
    ));
}

#[test]
fn a_body_that_is_not_a_whatsapp_webhook_is_refused() {
    let page = parse_webhook(br#"{"object": "page", "entry": []}"#).unwrap_err();
    assert!(
        matches!(&page, WebhookParseError::NotWhatsApp { object: Some(object) } if object == "page")
    );
    assert!(page.to_string().contains("page"));
    assert!(matches!(
        parse_webhook(br#"{"entry": []}"#),
        Err(WebhookParseError::NotWhatsApp { object: None })
    ));
}

#[test]
fn a_messages_change_of_the_wrong_shape_is_refused_with_its_position() {
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "A", "changes": [{"field": "messages", "value": {
                "metadata": {"phone_number_id": "P"}, "messages": []}}]},
            {"id": "B", "changes": [
                {"field": "account_update", "value": {}},
                {"field": "messages", "value": {"metadata": {"phone_number_id": "P"},
                    "messages": [{"id": 42, "timestamp": "1", "type": "text", "text": {"body": "x"}}]}}
            ]}
        ]
    }))
    .unwrap();
    let error = parse_webhook(&body).unwrap_err();
    assert!(
        matches!(
            error,
            WebhookParseError::InvalidChange {
                entry: 1,
                change: 1,
                ..
            }
        ),
        "{error:?}"
    );

    let no_business_number = messages_body(json!({}));
    let mut value: Value = serde_json::from_slice(&no_business_number).unwrap();
    value["entry"][0]["changes"][0]["value"] = json!({"messages": [
        {"from": "1", "id": "wamid.x", "timestamp": "1", "type": "text", "text": {"body": "x"}}
    ]});
    let error = parse_webhook(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert!(error.to_string().contains("phone_number_id"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Signatures

const SECRET: &[u8] = b"app-secret-from-meta";

#[test]
fn signature_matches_the_published_hmac_sha256_vector() {
    assert_eq!(
        sign(b"secret", b"test"),
        "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
    );
    // RFC 4231 test case 6: a key longer than SHA-256's block is hashed first.
    let long_key = [0xaa_u8; 131];
    assert_eq!(
        sign(
            &long_key,
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

#[test]
fn a_correctly_signed_body_is_accepted() {
    let body =
        std::fs::read(local_fixture_dir().join("whatsapp-api-js_v25_incoming.json")).unwrap();
    let header = sign(SECRET, &body);
    assert_eq!(verify_signature(SECRET, Some(&header), &body), Ok(()));
    assert_eq!(
        verify_signature(SECRET, Some(&format!("  {header}\t")), &body),
        Ok(()),
        "surrounding whitespace"
    );
}

#[test]
fn a_wrong_signature_is_a_mismatch_that_reveals_nothing() {
    let body =
        std::fs::read(local_fixture_dir().join("whatsapp-api-js_v25_incoming.json")).unwrap();
    let expected = sign(SECRET, &body);
    let other_secret = sign(b"someone-else", &body);
    let error = verify_signature(SECRET, Some(&other_secret), &body).unwrap_err();
    assert_eq!(error, SignatureError::Mismatch);
    let shown = error.to_string();
    assert!(
        !shown.contains(&expected["sha256=".len()..]) && !shown.contains(&expected[7..15]),
        "{shown}"
    );

    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        verify_signature(SECRET, Some(&expected), &tampered),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_missing_signature_is_refused() {
    assert_eq!(
        verify_signature(SECRET, None, b"{}"),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_signature(SECRET, Some("   "), b"{}"),
        Err(SignatureError::Missing)
    );
}

#[test]
fn a_malformed_signature_is_refused() {
    let good = sign(SECRET, b"{}");
    let hex = &good["sha256=".len()..];
    for header in [
        hex.to_owned(),                     // no scheme
        format!("sha1={hex}"),              // another scheme
        format!("sha256={}", &hex[..62]),   // too short
        format!("sha256={hex}00"),          // too long
        format!("sha256={}zz", &hex[..62]), // not hex
        "sha256=".to_owned(),
    ] {
        assert_eq!(
            verify_signature(SECRET, Some(&header), b"{}"),
            Err(SignatureError::Malformed),
            "{header}"
        );
    }
}

#[test]
fn the_same_json_serialized_differently_fails_the_signature() {
    let body =
        std::fs::read(local_fixture_dir().join("whatsapp-api-js_v25_incoming.json")).unwrap();
    let header = sign(SECRET, &body);
    let value: Value = serde_json::from_slice(&body).unwrap();
    let reserialized = serde_json::to_vec(&value).unwrap();
    assert_ne!(reserialized, body);
    assert_eq!(
        serde_json::from_slice::<Value>(&reserialized).unwrap(),
        value,
        "same JSON"
    );
    assert_eq!(
        verify_signature(SECRET, Some(&header), &reserialized),
        Err(SignatureError::Mismatch)
    );
}
