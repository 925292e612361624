//! The steps after a tool ran: book the slot the customer already named, cancel their only
//! booking, or write the reply from the tool's output, crediting the sources it quotes.

use super::booking;
use super::outputs::{
    self, BookingListOutput, BookingView, CatalogOutput, KnowledgeOutput, TicketOutput,
};
use super::{Decision, OfflineModel, Ran, Turn};
use charla_prompts::{
    BookingDetails, BookingFailure, MissingInfo, Price, ProductItem, Reply, Slot, TeamAvailability,
    TicketState,
};
use serde_json::json;

/// Characters of a passage quoted in a reply (WhatsApp messages are read on phones).
const QUOTE_CHARS: usize = 700;

/// Characters of a passage quoted in a reply in another language than the passage's: its
/// opening sentence or two, where FAQ answers and policy sections state the rule, so that the
/// customer's language carries the reply.
const FOREIGN_QUOTE_CHARS: usize = 160;

impl OfflineModel {
    pub(super) fn compose(&self, turn: &Turn<'_>, last: &Ran) -> Decision {
        if let Some((kind, _message)) = outputs::tool_error(&last.content) {
            return self.after_error(turn, last, &kind);
        }
        let say = |reply| Decision::Say(reply, Vec::new());
        match last.name.as_str() {
            "catalog_search" => {
                self.products(turn, outputs::parse(&last.content).unwrap_or_default())
            }
            "knowledge_search" => {
                self.answer(turn, outputs::parse(&last.content).unwrap_or_default())
            }
            "check_availability" => self.offer_or_book(turn),
            "book_appointment" => match outputs::parse::<BookingView>(&last.content) {
                Some(booking) => say(Reply::BookingConfirmed {
                    booking: self.details(&booking, &turn.language),
                    cancellation_notice_hours: self
                        .business
                        .as_ref()
                        .and_then(|b| b.booking.cancellation_notice_hours),
                }),
                None => say(Reply::GenericError),
            },
            "list_bookings" => {
                self.cancel_which(turn, outputs::parse(&last.content).unwrap_or_default())
            }
            "cancel_booking" => match outputs::parse::<BookingView>(&last.content) {
                Some(booking) => say(Reply::BookingCancelled {
                    booking: self.details(&booking, &turn.language),
                    late_fee: self.late_cancellation_fee(&booking),
                    cancellation_notice_hours: self
                        .business
                        .as_ref()
                        .and_then(|b| b.booking.cancellation_notice_hours),
                }),
                None => say(Reply::GenericError),
            },
            "create_ticket" => match outputs::parse::<TicketOutput>(&last.content) {
                Some(t) => say(Reply::TicketCreated {
                    ticket_id: t.ticket_id,
                }),
                None => say(Reply::GenericError),
            },
            "get_ticket" => match outputs::parse::<TicketOutput>(&last.content) {
                Some(t) => say(Reply::TicketStatus {
                    ticket_id: t.ticket_id,
                    status: ticket_state(&t.status),
                    note: None,
                }),
                None => say(Reply::GenericError),
            },
            "handoff_to_human" => {
                let available = serde_json::from_str::<serde_json::Value>(&last.content)
                    .ok()
                    .and_then(|v| {
                        v.get("humans_available_now")
                            .and_then(serde_json::Value::as_bool)
                    });
                let team = if available == Some(false) {
                    TeamAvailability::Offline
                } else {
                    TeamAvailability::Online
                };
                say(Reply::HandoffAnnouncement { team })
            }
            _ => say(Reply::DontKnow),
        }
    }

    fn products(&self, turn: &Turn<'_>, output: CatalogOutput) -> Decision {
        let query = turn.extracted.product_query.clone();
        if output.items.is_empty() {
            return Decision::Say(Reply::NoProductResults { query }, Vec::new());
        }
        let currency = self
            .business
            .as_ref()
            .map(|b| b.currency.clone())
            .unwrap_or_else(|| "EUR".into());
        let mut sources = Vec::new();
        let items = output
            .items
            .into_iter()
            .map(|item| {
                if !item.source.is_empty() && !sources.contains(&item.source) {
                    sources.push(item.source.clone());
                }
                ProductItem {
                    name: item.name,
                    price: item.price.map(|amount| Price {
                        amount,
                        currency: item.currency.clone().unwrap_or_else(|| currency.clone()),
                    }),
                    stock: match (item.stock, item.in_stock) {
                        (Some(n), _) => Some(u32::try_from(n.max(0)).unwrap_or(u32::MAX)),
                        (None, Some(false)) => Some(0),
                        (None, _) => None,
                    },
                    url: item.url,
                }
            })
            .collect();
        Decision::Say(Reply::ProductResults { query, items }, sources)
    }

