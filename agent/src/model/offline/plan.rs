//! The first step of a turn: from the intent and what the message says, call the tool that
//! serves it, or reply at once when no tool is needed (greetings, thanks, out of scope) or
//! something is missing (which service? which shop?).

use super::booking::{self, ServiceMatch};
use super::extract::{DateAsk, Extracted};
use super::{Decision, OfflineModel, Turn};
use charla_prompts::{MissingInfo, Reply};
use serde_json::{Value, json};

/// Intents whose questions the FAQ and policies answer.
const KNOWLEDGE_INTENTS: &[&str] = &[
    "order_status",
    "shipping",
    "returns",
    "payment",
    "store_info",
    "privacy",
];

/// Intents about an order that become a ticket when the customer names the order and is
/// unhappy ("order VC-123 arrived broken"): an FAQ answer would not solve it.
const ORDER_PROBLEM_INTENTS: &[&str] = &["order_status", "returns"];

/// Below this polarity an order problem is a complaint.
const UNHAPPY: f32 = -0.3;

/// Products shown in one reply.
const PRODUCTS_SHOWN: u32 = 3;

impl OfflineModel {
    pub(super) fn plan(&self, turn: &Turn<'_>) -> Decision {
        let x = &turn.extracted;
        if turn.hints.suspected_injection {
            // Instructions are not taken from customers' messages: nothing is looked up or
            // changed, and the customer hears what the assistant can help with.
            return Decision::Say(
                Reply::OutOfScope {
                    business_name: self.business_name(),
                },
                Vec::new(),
            );
        }
        if let Some(ticket) = &x.ticket_ref {
            return Decision::Call("get_ticket", json!({ "ticket_id": ticket }));
        }
        if self.in_booking_dialogue(turn) {
            if let Some(decision) = self.pick_offered_slot(turn) {
                return decision;
            }
            return self.plan_booking(turn);
        }
        match turn.intent() {
            "cancel_booking" => match &x.booking_ref {
                Some(id) => Decision::Call("cancel_booking", json!({ "booking_id": id })),
                None => Decision::Call("list_bookings", json!({})),
            },
            "greeting" => Decision::Say(self.greeting(), Vec::new()),
            "thanks_bye" => Decision::Say(Reply::Goodbye, Vec::new()),
            "opt_out" => Decision::Say(Reply::OptOutConfirmed, Vec::new()),
            "human_request" => Decision::Call(
                "handoff_to_human",
                json!({ "reason": "the customer asked for a person", "summary": turn.text }),
            ),
            "product_question" | "availability_price" => {
                Decision::Call("catalog_search", catalog_arguments(turn))
            }
            "complaint" => Decision::Call("create_ticket", ticket_arguments(turn)),
            intent
                if ORDER_PROBLEM_INTENTS.contains(&intent)
                    && x.order_ref.is_some()
                    && turn.hints.polarity.is_some_and(|p| p <= UNHAPPY) =>
            {
                Decision::Call("create_ticket", ticket_arguments(turn))
            }
            "out_of_scope" => Decision::Say(
                Reply::OutOfScope {
                    business_name: self.business_name(),
                },
                Vec::new(),
            ),
            intent if KNOWLEDGE_INTENTS.contains(&intent) => {
                Decision::Call("knowledge_search", knowledge_arguments(turn))
            }
            // An intent of the business's own file that the offline model has no rule for:
            // its knowledge is the best bet.
            _ => Decision::Call("knowledge_search", knowledge_arguments(turn)),
        }
    }

    /// Booking, or a short answer (a service, a shop, a day, a time, "the second") right after
    /// the customer was booking: their previous message was about booking, or the last thing
    /// the assistant did was offer slots (a tapped shop name in between reads as no intent at
    /// all, and the slot tapped next must still book).
    fn in_booking_dialogue(&self, turn: &Turn<'_>) -> bool {
        if turn.intent() == "booking" {
            return true;
        }
        if turn.hints.previous_intent.as_deref() != Some("booking")
            && !booking::offer_is_latest(turn)
        {
            return false;
        }
        let x = &turn.extracted;
        let names_something = self.business.as_ref().is_some_and(|b| {
            booking::match_service(b, &turn.text) != ServiceMatch::None
                || b.locations.iter().any(|l| {
                    booking::match_location(b, std::slice::from_ref(&l.id), &turn.text).is_some()
                })
        });
        x.choice.is_some() || x.time.is_some() || x.date.is_some() || names_something
    }

