//! The offline model's replies: every kind in every language, snapshot-tested one file per
//! kind with the languages side by side, so a translation is reviewed next to the others.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use charla_prompts::{
    BookingDetails, BookingFailure, Language, MissingInfo, Price, ProductItem, Prompts, Reply,
    ReplyKind, Slot, TeamAvailability, TicketState, embedded_templates,
};

fn slot(date: &str, time: &str) -> Slot {
    Slot {
        date: date.into(),
        time: time.into(),
    }
}

/// Velora's service names as the caller passes them: already in the customer's language.
fn service(language: Language, id: &str) -> String {
    let names = match id {
        "full" => [
            "Full service",
            "Revisión completa",
            "Tagliando completo",
            "Revisão completa",
        ],
        "basic" => [
            "Basic service",
            "Revisión básica",
            "Tagliando base",
            "Revisão básica",
        ],
        "puncture" => [
            "Puncture repair",
            "Reparación de pinchazo",
            "Riparazione foratura",
            "Reparação de furo",
        ],
        _ => [
            "Bike fitting",
            "Estudio biomecánico (bike fitting)",
            "Bike fitting",
            "Bike fitting",
        ],
    };
    let position = Language::ALL
        .iter()
        .position(|candidate| *candidate == language)
        .unwrap();
    names[position].to_string()
}

fn booking(language: Language) -> BookingDetails {
    BookingDetails {
        booking_id: "BK-7Q2M".into(),
        service: service(language, "full"),
        date: "2027-04-15".into(),
        time: "10:30".into(),
        location: "Velora Cycles Barcelona".into(),
        address: Some("Carrer de Pujades 118, 08005 Barcelona".into()),
    }
}