    fn answer(&self, turn: &Turn<'_>, output: KnowledgeOutput) -> Decision {
        let Some(best) = output.passages.into_iter().next() else {
            return Decision::Say(Reply::DontKnow, Vec::new());
        };
        let source = if best.kind == "faq" {
            faq_name(&turn.language).to_string()
        } else if best.title.is_empty() {
            best.source.clone()
        } else {
            best.title.clone()
        };
        // A passage in another language than the customer's is quoted shorter (its opening,
        // where FAQs and policies give the answer) inside a reply that says so in the
        // customer's language: the offline model cannot translate.
        let original_language = Some(best.locale.as_str())
            .filter(|l| l.len() == 2 && *l != turn.language)
            .map(str::to_string);
        let limit = match original_language {
            Some(_) => FOREIGN_QUOTE_CHARS,
            None => QUOTE_CHARS,
        };
        let text = quote(&best.text, &best.title, limit);
        Decision::Say(
            Reply::SourceAnswer {
                source,
                text,
                original_language,
            },
            vec![best.source],
        )
    }

    /// After `check_availability`: book at once when the customer named a free time, else
    /// offer slots.
    fn offer_or_book(&self, turn: &Turn<'_>) -> Decision {
        let Some(output) = booking::this_turn_availability(&turn.ran) else {
            return Decision::Say(Reply::GenericError, Vec::new());
        };
        let x = &turn.extracted;
        if let Some(time) = x.time {
            let day = match &x.date {
                Some(super::extract::DateAsk::Day(day)) => Some(*day),
                _ => None,
            };
            if let Some(slot) = booking::slot_at(&output, day, time) {
                return Decision::Call(
                    "book_appointment",
                    json!({ "service": output.service.id, "start": slot.start, "location": slot.location }),
                );
            }
        }
        let offered = booking::offered_slots(&output, x.time);
        let location = offered
            .first()
            .and_then(|slot| {
                self.business
                    .as_ref()?
                    .locations
                    .iter()
                    .find(|l| l.id == slot.location)
            })
            .map(|l| l.name.clone());
        Decision::Say(
            Reply::AvailabilityOffer {
                service: self.service_name(&output.service.id, &turn.language),
                location,
                slots: offered
                    .iter()
                    .map(|s| Slot {
                        date: s.date().to_string(),
                        time: s.time().to_string(),
                    })
                    .collect(),
            },
            Vec::new(),
        )
    }

    /// After `list_bookings` for a cancellation: cancel the only upcoming booking when the
    /// message plainly asks to cancel, else show the bookings and ask which (a question such as
    /// "what bookings do I have?" that was read as a cancellation must not cancel anything).
    fn cancel_which(&self, turn: &Turn<'_>, output: BookingListOutput) -> Decision {
        let upcoming: Vec<&BookingView> = output
            .bookings
            .iter()
            .filter(|b| b.status != "cancelled")
            .collect();
        match upcoming.as_slice() {
            [only] if asks_to_cancel(&turn.text) => {
                Decision::Call("cancel_booking", json!({ "booking_id": only.booking_id }))
            }
            [] => Decision::Say(Reply::DontKnow, Vec::new()),
            several => {
                let options = several
                    .iter()
                    .map(|b| {
                        format!(
                            "{} · {} · {} {}",
                            b.booking_id,
                            self.service_name(&b.service.id, &turn.language),
                            b.start.get(..10).unwrap_or_default(),
                            b.start.get(11..16).unwrap_or_default()
                        )
                    })
                    .collect();
                Decision::Say(
                    Reply::AskMissingInfo {
                        missing: MissingInfo::BookingReference,
                        options,
                    },
                    Vec::new(),
                )
            }
        }
    }