    /// "The second one", "at 10:30": book the slot picked from the last offer.
    fn pick_offered_slot(&self, turn: &Turn<'_>) -> Option<Decision> {
        let x = &turn.extracted;
        if x.choice.is_none() && x.time.is_none() {
            return None;
        }
        let (offer, asked) = booking::last_offer(turn)?;
        let asked_time = super::extract::extract(&asked, &turn.language, turn.today).time;
        let offered = booking::offered_slots(&offer, asked_time);
        let day = match &x.date {
            Some(DateAsk::Day(day)) => Some(*day),
            _ => None,
        };
        let slot = match (x.choice, x.time) {
            (Some(n), _) if n >= 1 => offered.get(n - 1).cloned(),
            (_, Some(time)) => booking::slot_at(&offer, day, time),
            _ => None,
        }?;
        if slot.has_started(self.clock.now()) {
            // Offered in an earlier turn and gone by now (the customer came back the next
            // day): look again from now, so what is offered next can still be booked.
            return Some(Decision::Call(
                "check_availability",
                json!({ "service": offer.service.id, "location": slot.location }),
            ));
        }
        Some(Decision::Call(
            "book_appointment",
            json!({ "service": offer.service.id, "start": slot.start, "location": slot.location }),
        ))
    }

    fn plan_booking(&self, turn: &Turn<'_>) -> Decision {
        let Some(business) = self.business.as_ref().filter(|b| !b.services.is_empty()) else {
            return Decision::Call("knowledge_search", knowledge_arguments(turn));
        };
        // A booking told over several messages: the newest message says it best.
        let mut texts: Vec<&str> = vec![turn.text.as_str()];
        texts.extend(turn.earlier_customer_texts().take(2));
        let service = texts
            .iter()
            .map(|t| booking::match_service(business, t))
            .find(|m| *m != ServiceMatch::None);
        let service_id = match service {
            Some(ServiceMatch::One(id)) => id,
            Some(ServiceMatch::Several(ids)) => {
                let options = business
                    .services
                    .iter()
                    .filter(|s| ids.contains(&s.id))
                    .map(|s| s.name(&turn.language).to_string())
                    .collect();
                return Decision::Say(
                    Reply::AskMissingInfo {
                        missing: MissingInfo::Service,
                        options,
                    },
                    Vec::new(),
                );
            }
            _ => {
                let options = business
                    .services
                    .iter()
                    .map(|s| s.name(&turn.language).to_string())
                    .collect();
                return Decision::Say(
                    Reply::AskMissingInfo {
                        missing: MissingInfo::Service,
                        options,
                    },
                    Vec::new(),
                );
            }
        };
        let Some(service) = business.services.iter().find(|s| s.id == service_id) else {
            return Decision::Say(Reply::GenericError, Vec::new());
        };
        let location = match service.locations.as_slice() {
            [only] => Some(only.clone()),
            allowed => texts
                .iter()
                .find_map(|t| booking::match_location(business, allowed, t)),
        };
        let Some(location) = location else {
            let options = business
                .locations
                .iter()
                .filter(|l| service.locations.contains(&l.id))
                .map(|l| l.name.clone())
                .collect();
            return Decision::Say(
                Reply::AskMissingInfo {
                    missing: MissingInfo::Location,
                    options,
                },
                Vec::new(),
            );
        };
        let date = texts
            .iter()
            .find_map(|t| super::extract::extract(t, &turn.language, turn.today).date);
        let mut arguments = json!({ "service": service.id, "location": location });
        match date {
            Some(DateAsk::Day(day)) => {
                arguments["from"] = Value::String(day.to_string());
                arguments["to"] = Value::String(day.to_string());
            }
            Some(DateAsk::Range { from, to }) => {
                arguments["from"] = Value::String(from.to_string());
                arguments["to"] = Value::String(to.to_string());
            }
            None => {}
        }
        Decision::Call("check_availability", arguments)
    }