/// Example replies of `kind`, one per template branch worth seeing, with a label each.
/// The match is exhaustive, so a new kind cannot go untested.
fn samples(kind: ReplyKind, language: Language) -> Vec<(&'static str, Reply)> {
    match kind {
        ReplyKind::Greeting => vec![
            ("with name", Reply::Greeting { business_name: "Velora Cycles".into(), customer_name: Some("Marta".into()) }),
            ("without name", Reply::Greeting { business_name: "Velora Cycles".into(), customer_name: None }),
        ],
        ReplyKind::ProductResults => vec![
            (
                "three products",
                Reply::ProductResults {
                    query: "kids helmet".into(),
                    items: vec![
                        ProductItem {
                            name: "Kids Helmet Sprout S".into(),
                            price: Some(Price::new(34.9, "EUR")),
                            stock: Some(9),
                            url: Some("https://velora.example/p/kids-helmet-sprout-s".into()),
                        },
                        ProductItem {
                            name: "Kids Helmet Sprout XS".into(),
                            price: Some(Price::new(34.9, "EUR")),
                            stock: Some(0),
                            url: Some("https://velora.example/p/kids-helmet-sprout-xs".into()),
                        },
                        ProductItem {
                            name: "Urban E-Bike Metro 500".into(),
                            price: Some(Price::new(2499.0, "EUR")),
                            stock: Some(1),
                            url: None,
                        },
                    ],
                },
            ),
            (
                "no price, stock or query",
                Reply::ProductResults {
                    query: String::new(),
                    items: vec![ProductItem { name: "Gift card".into(), price: None, stock: None, url: None }],
                },
            ),
            ("empty list", Reply::ProductResults { query: "tandem".into(), items: vec![] }),
        ],
        ReplyKind::NoProductResults => vec![("with query", Reply::NoProductResults { query: "tandem".into() })],
        ReplyKind::SourceAnswer => vec![
            (
                "policy",
                Reply::SourceAnswer {
                    source: "returns policy".into(),
                    text: "You can return any product within 30 days of delivery without giving a reason.\n".into(),
                    original_language: None,
                },
            ),
            (
                "policy published in English only",
                Reply::SourceAnswer {
                    source: "returns policy".into(),
                    text: "You can return any product within 30 days of delivery without giving a reason.\n".into(),
                    original_language: Some("en".into()),
                },
            ),
            (
                "policy in a language without a name",
                Reply::SourceAnswer {
                    source: "returns policy".into(),
                    text: "Retourner sous 30 jours.".into(),
                    original_language: Some("fr".into()),
                },
            ),
        ],
        ReplyKind::DontKnow => vec![("", Reply::DontKnow)],
        ReplyKind::TicketCreated => vec![("", Reply::TicketCreated { ticket_id: "T-1042".into() })],
        ReplyKind::TicketStatus => [
            TicketState::Open,
            TicketState::InProgress,
            TicketState::WaitingOnCustomer,
            TicketState::Resolved,
            TicketState::Closed,
        ]
        .into_iter()
        .map(|status| {
            let note = (status == TicketState::InProgress).then(|| "Replacement helmet shipped with GLS.".to_string());
            let label = match status {
                TicketState::Open => "open",
                TicketState::InProgress => "in progress, with a note",
                TicketState::WaitingOnCustomer => "waiting on customer",
                TicketState::Resolved => "resolved",
                TicketState::Closed => "closed",
            };
            (label, Reply::TicketStatus { ticket_id: "T-1042".into(), status, note })
        })
        .collect(),
        ReplyKind::AvailabilityOffer => vec![
            (
                "three slots",
                Reply::AvailabilityOffer {
                    service: service(language, "full"),
                    location: Some("Velora Cycles Barcelona".into()),
                    slots: vec![slot("2027-04-15", "10:00"), slot("2027-04-15", "16:30"), slot("2027-04-16", "11:00")],
                },
            ),
            (
                "no slots",
                Reply::AvailabilityOffer { service: service(language, "fitting"), location: None, slots: vec![] },
            ),
        ],
        ReplyKind::AskMissingInfo => [
            MissingInfo::Service,
            MissingInfo::Location,
            MissingInfo::Date,
            MissingInfo::Time,
            MissingInfo::Name,
            MissingInfo::Email,
            MissingInfo::OrderNumber,
            MissingInfo::BookingReference,
            MissingInfo::Description,
        ]
        .into_iter()
        .map(|missing| {
            let options = match missing {
                MissingInfo::Service => ["basic", "full", "puncture"].map(|id| service(language, id)).to_vec(),
                MissingInfo::Location => vec!["Velora Cycles Barcelona".into(), "Velora Cycles Milano".into()],
                MissingInfo::BookingReference => vec!["B-000042 · 2027-04-15 10:00".into(), "B-000043 · 2027-04-20 16:30".into()],
                _ => vec![],
            };
            let label = match missing {
                MissingInfo::Service => "service, with options",
                MissingInfo::Location => "location, with options",
                MissingInfo::Date => "date",
                MissingInfo::Time => "time",
                MissingInfo::Name => "name",
                MissingInfo::Email => "email",
                MissingInfo::OrderNumber => "order number",
                MissingInfo::BookingReference => "booking reference, with options",
                MissingInfo::Description => "description",
            };
            (label, Reply::AskMissingInfo { missing, options })
        })
        .collect(),
        ReplyKind::BookingConfirmed => vec![
            (
                "with notice period",
                Reply::BookingConfirmed { booking: booking(language), cancellation_notice_hours: Some(24) },
            ),
            (
                "without address or notice period",
                Reply::BookingConfirmed {
                    booking: BookingDetails { address: None, ..booking(language) },
                    cancellation_notice_hours: None,
                },
            ),
        ],
        ReplyKind::BookingCancelled => vec![
            (
                "in time",
                Reply::BookingCancelled {
                    booking: booking(language),
                    late_fee: None,
                    cancellation_notice_hours: Some(24),
                },
            ),
            (
                "late, with a fee",
                Reply::BookingCancelled {
                    booking: booking(language),
                    late_fee: Some(Price::new(15.0, "EUR")),
                    cancellation_notice_hours: Some(24),
                },
            ),
        ],
        ReplyKind::BookingFailed => vec![
            (
                "slot taken, with alternatives",
                Reply::BookingFailed {
                    service: service(language, "full"),
                    reason: BookingFailure::SlotTaken,
                    alternatives: vec![slot("2027-04-15", "12:00"), slot("2027-04-19", "10:00")],
                },
            ),
            (
                "unavailable, no alternatives",
                Reply::BookingFailed {
                    service: service(language, "full"),
                    reason: BookingFailure::Unavailable,
                    alternatives: vec![],
                },
            ),
        ],
        ReplyKind::HandoffAnnouncement => vec![
            ("team online", Reply::HandoffAnnouncement { team: TeamAvailability::Online }),
            ("team offline", Reply::HandoffAnnouncement { team: TeamAvailability::Offline }),
        ],
        ReplyKind::BotBack => vec![("", Reply::BotBack)],
        ReplyKind::OptOutConfirmed => vec![("", Reply::OptOutConfirmed)],
        ReplyKind::OptInConfirmed => vec![("", Reply::OptInConfirmed)],
        ReplyKind::Goodbye => vec![("", Reply::Goodbye)],
        ReplyKind::OutOfScope => vec![("", Reply::OutOfScope { business_name: "Velora Cycles".into() })],
        ReplyKind::GenericError => vec![("", Reply::GenericError)],
    }
}

#[test]
fn every_reply_kind_in_every_language() {
    let prompts = Prompts::embedded();
    for &kind in ReplyKind::ALL {
        let mut document = String::new();
        let sample_count = samples(kind, Language::English).len();
        for index in 0..sample_count {
            for language in Language::ALL {
                let (label, reply) = samples(kind, language).swap_remove(index);
                assert_eq!(
                    reply.kind(),
                    kind,
                    "sample {label:?} of {kind:?} is another kind"
                );
                let rendered = prompts.render_reply(language.code(), &reply).unwrap();
                let heading = if label.is_empty() {
                    language.code().to_string()
                } else {
                    format!("{} ({label})", language.code())
                };
                document.push_str(&format!("=== {heading}\n{rendered}\n\n"));
            }
        }
        insta::assert_snapshot!(kind.name(), document.trim_end());
    }
}

