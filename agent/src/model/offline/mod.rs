//! The offline model: charla's deterministic default, needing no key and no network.
//!
//! It plays the model's part in the agent loop with the same messages and tools an LLM gets:
//! from the detected intent (in [`TurnHints`]) and what the message says (prices, dates, times,
//! references: `extract`), it either calls a tool or replies; once tools have answered, it
//! composes the reply from their output with the reply templates of `charla-prompts`, in the
//! customer's language. It keeps no state: a booking in several messages continues from the
//! conversation's history (the slots offered are recomputed from the earlier tool output).
//!
//! - `extract`: what a message says beyond its intent.
//! - `plan`: the first step of a turn (which tool, or a direct reply).
//! - `compose`: the steps after tools ran (another tool, or the reply).
//! - `booking`: services, locations and slots for the booking dialogue.
//! - `outputs`: the tool outputs it reads.

mod booking;
mod compose;
pub mod extract;
mod outputs;
mod plan;

use crate::model::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, Choice, FinishReason, ModelError, Role,
    ToolCall, TurnHints, Usage,
};
use async_trait::async_trait;
use charla_prompts::{Prompts, Reply};
use charla_tools::{Business, Clock};
use extract::Extracted;
use std::sync::Arc;

/// Languages the built-in reply templates are written in.
const REPLY_LANGUAGES: &[&str] = &["en", "es", "it", "pt"];

/// The deterministic default model.
#[derive(Debug, Clone)]
pub struct OfflineModel {
    prompts: Arc<Prompts>,
    business: Option<Arc<Business>>,
    clock: Clock,
}

impl OfflineModel {
    /// An offline model that writes with `prompts` for `business` (its services, locations and
    /// time zone drive bookings), reading "now" from `clock`.
    pub fn new(prompts: Arc<Prompts>, business: Option<Arc<Business>>, clock: Clock) -> Self {
        Self {
            prompts,
            business,
            clock,
        }
    }
}

/// What the offline model does next.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    /// Call one tool with these arguments.
    Call(&'static str, serde_json::Value),
    /// Reply, crediting these sources.
    Say(Reply, Vec<String>),
}

/// A tool call of this turn with what it returned.
#[derive(Debug, Clone)]
struct Ran {
    name: String,
    arguments: serde_json::Value,
    content: String,
}

/// The request as the offline model reads it.
struct Turn<'a> {
    /// The language to answer in.
    language: String,
    /// The customer's latest message.
    text: String,
    /// What it says.
    extracted: Extracted,
    hints: &'a TurnHints,
    /// Messages before the latest customer message (history).
    earlier: &'a [ChatMessage],
    /// Tool calls of this turn, in order, with their results.
    ran: Vec<Ran>,
    today: jiff::civil::Date,
}

impl<'a> Turn<'a> {
    fn intent(&self) -> &str {
        self.hints.intent.as_deref().unwrap_or_default()
    }

    /// The customer's earlier messages, most recent first.
    fn earlier_customer_texts(&self) -> impl Iterator<Item = &str> {
        self.earlier
            .iter()
            .rev()
            .filter(|m| m.role == Role::User)
            .filter_map(|m| m.content.as_deref())
    }
}

impl OfflineModel {
    fn read<'a>(&self, request: &'a ChatRequest) -> Turn<'a> {
        let messages = &request.messages;
        let last_user = messages.iter().rposition(|m| m.role == Role::User);
        let (earlier, this_turn) = match last_user {
            Some(i) => (
                messages.get(..i).unwrap_or_default(),
                messages.get(i + 1..).unwrap_or_default(),
            ),
            None => (messages.as_slice(), &[][..]),
        };
        let text = last_user
            .and_then(|i| messages.get(i))
            .and_then(|m| m.content.clone())
            .unwrap_or_default();
        let language = request
            .hints
            .language
            .as_deref()
            .filter(|l| REPLY_LANGUAGES.contains(l))
            .map(str::to_string)
            .or_else(|| self.business.as_ref().map(|b| b.default_language.clone()))
            .unwrap_or_else(|| "en".into());
        let today = self.today();
        let extracted = extract::extract(&text, &language, today);
        Turn {
            language,
            extracted,
            text,
            hints: &request.hints,
            earlier,
            ran: pair_results(this_turn),
            today,
        }
    }

    fn today(&self) -> jiff::civil::Date {
        let now = self.clock.now();
        match &self.business {
            Some(business) => business.timezone.at(now).date(),
            None => now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        }
    }
}

/// The options a reply offers, for channels with buttons and lists: picking one sends what
/// the customer would have typed (the slot's number, the service's name).
fn choices_of(reply: &Reply) -> Vec<Choice> {
    match reply {
        Reply::AvailabilityOffer { slots, .. } => slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let day_month = match (slot.date.get(8..10), slot.date.get(5..7)) {
                    (Some(day), Some(month)) => format!("{day}/{month}"),
                    _ => slot.date.clone(),
                };
                Choice {
                    title: format!("{day_month} {}", slot.time),
                    description: None,
                    reply: (i + 1).to_string(),
                }
            })
            .collect(),
        Reply::AskMissingInfo { options, .. } => options
            .iter()
            .map(|option| Choice {
                title: option.clone(),
                description: None,
                reply: option.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Pairs this turn's tool calls with their results, in call order.
fn pair_results(this_turn: &[ChatMessage]) -> Vec<Ran> {
    let calls = this_turn.iter().flat_map(|m| m.tool_calls.iter());
    calls
        .filter_map(|call| {
            let content = this_turn
                .iter()
                .find(|m| m.tool_call_id.as_deref() == Some(call.id.as_str()))?
                .content
                .clone()?;
            Some(Ran {
                name: call.name.clone(),
                arguments: serde_json::from_str(&call.arguments).unwrap_or_default(),
                content,
            })
        })
        .collect()
}

#[async_trait]
impl ChatModel for OfflineModel {
    fn id(&self) -> &str {
        "offline"
    }

    fn reads_prompts(&self) -> bool {
        // It reads the hints, the tool results and the earlier messages, never the prompt.
        false
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ModelError> {
        let turn = self.read(request);
        let decision = match turn.ran.last() {
            None => self.plan(&turn),
            Some(last) => self.compose(&turn, last),
        };
        match decision {
            Decision::Call(name, arguments) => {
                let call = ToolCall {
                    id: format!("offline_{}", turn.ran.len() + 1),
                    name: name.to_string(),
                    arguments: arguments.to_string(),
                };
                Ok(ChatResponse {
                    message: ChatMessage::assistant_tool_calls(vec![call]),
                    finish_reason: FinishReason::ToolCalls,
                    usage: Usage::default(),
                    cited_sources: Vec::new(),
                    choices: Vec::new(),
                })
            }
            Decision::Say(reply, sources) => {
                let text = self
                    .prompts
                    .render_reply(&turn.language, &reply)
                    .map_err(|e| ModelError::Permanent(format!("reply template: {e}")))?;
                Ok(ChatResponse {
                    message: ChatMessage::assistant(text),
                    finish_reason: FinishReason::Stop,
                    usage: Usage::default(),
                    cited_sources: sources,
                    choices: choices_of(&reply),
                })
            }
        }
    }
}
