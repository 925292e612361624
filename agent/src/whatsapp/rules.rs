//! The rules WhatsApp and the law impose at send time, as pure functions:
//!
//! - the 24-hour customer service window: free-form messages only within 24 hours of the
//!   contact's last message; outside it, an approved utility template takes their place (the
//!   business's re-engagement template in the contact's language), or nothing is sent;
//! - marketing consent: a marketing template only to a contact with a recorded opt-in;
//! - the opt-out and opt-in keywords customers send (STOP, BAJA, ANNULLA, PARAR...).

use super::outbox::{OutboxItem, OutboxMessage, SendCategory};
use super::store::{Consent, ContactState};
use charla_tools::business::{Template, TemplateCategory};

/// The customer service window, in seconds.
pub const WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// What to do with a queued message now.
#[derive(Debug, Clone, PartialEq)]
pub enum SendDecision {
    /// Send this (the queued message, or the template that replaces it, with a note saying so).
    Send {
        /// What to send.
        message: OutboxMessage,
        /// Why it differs from what was queued, if it does.
        replaced: Option<String>,
    },
    /// Do not send; the reason is recorded on the message.
    Refuse(String),
}

/// Whether the contact's window is open at `now` (Unix seconds).
pub fn window_open(contact: Option<&ContactState>, now: i64) -> bool {
    contact
        .and_then(|c| c.last_inbound_at)
        .is_some_and(|last| now - last < WINDOW_SECONDS)
}

/// Applies the window and consent rules to `item` for a contact whose language is
/// `language` (ISO 639-1), with the business's approved `templates`.
pub fn decide(
    item: &OutboxItem,
    contact: Option<&ContactState>,
    templates: &[Template],
    language: &str,
    now: i64,
) -> SendDecision {
    let marketing = match &item.message {
        OutboxMessage::Template { name, .. } => {
            let Some(template) = templates.iter().find(|t| &t.name == name) else {
                return SendDecision::Refuse(format!(
                    "template_not_approved: {name} is not in business.toml"
                ));
            };
            template.category == TemplateCategory::Marketing
                || item.category == SendCategory::Marketing
        }
        _ => item.category == SendCategory::Marketing,
    };
    if marketing && contact.and_then(|c| c.marketing) != Some(Consent::OptedIn) {
        return SendDecision::Refuse(
            "no_marketing_opt_in: the contact has not opted in to marketing messages".into(),
        );
    }
    if !item.message.is_free_form() || window_open(contact, now) {
        return SendDecision::Send {
            message: item.message.clone(),
            replaced: None,
        };
    }
    match reengagement_template(templates, language) {
        Some(template) => {
            let first_name = contact
                .and_then(|c| c.profile_name.as_deref())
                .and_then(|n| n.split_whitespace().next())
                .unwrap_or_default()
                .to_string();
            let parameters = template
                .parameters
                .iter()
                .map(|p| {
                    if p.contains("name") {
                        first_name.clone()
                    } else {
                        String::new()
                    }
                })
                .collect();
            SendDecision::Send {
                message: OutboxMessage::Template {
                    name: template.name.clone(),
                    language: template.language.clone(),
                    parameters,
                },
                replaced: Some(format!(
                    "window_closed: sent template {} instead",
                    template.name
                )),
            }
        }
        None => SendDecision::Refuse(
            "window_closed: outside the 24-hour window and no utility template is approved".into(),
        ),
    }
}

/// The utility template that reopens a conversation in `language`: one whose locale is that
/// language, preferring one named for re-engagement; else the first utility template.
pub fn reengagement_template<'t>(
    templates: &'t [Template],
    language: &str,
) -> Option<&'t Template> {
    let utility: Vec<&Template> = templates
        .iter()
        .filter(|t| t.category == TemplateCategory::Utility)
        .collect();
    let in_language = |t: &&Template| t.language.split(['_', '-']).next() == Some(language);
    utility
        .iter()
        .find(|t| in_language(t) && t.name.contains("reengage"))
        .or_else(|| utility.iter().find(|t| in_language(t)))
        .or_else(|| utility.iter().find(|t| t.name.contains("reengage")))
        .or_else(|| utility.first())
        .copied()
}

/// What a keyword message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordRequest {
    /// Stop marketing messages; the language the keyword belongs to.
    OptOut(&'static str),
    /// Receive them again.
    OptIn(&'static str),
}

/// Keywords that opt out, by language (matched on the whole message, case and accents
/// ignored, so "stop" inside a sentence is not one).
const OPT_OUT: &[(&str, &str)] = &[
    ("stop", "en"),
    ("unsubscribe", "en"),
    ("stop all", "en"),
    ("opt out", "en"),
    ("baja", "es"),
    ("darme de baja", "es"),
    ("parar", "es"),
    ("cancelar suscripcion", "es"),
    ("no mas mensajes", "es"),
    ("annulla", "it"),
    ("disiscrivimi", "it"),
    ("basta messaggi", "it"),
    ("cancellami", "it"),
    ("parar mensagens", "pt"),
    ("cancelar inscricao", "pt"),
    ("sair", "pt"),
    ("pare", "pt"),
];

/// Keywords that opt back in.
const OPT_IN: &[(&str, &str)] = &[
    ("start", "en"),
    ("subscribe", "en"),
    ("unstop", "en"),
    ("alta", "es"),
    ("darme de alta", "es"),
    ("suscribirme", "es"),
    ("iscrivimi", "it"),
    ("riattiva", "it"),
    ("inscrever", "pt"),
    ("voltar a receber", "pt"),
];

/// The keyword request `text` is, if the whole message is one.
pub fn keyword_request(text: &str) -> Option<KeywordRequest> {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ê' => 'e',
            'í' | 'ì' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' => 'u',
            'ç' => 'c',
            other => other,
        })
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((_, language)) = OPT_OUT.iter().find(|(k, _)| *k == folded) {
        return Some(KeywordRequest::OptOut(language));
    }
    OPT_IN
        .iter()
        .find(|(k, _)| *k == folded)
        .map(|(_, language)| KeywordRequest::OptIn(language))
}