#[test]
fn every_language_has_its_own_template_for_every_reply_kind() {
    let prompts = Prompts::embedded();
    let names: Vec<&str> = embedded_templates().map(|(name, _)| name).collect();
    for &kind in ReplyKind::ALL {
        let english_samples = samples(kind, Language::English);
        for (index, (label, english_reply)) in english_samples.iter().enumerate() {
            let english = prompts.render_reply("en", english_reply).unwrap();
            for language in Language::ALL {
                let (_, reply) = samples(kind, language).swap_remove(index);
                let template = format!("replies/{}/{}.jinja", language.code(), kind.name());
                assert!(
                    names.contains(&template.as_str()),
                    "{template} is not built in"
                );
                let rendered = prompts.render_reply(language.code(), &reply).unwrap();
                assert!(
                    !rendered.trim().is_empty(),
                    "{template} ({label}) renders nothing"
                );
                assert!(
                    !rendered.contains("{{") && !rendered.contains("{%"),
                    "{template} leaks template syntax"
                );
                assert!(
                    rendered.lines().all(|line| line == line.trim_end()),
                    "{template} leaves trailing spaces"
                );
                assert!(
                    !rendered.contains("\n\n\n"),
                    "{template} ({label}) leaves a run of blank lines"
                );
                // WhatsApp's limit for a text message.
                assert!(
                    rendered.chars().count() <= 4096,
                    "{template} is too long for WhatsApp"
                );
                if language != Language::English {
                    // The same payload, so only the template can make the difference.
                    let same_payload = prompts
                        .render_reply(language.code(), english_reply)
                        .unwrap();
                    assert_ne!(
                        same_payload, english,
                        "{template} ({label}) is not translated"
                    );
                }
            }
        }
    }
}

#[test]
fn a_language_without_templates_gets_english() {
    let prompts = Prompts::embedded();
    let reply = Reply::TicketCreated {
        ticket_id: "T-1".into(),
    };
    let english = prompts.render_reply("en", &reply).unwrap();
    assert_eq!(prompts.render_reply("fr", &reply).unwrap(), english);
    assert_eq!(prompts.render_reply("und", &reply).unwrap(), english);
    assert_eq!(prompts.render_reply("", &reply).unwrap(), english);
}

#[test]
fn a_regional_code_gets_its_language() {
    let prompts = Prompts::embedded();
    let reply = Reply::Goodbye;
    assert_eq!(
        prompts.render_reply("es-ES", &reply).unwrap(),
        prompts.render_reply("es", &reply).unwrap()
    );
    assert_eq!(
        prompts.render_reply("PT_pt", &reply).unwrap(),
        prompts.render_reply("pt", &reply).unwrap()
    );
}

#[test]
fn prices_in_product_results_follow_the_customers_language() {
    let prompts = Prompts::embedded();
    let reply = Reply::ProductResults {
        query: "service".into(),
        items: vec![ProductItem {
            name: "Full service".into(),
            price: Some(Price::new(45.0, "EUR")),
            stock: None,
            url: None,
        }],
    };
    assert!(
        prompts
            .render_reply("en", &reply)
            .unwrap()
            .contains("€45.00")
    );
    for code in ["es", "it", "pt"] {
        let rendered = prompts.render_reply(code, &reply).unwrap();
        assert!(rendered.contains("45,00 €"), "{code}: {rendered}");
    }
}

#[test]
fn an_empty_product_list_reads_as_no_results() {
    let prompts = Prompts::embedded();
    for language in Language::ALL {
        let empty = Reply::ProductResults {
            query: "tandem".into(),
            items: vec![],
        };
        let none = Reply::NoProductResults {
            query: "tandem".into(),
        };
        assert_eq!(
            prompts.render_reply(language.code(), &empty).unwrap(),
            prompts.render_reply(language.code(), &none).unwrap()
        );
    }
}

#[test]
fn offered_slots_are_numbered_with_localised_dates() {
    let prompts = Prompts::embedded();
    let reply = Reply::AvailabilityOffer {
        service: "Revisión completa".into(),
        location: None,
        slots: vec![slot("2027-04-15", "10:00"), slot("2027-04-16", "11:30")],
    };
    let rendered = prompts.render_reply("es", &reply).unwrap();
    assert!(
        rendered.contains("1. jueves 15 de abril a las 10:00"),
        "{rendered}"
    );
    assert!(
        rendered.contains("2. viernes 16 de abril a las 11:30"),
        "{rendered}"
    );
}

#[test]
fn a_price_that_is_not_a_number_fails_the_reply_instead_of_showing_zero() {
    let reply = Reply::ProductResults {
        query: String::new(),
        items: vec![ProductItem {
            name: "Helmet".into(),
            price: Some(Price::new(f64::NAN, "EUR")),
            stock: None,
            url: None,
        }],
    };
    let error = Prompts::embedded().render_reply("es", &reply).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("replies/es/product_results.jinja"),
        "{error}"
    );
}
