//! The typed inputs of the prompts the model and the operators read: the system prompt, the
//! retrieved-context block, the handoff summary and the intent classifier's prompt.

use serde::{Deserialize, Serialize};

/// Everything the system prompt (`system.jinja`) says about this conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemPromptInput {
    /// The business the agent works for.
    pub business: BusinessProfile,
    /// Today's date in the business's time zone, `YYYY-MM-DD` (the prompt adds the weekday).
    pub today: String,
    /// The current time in the business's time zone, `HH:MM`.
    pub time: String,
    /// The business's IANA time zone, such as `Europe/Madrid`.
    pub time_zone: String,
    /// The customer's language as an ISO 639-1 code, or `None` when it cannot be told yet
    /// (the model then answers in [`BusinessProfile::default_language`]).
    pub customer_language: Option<String>,
    /// The names of the tools the model may call. Rules about a tool that is not offered are
    /// left out of the prompt.
    pub tools: ToolNames,
}

/// The business, as the model should know it without searching.
///
/// Everything here is configuration the business wrote, so the prompt treats it as true.
/// Never put customer-written text here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessProfile {
    /// The business's name, such as "Velora Cycles".
    pub name: String,
    /// What it sells or does, in a sentence or two.
    pub description: String,
    /// The languages it serves customers in, as ISO 639-1 codes.
    pub languages: Vec<String>,
    /// The language to answer in when the customer's cannot be told (ISO 639-1).
    pub default_language: String,
    /// The business's website.
    pub website: Option<String>,
    /// Facts the model may state as they are: addresses, opening hours, contact details.
    /// One fact per entry, such as "Barcelona shop: Carrer de Pujades 118; Mon-Fri 10:00-20:00".
    pub facts: Vec<String>,
    /// When people from the team answer hand-overs, such as "Monday to Friday, 09:00-18:00".
    pub team_hours: Option<String>,
}

/// The names of the tools, as the model sees them in its tool list.
///
/// `None` means the tool is not offered in this deployment; the prompt's rules about it are
/// left out. The default offers none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolNames {
    /// Searches the product catalog (prices, stock).
    pub search_catalog: Option<String>,
    /// Searches FAQs and policies.
    pub search_knowledge: Option<String>,
    /// Lists free booking slots.
    pub check_availability: Option<String>,
    /// Books a slot.
    pub create_booking: Option<String>,
    /// Cancels a booking.
    pub cancel_booking: Option<String>,
    /// Opens a support ticket.
    pub create_ticket: Option<String>,
    /// Looks up a ticket the customer opened.
    pub ticket_status: Option<String>,
    /// Hands the conversation to a person (such as `handoff_to_human`).
    pub handoff_to_human: Option<String>,
}

/// One passage retrieved for the model, shown in the context block as untrusted data.
///
/// Passages are numbered from 1 in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextPassage {
    /// The name the model cites the passage by, such as `returns.md` or "Returns policy".
    pub source: String,
    /// The passage's title or heading, if it has one.
    pub title: Option<String>,
    /// The passage's text.
    pub text: String,
}

/// What an operator reads when a conversation is handed to them (`handoff_summary.jinja`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffSummaryInput {
    /// Who the customer is.
    pub customer: HandoffCustomer,
    /// The customer's language, ISO 639-1 (or `und` when unknown).
    pub language: String,
    /// Why the conversation is being handed over.
    pub reason: HandoffReason,
    /// More about the reason, such as the tool's message or the customer's words.
    pub reason_detail: Option<String>,
    /// What the customer wants, in their words or as understood (usually the open request).
    pub request: String,
    /// The customer's messages with what was understood of each, oldest first.
    pub history: Vec<TurnSignals>,
    /// What the bot tried before handing over, in order.
    pub attempts: Vec<BotAttempt>,
}

/// The customer in a handoff summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffCustomer {
    /// Their WhatsApp profile name, if any.
    pub name: Option<String>,
    /// Their WhatsApp number.
    pub phone: String,
}

/// Why a conversation was handed to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The customer asked for a person.
    CustomerAsked,
    /// The customer's sentiment turned strongly negative.
    NegativeSentiment,
    /// The bot failed to help several times in a row.
    RepeatedFailures,
    /// A tool asked for a person (a request it may not handle).
    ToolRequested,
    /// Any other reason; say which in `reason_detail`.
    Other,
}

/// One customer message and what understanding made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnSignals {
    /// The customer's message.
    pub text: String,
    /// The detected intent, such as `booking` or `order_status`.
    pub intent: String,
    /// How sure the intent is, from 0 to 1.
    pub intent_confidence: f64,
    /// The message's sentiment.
    pub sentiment: Polarity,
    /// How strong the sentiment is, from 0 to 1.
    pub sentiment_intensity: f64,
}

/// The polarity of a message's sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// Pleased, thankful.
    Positive,
    /// Neither.
    Neutral,
    /// Annoyed, upset, complaining.
    Negative,
}

/// Something the bot did before the handoff and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotAttempt {
    /// What it did, such as `search_knowledge "refund broken helmet"`.
    pub action: String,
    /// What came of it, such as "3 passages, none about damaged items".
    pub outcome: String,
}

/// What the intent classifier's prompt (`intent_classifier.jinja`) offers the model to choose
/// from.
///
/// Everything here comes from the business's intents file, so the prompt treats it as
/// configuration; the customer's message is never part of it (it goes to the model as the
/// user message, as data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentClassifierInput {
    /// The intents, in the order the file lists them.
    pub intents: Vec<IntentChoice>,
    /// The label for a message no intent fits, such as `out_of_scope`.
    pub out_of_scope: String,
}

/// One intent the classifier may choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentChoice {
    /// The label the model answers with, such as `order_status`.
    pub name: String,
    /// What the intent means (may be empty).
    pub description: String,
    /// A few example messages, in any language; a handful is enough for a model and keeps
    /// the prompt short.
    pub examples: Vec<String>,
}