    fn after_error(&self, turn: &Turn<'_>, last: &Ran, kind: &str) -> Decision {
        let say = |reply| Decision::Say(reply, Vec::new());
        match (last.name.as_str(), kind) {
            ("book_appointment", "conflict" | "invalid_arguments" | "not_found") => {
                let service = last
                    .arguments
                    .get("service")
                    .and_then(|s| s.as_str())
                    .unwrap_or_default()
                    .to_string();
                let taken = last
                    .arguments
                    .get("start")
                    .and_then(|s| s.as_str())
                    .unwrap_or_default()
                    .to_string();
                let now = self.clock.now();
                let alternatives = booking::this_turn_availability(&turn.ran)
                    .or_else(|| booking::last_offer(turn).map(|(o, _)| o))
                    .map(|o| {
                        o.slots
                            .into_iter()
                            .filter(|s| s.start != taken && !s.has_started(now))
                            .take(booking::OFFERED_SLOTS)
                            .map(|s| Slot {
                                date: s.date().to_string(),
                                time: s.time().to_string(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                say(Reply::BookingFailed {
                    service: self.service_name(&service, &turn.language),
                    reason: if kind == "conflict" {
                        BookingFailure::SlotTaken
                    } else {
                        BookingFailure::Unavailable
                    },
                    alternatives,
                })
            }
            ("check_availability", "invalid_arguments" | "not_found") => {
                let options = self
                    .business
                    .iter()
                    .flat_map(|b| {
                        b.services
                            .iter()
                            .map(|s| s.name(&turn.language).to_string())
                    })
                    .collect();
                say(Reply::AskMissingInfo {
                    missing: MissingInfo::Service,
                    options,
                })
            }
            ("get_ticket" | "cancel_booking", "not_found" | "invalid_arguments") => {
                say(Reply::DontKnow)
            }
            _ => say(Reply::GenericError),
        }
    }

    /// The fee the business's booking rules charge for cancelling `booking` now: its
    /// `no_show_fee` when less than `cancellation_notice_hours` are left before the start.
    fn late_cancellation_fee(&self, booking: &BookingView) -> Option<Price> {
        let business = self.business.as_ref()?;
        let hours = business.booking.cancellation_notice_hours?;
        let fee = business.booking.no_show_fee.filter(|fee| *fee > 0.0)?;
        let start = booking.start.parse::<jiff::Timestamp>().ok()?;
        let notice = jiff::SignedDuration::from_hours(i64::from(hours));
        let left = start.duration_since(self.clock.now());
        (left < notice).then(|| Price::new(fee, business.currency.clone()))
    }

    fn service_name(&self, id: &str, language: &str) -> String {
        self.business
            .as_ref()
            .and_then(|b| b.services.iter().find(|s| s.id == id))
            .map(|s| s.name(language).to_string())
            .unwrap_or_else(|| id.to_string())
    }

    fn details(&self, booking: &BookingView, language: &str) -> BookingDetails {
        BookingDetails {
            booking_id: booking.booking_id.clone(),
            service: self.service_name(&booking.service.id, language),
            date: booking.start.get(..10).unwrap_or_default().to_string(),
            time: booking.start.get(11..16).unwrap_or_default().to_string(),
            location: booking.location_name.clone(),
            address: Some(booking.address.clone()).filter(|a| !a.is_empty()),
        }
    }
}

fn ticket_state(status: &str) -> TicketState {
    match status {
        "pending" => TicketState::WaitingOnCustomer,
        "resolved" => TicketState::Resolved,
        "closed" => TicketState::Closed,
        "in_progress" => TicketState::InProgress,
        _ => TicketState::Open,
    }
}

fn faq_name(language: &str) -> &'static str {
    match language {
        "es" => "preguntas frecuentes",
        "it" => "domande frequenti",
        "pt" => "perguntas frequentes",
        _ => "FAQ",
    }
}

/// The passage without its repeated heading, cut at a sentence end near `limit` characters.
fn quote(text: &str, title: &str, limit: usize) -> String {
    let mut body = text.trim();
    for prefix in [
        title,
        &format!("# {title}"),
        &format!("## {title}"),
        &format!("### {title}"),
    ] {
        if !prefix.is_empty()
            && let Some(rest) = body.strip_prefix(prefix)
        {
            body = rest.trim_start();
        }
    }
    if body.chars().count() <= limit {
        return body.to_string();
    }
    let cut: String = body.chars().take(limit).collect();
    match cut.rfind(['.', '!', '?', '\n']) {
        Some(end) if end > limit / 3 => cut.get(..=end).unwrap_or(&cut).trim().to_string(),
        _ => format!("{}…", cut.trim_end()),
    }
}

/// Word stems with which customers ask to cancel, in es, it, pt and en ("cancela", "anular",
/// "annulla", "disdire", "desmarcar", "cancel").
const CANCEL_STEMS: &[&str] = &["cancel", "anul", "annull", "disdi", "desmarc"];

/// Whether `text` plainly asks to cancel something.
fn asks_to_cancel(text: &str) -> bool {
    let lowered = text.to_lowercase();
    CANCEL_STEMS.iter().any(|stem| lowered.contains(stem))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::OfflineModel;
    use crate::model::{ChatMessage, ChatModel, ChatRequest, ToolCall, TurnHints};
    use charla_prompts::Prompts;
    use charla_tools::{Business, Clock};
    use std::sync::Arc;

    fn velora() -> Arc<Business> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/velora/business.toml");
        Arc::new(Business::load(&path).unwrap())
    }

    /// The reply the offline model writes, at `now`, to a customer writing `text` in
    /// `language`, after `tool` returned `output`.
    async fn reply_after(
        now: &str,
        language: &str,
        text: &str,
        tool: &str,
        output: serde_json::Value,
    ) -> String {
        let clock = Clock::fixed(now.parse().unwrap());
        let model = OfflineModel::new(Arc::new(Prompts::embedded()), Some(velora()), clock);
        let call = ToolCall {
            id: "t1".into(),
            name: tool.into(),
            arguments: "{}".into(),
        };
        let request = ChatRequest {
            messages: vec![
                ChatMessage::user(text),
                ChatMessage::assistant_tool_calls(vec![call]),
                ChatMessage::tool_result("t1", output.to_string()),
            ],
            hints: TurnHints {
                language: Some(language.into()),
                ..TurnHints::default()
            },
            ..ChatRequest::default()
        };
        let response = model.complete(&request).await.unwrap();
        response.message.content.unwrap_or_default()
    }

    async fn answer_with(language: &str, passages: serde_json::Value) -> String {
        reply_after(
            "2026-03-02T09:00:00Z",
            language,
            "¿Cuántos días tengo para devolver un producto?",
            "knowledge_search",
            serde_json::json!({ "passages": passages }),
        )
        .await
    }

    fn passage(locale: &str, text: &str) -> serde_json::Value {
        serde_json::json!({
            "source": "policies/returns.md",
            "title": "30-day returns",
            "text": text,
            "kind": "policy",
            "locale": locale,
        })
    }

    #[tokio::test]
    async fn a_passage_in_another_language_is_quoted_short_in_a_reply_in_the_customers() {
        let long = format!(
            "You can return any product within 30 days of delivery. {}",
            "Further conditions apply to bikes that have been ridden outdoors. ".repeat(12)
        );
        let reply = answer_with("es", serde_json::json!([passage("en", &long)])).await;
        assert!(
            reply.contains("solo lo tenemos publicado en inglés"),
            "{reply}"
        );
        assert!(reply.contains("within 30 days"), "{reply}");
        assert!(reply.chars().count() < 700, "quoted short: {reply}");
        assert_eq!(
            crate::understanding::detect_language(&reply, "und").code,
            "es",
            "{reply}"
        );
    }

    #[tokio::test]
    async fn a_passage_in_the_customers_language_is_quoted_as_it_is() {
        let reply = answer_with(
            "es",
            serde_json::json!([passage(
                "es",
                "Tienes 30 días para devolver cualquier producto."
            )]),
        )
        .await;
        assert!(!reply.contains("publicado en"), "{reply}");
        assert!(reply.contains("Tienes 30 días"), "{reply}");
    }

    fn cancelled(start: &str) -> serde_json::Value {
        serde_json::json!({
            "booking_id": "B-000001",
            "status": "cancelled",
            "service": { "id": "basic-service" },
            "location_name": "Velora Cycles Barcelona",
            "start": start,
        })
    }

    #[tokio::test]
    async fn cancelling_less_than_the_notice_before_the_start_mentions_the_late_fee() {
        // 16:00 Madrid time is 15:00 UTC: two hours ahead at 13:00 UTC.
        let late = reply_after(
            "2026-03-02T13:00:00Z",
            "es",
            "quiero cancelar mi cita",
            "cancel_booking",
            cancelled("2026-03-02T16:00:00+01:00"),
        )
        .await;
        assert!(late.contains("B-000001"), "{late}");
        assert!(late.contains("15,00 €"), "{late}");
        assert!(late.contains("24 horas"), "{late}");
        let in_time = reply_after(
            "2026-03-01T13:00:00Z",
            "es",
            "quiero cancelar mi cita",
            "cancel_booking",
            cancelled("2026-03-03T16:00:00+01:00"),
        )
        .await;
        assert!(!in_time.contains("15,00"), "{in_time}");
    }
}
