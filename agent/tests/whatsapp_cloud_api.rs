//! The outbound side of the WhatsApp Cloud API: the exact JSON of each message kind,
//! WhatsApp's limits, text splitting, and the client against a fake Cloud API over real
//! HTTP (retries, permanent errors, Retry-After, mark-as-read, media, throughput).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support_cloud_api/mod.rs"]
mod fake_cloud_api;

use charla_agent::whatsapp::cloud_api::{
    CloudApiClient, CloudApiConfig, ErrorClass, SendError, classify,
};
use charla_agent::whatsapp::outbound::{
    ListRow, ListSection, OutboundError, OutboundMessage, Outgoing, Recipient, ReplyButton,
    split_text,
};
use charla_agent::whatsapp::throughput::ThroughputLimiter;
use fake_cloud_api::{FakeCloudApi, TOKEN};
use serde_json::json;
use std::time::{Duration, Instant};

const NUMBER_ID: &str = "106540352242922";

fn phone() -> Recipient {
    Recipient::Phone("16505551234".into())
}

fn client_for(api: &FakeCloudApi) -> CloudApiClient {
    let mut config = CloudApiConfig::new(TOKEN);
    config.base_url = api.base_url();
    config.backoff_base = Duration::from_millis(1);
    config.backoff_max = Duration::from_secs(1);
    config.messages_per_second = 1000;
    CloudApiClient::new(config).unwrap()
}

fn hello() -> Outgoing {
    Outgoing::new(
        phone(),
        OutboundMessage::text("Hola, ¿en qué te ayudo?").unwrap(),
    )
}

// --- The exact request bodies -------------------------------------------------------------

#[test]
fn text_reply_is_metas_exact_body() {
    let outgoing =
        hello().in_reply_to("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
    assert_eq!(
        outgoing.to_request_json(),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "context": { "message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=" },
            "type": "text",
            "text": { "preview_url": false, "body": "Hola, ¿en qué te ayudo?" }
        })
    );
}

#[test]
fn business_scoped_user_id_goes_in_the_recipient_field() {
    let outgoing = Outgoing::new(
        Recipient::UserId("US.13491208655302741918".into()),
        OutboundMessage::text("Hi").unwrap(),
    );
    let body = outgoing.to_request_json();
    assert_eq!(body["recipient"], json!("US.13491208655302741918"));
    assert!(body.get("to").is_none(), "{body}");
}

#[test]
fn reply_buttons_are_metas_exact_body() {
    let message = OutboundMessage::buttons(
        "Which time suits you?",
        vec![
            ReplyButton::new("slot-10", "10:00"),
            ReplyButton::new("slot-12", "12:30"),
        ],
    )
    .unwrap();
    assert_eq!(
        Outgoing::new(phone(), message).to_request_json(),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": { "text": "Which time suits you?" },
                "action": { "buttons": [
                    { "type": "reply", "reply": { "id": "slot-10", "title": "10:00" } },
                    { "type": "reply", "reply": { "id": "slot-12", "title": "12:30" } }
                ] }
            }
        })
    );
}

#[test]
fn list_is_metas_exact_body() {
    let message = OutboundMessage::list(
        "Pick a shop",
        "Shops",
        vec![ListSection::new(
            Some("Barcelona".into()),
            vec![
                ListRow::new("gracia", "Gràcia").with_description("Carrer de Verdi 12"),
                ListRow::new("born", "Born"),
            ],
        )],
    )
    .unwrap();
    assert_eq!(
        Outgoing::new(phone(), message).to_request_json(),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": { "text": "Pick a shop" },
                "action": {
                    "button": "Shops",
                    "sections": [{
                        "title": "Barcelona",
                        "rows": [
                            { "id": "gracia", "title": "Gràcia", "description": "Carrer de Verdi 12" },
                            { "id": "born", "title": "Born" }
                        ]
                    }]
                }
            }
        })
    );
}