    pub(super) fn business_name(&self) -> String {
        self.business
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_else(|| "the shop".into())
    }

    fn greeting(&self) -> Reply {
        Reply::Greeting {
            business_name: self.business_name(),
            customer_name: None,
        }
    }
}

fn catalog_arguments(turn: &Turn<'_>) -> Value {
    let x: &Extracted = &turn.extracted;
    let query = if x.product_query.trim().is_empty() {
        turn.text.clone()
    } else {
        x.product_query.clone()
    };
    let mut arguments = json!({ "query": query, "limit": PRODUCTS_SHOWN });
    if let Some(max) = x.max_price {
        arguments["max_price"] = json!(max);
    }
    if x.in_stock_only {
        arguments["in_stock_only"] = json!(true);
    }
    arguments
}

fn knowledge_arguments(turn: &Turn<'_>) -> Value {
    json!({ "query": turn.text, "limit": 3 })
}

fn ticket_arguments(turn: &Turn<'_>) -> Value {
    let subject: String = turn.text.chars().take(80).collect();
    let negative = turn.hints.polarity.is_some_and(|p| p <= UNHAPPY);
    let mut arguments = json!({
        "subject": subject.trim(),
        "description": turn.text,
        "priority": if negative { "high" } else { "normal" },
    });
    if let Some(order) = &turn.extracted.order_ref {
        arguments["order_reference"] = json!(order);
    }
    arguments
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::OfflineModel;
    use crate::model::{ChatMessage, ChatModel, ChatRequest, ToolCall, TurnHints};
    use charla_prompts::Prompts;
    use charla_tools::{Business, Clock};
    use std::sync::Arc;

    /// A Spanish conversation in which slots on Monday 2 March were offered, answered with
    /// "la 2" at `now`: the tool the offline model calls and its arguments.
    async fn pick_second_slot_at(now: &str) -> (String, serde_json::Value) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/velora/business.toml");
        let business = Arc::new(Business::load(&path).unwrap());
        let clock = Clock::fixed(now.parse().unwrap());
        let model = OfflineModel::new(Arc::new(Prompts::embedded()), Some(business), clock);
        let call = ToolCall {
            id: "a1".into(),
            name: "check_availability".into(),
            arguments: r#"{"service":"basic-service","location":"barcelona"}"#.into(),
        };
        let offer = serde_json::json!({
            "service": { "id": "basic-service" },
            "slots": [
                { "start": "2026-03-02T10:30:00+01:00", "location": "barcelona" },
                { "start": "2026-03-02T11:30:00+01:00", "location": "barcelona" },
            ],
        });
        let request = ChatRequest {
            messages: vec![
                ChatMessage::user("Hola, quiero reservar una revisión básica en Barcelona"),
                ChatMessage::assistant_tool_calls(vec![call]),
                ChatMessage::tool_result("a1", offer.to_string()),
                ChatMessage::assistant("1. lunes 2 de marzo a las 10:30 2. ... a las 11:30"),
                ChatMessage::user("la 2"),
            ],
            hints: TurnHints {
                language: Some("es".into()),
                intent: Some("greeting".into()),
                previous_intent: Some("booking".into()),
                ..TurnHints::default()
            },
            ..ChatRequest::default()
        };
        let response = model.complete(&request).await.unwrap();
        let call = response.message.tool_calls.first().cloned().unwrap();
        (call.name, serde_json::from_str(&call.arguments).unwrap())
    }

    #[tokio::test]
    async fn a_slot_picked_from_an_offer_that_has_passed_is_looked_up_again() {
        // The next day: Monday's slots are gone, so availability is checked again from now.
        let (tool, arguments) = pick_second_slot_at("2026-03-03T10:00:00Z").await;
        assert_eq!(tool, "check_availability");
        assert_eq!(arguments["service"], "basic-service");
        assert_eq!(arguments["location"], "barcelona");
        // Minutes after the offer, the same answer books.
        let (tool, arguments) = pick_second_slot_at("2026-03-02T09:05:00Z").await;
        assert_eq!(tool, "book_appointment");
        assert_eq!(arguments["start"], "2026-03-02T11:30:00+01:00");
    }
}