/// The language to confirm a keyword request in: the conversation's, when it has one charla
/// writes replies in, since keywords travel between languages (the Italian promotion says
/// "rispondi STOP"); otherwise the keyword's own.
pub fn confirmation_language<'a>(keyword: &'a str, conversation: Option<&'a str>) -> &'a str {
    conversation
        .filter(|code| charla_prompts::Language::from_code(code).is_some())
        .unwrap_or(keyword)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn template(name: &str, language: &str, category: TemplateCategory) -> Template {
        Template {
            name: name.into(),
            language: language.into(),
            category,
            parameters: vec!["customer first name".into()],
            body: "Hi {{1}}".into(),
        }
    }

    fn contact(last: Option<i64>, marketing: Option<Consent>) -> ContactState {
        ContactState {
            contact_key: "c".into(),
            phone: Some("34600".into()),
            user_id: None,
            profile_name: Some("Lucía Pérez".into()),
            phone_number_id: "pn".into(),
            last_inbound_at: last,
            marketing,
        }
    }

    fn text_item() -> OutboxItem {
        OutboxItem {
            contact_key: "c".into(),
            phone_number_id: "pn".into(),
            message: OutboxMessage::Text {
                body: "hola".into(),
            },
            category: SendCategory::Service,
            origin: "bot".into(),
            language: "es".into(),
        }
    }

    #[test]
    fn inside_the_window_text_goes_as_it_is() {
        let decision = decide(
            &text_item(),
            Some(&contact(Some(1_000), None)),
            &[],
            "es",
            1_000 + WINDOW_SECONDS - 1,
        );
        assert_eq!(
            decision,
            SendDecision::Send {
                message: text_item().message,
                replaced: None
            }
        );
    }

    #[test]
    fn outside_the_window_the_reengagement_template_in_the_contacts_language_replaces_text() {
        let templates = [
            template("promo_es", "es_ES", TemplateCategory::Marketing),
            template("reengage_en", "en_GB", TemplateCategory::Utility),
            template("reengage_es", "es_ES", TemplateCategory::Utility),
        ];
        let decision = decide(
            &text_item(),
            Some(&contact(Some(0), None)),
            &templates,
            "es",
            WINDOW_SECONDS,
        );
        match decision {
            SendDecision::Send {
                message:
                    OutboxMessage::Template {
                        name, parameters, ..
                    },
                replaced,
            } => {
                assert_eq!(name, "reengage_es");
                assert_eq!(parameters, ["Lucía"]);
                assert!(replaced.unwrap().starts_with("window_closed"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn outside_the_window_without_a_template_nothing_is_sent() {
        assert!(
            matches!(decide(&text_item(), Some(&contact(Some(0), None)), &[], "es", WINDOW_SECONDS * 2), SendDecision::Refuse(r) if r.starts_with("window_closed"))
        );
    }

    #[test]
    fn a_marketing_template_needs_an_opt_in() {
        let templates = [template("promo_es", "es_ES", TemplateCategory::Marketing)];
        let item = OutboxItem {
            message: OutboxMessage::Template {
                name: "promo_es".into(),
                language: "es_ES".into(),
                parameters: vec![],
            },
            ..text_item()
        };
        for consent in [None, Some(Consent::OptedOut)] {
            assert!(
                matches!(decide(&item, Some(&contact(Some(0), consent)), &templates, "es", 10), SendDecision::Refuse(r) if r.starts_with("no_marketing_opt_in"))
            );
        }
        assert!(matches!(
            decide(
                &item,
                Some(&contact(Some(0), Some(Consent::OptedIn))),
                &templates,
                "es",
                10
            ),
            SendDecision::Send { .. }
        ));
    }

    #[test]
    fn an_unapproved_template_is_refused() {
        let item = OutboxItem {
            message: OutboxMessage::Template {
                name: "made_up".into(),
                language: "es".into(),
                parameters: vec![],
            },
            ..text_item()
        };
        assert!(
            matches!(decide(&item, None, &[], "es", 0), SendDecision::Refuse(r) if r.starts_with("template_not_approved"))
        );
    }

    #[test]
    fn stop_words_in_four_languages_opt_out_and_start_words_opt_in() {
        for (text, language) in [
            ("STOP", "en"),
            ("Baja", "es"),
            ("ANNULLA", "it"),
            ("parar", "es"),
            ("Parar mensagens", "pt"),
            ("stop!", "en"),
        ] {
            assert_eq!(
                keyword_request(text),
                Some(KeywordRequest::OptOut(language)),
                "{text}"
            );
        }
        for text in ["START", "alta", "Iscrivimi", "voltar a receber"] {
            assert!(
                matches!(keyword_request(text), Some(KeywordRequest::OptIn(_))),
                "{text}"
            );
        }
        for text in [
            "please stop sending me the wrong size",
            "¿puedo darme de baja del club y pedir un casco?",
            "",
        ] {
            assert_eq!(keyword_request(text), None, "{text}");
        }
    }

    #[test]
    fn a_keyword_is_confirmed_in_the_conversations_language() {
        // An Italian customer answers "STOP", as the Italian promotion tells them to.
        assert_eq!(confirmation_language("en", Some("it")), "it");
        // A first message, or a conversation in a language without reply templates.
        assert_eq!(confirmation_language("en", None), "en");
        assert_eq!(confirmation_language("es", Some("fr")), "es");
    }
}