#[test]
fn template_is_metas_exact_body_with_parameters_and_without() {
    let with = OutboundMessage::template("order_ready", "es", vec!["Ana".into(), "A-1042".into()])
        .unwrap();
    assert_eq!(
        Outgoing::new(phone(), with).to_request_json(),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "template",
            "template": {
                "name": "order_ready",
                "language": { "code": "es" },
                "components": [{
                    "type": "body",
                    "parameters": [
                        { "type": "text", "text": "Ana" },
                        { "type": "text", "text": "A-1042" }
                    ]
                }]
            }
        })
    );
    let without = OutboundMessage::template("hello_world", "en_US", vec![]).unwrap();
    assert_eq!(
        Outgoing::new(phone(), without).to_request_json()["template"],
        json!({ "name": "hello_world", "language": { "code": "en_US" } })
    );
}

// --- Limits ----------------------------------------------------------------------------------

#[test]
fn long_text_is_split_at_paragraphs_then_sentences_then_words() {
    let paragraphs = "First paragraph here.\n\nSecond one is here.";
    assert_eq!(
        split_text(paragraphs, 30),
        vec!["First paragraph here.", "Second one is here."]
    );
    let sentences = "One sentence here. Another sentence there. A third.";
    assert_eq!(
        split_text(sentences, 45),
        vec!["One sentence here. Another sentence there.", "A third."]
    );
    let words = "supercalifragilistic words without any full stop at all";
    let parts = split_text(words, 25);
    assert_eq!(parts[0], "supercalifragilistic");
    assert!(parts.iter().all(|p| p.chars().count() <= 25), "{parts:?}");
    assert_eq!(
        parts.join(" "),
        words,
        "only the spaces at the cuts are dropped"
    );
    assert!(split_text("   \n ", 10).is_empty());
    assert_eq!(split_text("fits", 4096), vec!["fits"]);
}

#[test]
fn splitting_never_breaks_a_character_or_an_emoji() {
    // "é" as e + combining accent, and a family emoji of 7 code points: whole graphemes.
    let text = "e\u{301}".repeat(7) + "👨‍👩‍👧‍👦" + &"ñ".repeat(9);
    for limit in [8, 9, 10, 13] {
        let parts = split_text(&text, limit);
        assert_eq!(parts.concat(), text, "limit {limit}: nothing lost");
        for part in &parts {
            assert!(part.chars().count() <= limit, "limit {limit}: {part:?}");
            assert!(
                !part.starts_with('\u{301}') && !part.starts_with('\u{200d}'),
                "{part:?}"
            );
        }
    }
    // One grapheme longer than the limit is the only case cut inside it.
    let parts = split_text("👨‍👩‍👧‍👦", 3);
    assert_eq!(parts.concat(), "👨‍👩‍👧‍👦");
    assert!(parts.iter().all(|p| p.chars().count() <= 3));
}

#[test]
fn long_reply_becomes_several_texts_and_only_the_first_quotes() {
    let sentence = "Our return policy gives you thirty days to change your mind. ";
    let body = sentence.repeat(150); // ≈ 9,000 characters
    let messages = Outgoing::texts(phone(), &body, Some("wamid.IN".into()));
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0].reply_to.as_deref(), Some("wamid.IN"));
    assert!(messages[1..].iter().all(|m| m.reply_to.is_none()));
    for message in &messages {
        message.validate().unwrap();
        let OutboundMessage::Text { body, .. } = &message.message else {
            unreachable!()
        };
        assert!(body.chars().count() <= 4096);
        assert!(
            body.ends_with("mind."),
            "cut at a sentence end: {:?}",
            &body[body.len() - 20..]
        );
    }
    let too_long = OutboundMessage::text(body).unwrap_err();
    assert!(
        matches!(too_long, OutboundError::TooLong { limit: 4096, .. }),
        "{too_long}"
    );
}

#[test]
fn long_button_titles_are_shortened_and_duplicates_refused() {
    let message = OutboundMessage::buttons(
        "When?",
        vec![ReplyButton::new("a", "Tomorrow morning at the Gràcia shop")],
    )
    .unwrap();
    let OutboundMessage::Buttons { buttons, .. } = &message else {
        unreachable!()
    };
    assert_eq!(buttons[0].title, "Tomorrow morning at…");
    assert_eq!(buttons[0].title.chars().count(), 20);

    let same_after_shortening = OutboundMessage::buttons(
        "When?",
        vec![
            ReplyButton::new("a", "Tomorrow morning at nine"),
            ReplyButton::new("b", "Tomorrow morning at ten"),
        ],
    )
    .unwrap_err();
    assert!(matches!(
        same_after_shortening,
        OutboundError::Duplicate {
            what: "button titles",
            ..
        }
    ));
    let same_id = OutboundMessage::buttons(
        "When?",
        vec![ReplyButton::new("a", "Nine"), ReplyButton::new("a", "Ten")],
    )
    .unwrap_err();
    assert!(matches!(
        same_id,
        OutboundError::Duplicate {
            what: "button ids",
            ..
        }
    ));
}

#[test]
fn buttons_and_rows_are_counted() {
    let four: Vec<_> = (0..4)
        .map(|i| ReplyButton::new(format!("b{i}"), format!("Option {i}")))
        .collect();
    assert_eq!(
        OutboundMessage::buttons("Pick", four).unwrap_err(),
        OutboundError::Count {
            what: "reply buttons",
            count: 4,
            min: 1,
            max: 3
        }
    );
    assert!(OutboundMessage::buttons("Pick", vec![]).is_err());

    let rows = |n: usize, prefix: &str| -> Vec<ListRow> {
        (0..n)
            .map(|i| ListRow::new(format!("{prefix}{i}"), format!("Row {i}")))
            .collect()
    };
    let eleven = OutboundMessage::list(
        "Pick",
        "Open",
        vec![
            ListSection::new(Some("Morning".into()), rows(6, "m")),
            ListSection::new(Some("Afternoon".into()), rows(5, "a")),
        ],
    )
    .unwrap_err();
    assert_eq!(
        eleven,
        OutboundError::Count {
            what: "list rows",
            count: 11,
            min: 1,
            max: 10
        }
    );
    let untitled = OutboundMessage::list(
        "Pick",
        "Open",
        vec![
            ListSection::new(None, rows(2, "m")),
            ListSection::new(None, rows(2, "a")),
        ],
    )
    .unwrap_err();
    assert_eq!(untitled, OutboundError::MissingSectionTitle);
    let duplicate_row = OutboundMessage::list(
        "Pick",
        "Open",
        vec![
            ListSection::new(Some("Morning".into()), rows(2, "x")),
            ListSection::new(Some("Afternoon".into()), rows(2, "x")),
        ],
    )
    .unwrap_err();
    assert!(matches!(
        duplicate_row,
        OutboundError::Duplicate {
            what: "row ids",
            ..
        }
    ));
}

#[test]
fn list_labels_are_shortened_but_ids_and_bodies_are_not() {
    let message = OutboundMessage::list(
        "Pick a slot",
        "See every available slot",
        vec![ListSection::new(
            Some("Thursday the twelfth of March".into()),
            vec![ListRow::new("slot-1", "10:00 with Marta at the Gràcia shop")
                .with_description("Haircut and styling, 45 minutes, with our senior stylist Marta, who speaks English")],
        )],
    )
    .unwrap();
    let OutboundMessage::List {
        button, sections, ..
    } = &message
    else {
        unreachable!()
    };
    assert_eq!(button.chars().count(), 20);
    assert!(button.ends_with('…'));
    assert!(sections[0].title.as_ref().unwrap().chars().count() <= 24);
    let row = &sections[0].rows[0];
    assert_eq!(row.id, "slot-1");
    assert!(row.title.chars().count() <= 24 && row.title.ends_with('…'));
    assert!(row.description.as_ref().unwrap().chars().count() <= 72);

    let long_body = "x".repeat(1025);
    assert_eq!(
        OutboundMessage::buttons(long_body, vec![ReplyButton::new("a", "A")]).unwrap_err(),
        OutboundError::TooLong {
            field: "message body",
            chars: 1025,
            limit: 1024
        }
    );
    let long_id = OutboundMessage::list(
        "Pick",
        "Open",
        vec![ListSection::new(
            None,
            vec![ListRow::new("i".repeat(201), "Row")],
        )],
    );
    assert!(matches!(
        long_id,
        Err(OutboundError::TooLong {
            field: "row id",
            ..
        })
    ));
}

#[test]
fn template_parameter_with_a_line_break_is_refused_with_its_position() {
    let error =
        OutboundMessage::template("order_ready", "es", vec!["Ana".into(), "A-1042\nB".into()])
            .unwrap_err();
    assert_eq!(error, OutboundError::TemplateParameter { position: 2 });
}

#[test]
fn recipient_must_be_a_phone_number_or_a_user_id() {
    assert!(
        Recipient::Phone("+34 600 000 000".into())
            .validate()
            .is_err()
    );
    assert!(Recipient::Phone("34600000000".into()).validate().is_ok());
    assert!(Recipient::Phone("+34600000000".into()).validate().is_ok());
    assert!(Recipient::UserId("US.134912".into()).validate().is_ok());
    assert!(Recipient::UserId("".into()).validate().is_err());
}

#[test]
fn errors_are_classified_the_way_meta_documents_them() {
    for code in [130_429, 131_056, 131_000, 131_016, 4, 80_007, 2] {
        assert_eq!(classify(400, Some(code)), ErrorClass::Retry, "code {code}");
    }
    for code in [
        131_047, 131_026, 132_000, 132_012, 368, 131_049, 131_051, 131_052, 100, 190, 10, 200,
    ] {
        assert_eq!(
            classify(400, Some(code)),
            ErrorClass::Permanent,
            "code {code}"
        );
        assert_eq!(
            classify(500, Some(code)),
            ErrorClass::Permanent,
            "code {code} even with 500"
        );
    }
    assert_eq!(classify(429, None), ErrorClass::Retry);
    assert_eq!(classify(503, None), ErrorClass::Retry);
    assert_eq!(
        classify(500, Some(1)),
        ErrorClass::Retry,
        "code 1 follows the status"
    );
    assert_eq!(classify(400, Some(1)), ErrorClass::Permanent);
    assert_eq!(classify(404, None), ErrorClass::Permanent);
}

// --- The client over HTTP -------------------------------------------------------------------

#[tokio::test]
async fn send_reaches_the_api_with_the_token_and_returns_the_wamid() {
    let api = FakeCloudApi::start().await;
    let client = client_for(&api);
    let outgoing = hello().in_reply_to("wamid.IN");
    let sent = client.send(NUMBER_ID, &outgoing).await.unwrap();
    assert_eq!(sent.wamid, "wamid.1");
    let requests = api.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, format!("/v25.0/{NUMBER_ID}/messages"));
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer test-access-token")
    );
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(api.sent(), vec![outgoing.to_request_json()]);
}

#[tokio::test]
async fn throughput_error_is_retried_until_it_goes_through() {
    let api = FakeCloudApi::start().await;
    api.fail_next(2, 429, 130_429);
    let sent = client_for(&api)
        .send_with_retry(NUMBER_ID, &hello())
        .await
        .unwrap();
    assert_eq!(sent.wamid, "wamid.1");
    let attempts = api.requests();
    assert_eq!(attempts.len(), 3, "two refusals and the success");
    assert_eq!(
        attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 429, 200]
    );
    assert!(attempts.iter().all(|r| r.body == hello().to_request_json()));
    assert_eq!(api.sent().len(), 1);
}

#[tokio::test]
async fn message_outside_the_window_is_not_retried_and_says_why() {
    let api = FakeCloudApi::start().await;
    api.fail_next(1, 400, 131_047);
    let failure = client_for(&api)
        .send_with_retry(NUMBER_ID, &hello())
        .await
        .unwrap_err();
    assert_eq!(failure.attempts, 1);
    assert_eq!(api.requests().len(), 1);
    let SendError::Permanent {
        code,
        title,
        message,
    } = &failure.error
    else {
        panic!("expected a permanent error, got {failure:?}");
    };
    assert_eq!(*code, Some(131_047));
    assert_eq!(title, "Re-engagement message");
    assert!(message.contains("more than 24 hours"), "{message}");
    assert!(failure.to_string().contains("131047"), "{failure}");
}

#[tokio::test]
async fn retry_after_is_waited_before_the_next_attempt() {
    let api = FakeCloudApi::start().await;
    api.fail_next_with_retry_after(1, 429, 130_429, Duration::from_millis(300));
    client_for(&api)
        .send_with_retry(NUMBER_ID, &hello())
        .await
        .unwrap();
    let requests = api.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    assert!(
        waited >= Duration::from_millis(300),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(2), "waited {waited:?}");
}

#[tokio::test]
async fn retries_stop_after_the_last_attempt_and_stay_retryable() {
    let api = FakeCloudApi::start().await;
    api.fail_next(10, 500, 131_000);
    let mut config = CloudApiConfig::new(TOKEN);
    config.base_url = api.base_url();
    config.backoff_base = Duration::from_millis(1);
    config.max_attempts = 3;
    let failure = CloudApiClient::new(config)
        .unwrap()
        .send_with_retry(NUMBER_ID, &hello())
        .await
        .unwrap_err();
    assert_eq!(failure.attempts, 3);
    assert_eq!(api.requests().len(), 3);
    assert!(failure.error.is_retryable(), "{failure:?}");
    assert_eq!(failure.error.code(), Some(131_000));
}

#[tokio::test]
async fn unreachable_api_is_a_transport_error_and_is_retried() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = CloudApiConfig::new(TOKEN);
    config.base_url = format!("http://127.0.0.1:{port}/v25.0");
    config.backoff_base = Duration::from_millis(1);
    config.max_attempts = 2;
    let failure = CloudApiClient::new(config)
        .unwrap()
        .send_with_retry(NUMBER_ID, &hello())
        .await
        .unwrap_err();
    assert_eq!(failure.attempts, 2);
    assert!(
        matches!(failure.error, SendError::Transport(_)),
        "{failure:?}"
    );
}

#[tokio::test]
async fn wrong_token_is_refused_for_good() {
    let api = FakeCloudApi::start().await;
    let mut config = CloudApiConfig::new("someone-elses-token");
    config.base_url = api.base_url();
    let failure = CloudApiClient::new(config)
        .unwrap()
        .send_with_retry(NUMBER_ID, &hello())
        .await
        .unwrap_err();
    assert_eq!(failure.attempts, 1);
    assert_eq!(failure.error.code(), Some(190));
    assert!(!failure.error.is_retryable());
}

#[tokio::test]
async fn invalid_message_is_refused_before_any_request() {
    let api = FakeCloudApi::start().await;
    let outgoing = Outgoing::new(
        phone(),
        OutboundMessage::Buttons {
            body: "Pick".into(),
            buttons: vec![],
        },
    );
    let failure = client_for(&api)
        .send_with_retry(NUMBER_ID, &outgoing)
        .await
        .unwrap_err();
    assert_eq!(failure.attempts, 0);
    assert!(matches!(
        failure.error,
        SendError::Invalid(OutboundError::Count { .. })
    ));
    assert!(api.requests().is_empty());
}

#[tokio::test]
async fn mark_read_with_typing_indicator_is_metas_exact_body() {
    let api = FakeCloudApi::start().await;
    let client = client_for(&api);
    client.mark_read(NUMBER_ID, "wamid.IN", true).await.unwrap();
    client
        .mark_read(NUMBER_ID, "wamid.IN2", false)
        .await
        .unwrap();
    assert_eq!(
        api.read_marks(),
        vec![
            json!({
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": "wamid.IN",
                "typing_indicator": { "type": "text" }
            }),
            json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN2" }),
        ]
    );
    assert!(api.sent().is_empty(), "a read mark is not a message");
}

#[tokio::test]
async fn media_is_downloaded_with_its_type_and_the_token() {
    let api = FakeCloudApi::start().await;
    let voice_note = b"OggS\x00\x02fake opus bytes".to_vec();
    api.add_media("1013859600285441", &voice_note, "audio/ogg; codecs=opus");
    let client = client_for(&api);
    let media = client.media("1013859600285441").await.unwrap();
    assert_eq!(media.bytes, voice_note);
    assert_eq!(media.mime_type, "audio/ogg; codecs=opus");
    let requests = api.requests();
    assert_eq!(requests.len(), 2, "the media URL, then the file");
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer test-access-token"))
    );

    let missing = client.media("999").await.unwrap_err();
    assert!(
        matches!(
            missing,
            SendError::Permanent {
                code: Some(100),
                ..
            }
        ),
        "{missing:?}"
    );
    assert!(
        client.media("../me").await.is_err(),
        "an id cannot change the path"
    );
}

#[tokio::test]
async fn fake_api_wait_for_returns_once_enough_messages_arrived() {
    let api = FakeCloudApi::start().await;
    let client = client_for(&api);
    let sender = tokio::spawn(async move {
        for _ in 0..3 {
            client.send(NUMBER_ID, &hello()).await.unwrap();
        }
    });
    let sent = api.wait_for(3, Duration::from_secs(5)).await;
    assert_eq!(sent.len(), 3);
    sender.await.unwrap();
}

// --- Throughput ------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn two_hundred_sends_at_80_per_second_take_two_and_a_half_seconds() {
    let limiter = ThroughputLimiter::new(80);
    let start = tokio::time::Instant::now();
    for _ in 0..200 {
        limiter.acquire(NUMBER_ID).await;
    }
    let took = start.elapsed();
    // Evenly spaced, 12.5 ms apart: the 200th send goes 199 intervals after the first.
    // (tokio's timer rounds up to whole milliseconds, never down).
    let spaced = Duration::from_micros(12_500) * 199;
    assert!(
        took >= spaced && took <= spaced + Duration::from_millis(1),
        "{took:?}"
    );

    // Another business number has its own slots.
    let other = tokio::time::Instant::now();
    limiter.acquire("another-number").await;
    assert_eq!(other.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn concurrent_senders_share_one_numbers_rate() {
    let limiter = std::sync::Arc::new(ThroughputLimiter::new(80));
    let start = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    limiter.acquire(NUMBER_ID).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let took = start.elapsed();
    let spaced = Duration::from_micros(12_500) * 79;
    assert!(
        took >= spaced && took <= spaced + Duration::from_millis(1),
        "{took:?}"
    );
}

#[tokio::test]
async fn client_sends_never_exceed_the_numbers_rate() {
    let api = FakeCloudApi::start().await;
    let mut config = CloudApiConfig::new(TOKEN);
    config.base_url = api.base_url();
    config.messages_per_second = 100;
    let client = CloudApiClient::new(config).unwrap();
    let start = Instant::now();
    for _ in 0..21 {
        client.send(NUMBER_ID, &hello()).await.unwrap();
    }
    let took = start.elapsed();
    // Slots are 10 ms apart from the first send: the 21st goes 200 ms after it.
    assert!(
        took >= Duration::from_millis(200),
        "21 sends at 100/s took only {took:?}"
    );
    assert_eq!(api.sent().len(), 21);
}
