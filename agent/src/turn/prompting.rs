//! What the system prompt, the context block and the operator's handoff summary are made of:
//! the business's configuration, the clock, retrieved passages and the conversation so far.

use super::{Agent, AgentError, Inbound, ToolCallRecord};
use crate::conversation::{MessageRole, StoredMessage};
use crate::escalation::Escalation;
use crate::understanding::{SentimentLabel, Understanding};
use charla_knowledge::search::SearchRequest;
use charla_prompts::{
    BotAttempt, BusinessProfile, ContextPassage, HandoffCustomer, HandoffSummaryInput, Polarity,
    SystemPromptInput, ToolNames, TurnSignals,
};
use charla_tools::Business;
use jiff::Timestamp;

/// Customer messages an operator sees in a handoff summary.
const SUMMARY_MESSAGES: usize = 6;

impl Agent {
    /// The system prompt for a turn in `language`.
    pub(super) fn system_prompt(&self, language: Option<&str>) -> Result<String, AgentError> {
        let now = self.parts.clock.now();
        let (business, zoned, zone_name) = match &self.parts.business {
            Some(b) => (
                profile(b),
                b.timezone.at(now),
                b.timezone.name().to_string(),
            ),
            None => (
                BusinessProfile {
                    name: "the shop".into(),
                    description: String::new(),
                    languages: vec![self.config.default_language.clone()],
                    default_language: self.config.default_language.clone(),
                    website: None,
                    facts: Vec::new(),
                    team_hours: None,
                },
                now.to_zoned_datetime(jiff::tz::TimeZone::UTC),
                "UTC".to_string(),
            ),
        };
        let tools = &self.parts.tools;
        let offered = |name: &str| tools.get(name).map(|_| name.to_string());
        let input = SystemPromptInput {
            business,
            today: zoned.date().to_string(),
            time: zoned.strftime("%H:%M").to_string(),
            time_zone: zone_name,
            customer_language: language.map(str::to_string),
            tools: ToolNames {
                search_catalog: offered("catalog_search"),
                search_knowledge: offered("knowledge_search"),
                check_availability: offered("check_availability"),
                create_booking: offered("book_appointment"),
                cancel_booking: offered("cancel_booking"),
                create_ticket: offered("create_ticket"),
                ticket_status: offered("get_ticket"),
                handoff_to_human: offered("handoff_to_human"),
            },
        };
        Ok(self.parts.prompts.render_system_prompt(&input)?)
    }

    /// Passages retrieved for `text` before the model call, rendered as the context block,
    /// with their sources; `None` when the configuration asks for none or nothing was found.
    pub(super) async fn context_block(
        &self,
        text: &str,
    ) -> Result<Option<(String, Vec<String>)>, AgentError> {
        let (Some(searcher), limit) = (&self.parts.searcher, self.config.context_passages) else {
            return Ok(None);
        };
        if limit == 0 || text.trim().is_empty() {
            return Ok(None);
        }
        let mut request = SearchRequest::new(text);
        request.top_k = limit;
        let hits = match searcher.search(&request).await {
            Ok(results) => results.hits,
            Err(error) => {
                // The model can still search through its tools.
                tracing::warn!(%error, "context retrieval failed");
                return Ok(None);
            }
        };
        if hits.is_empty() {
            return Ok(None);
        }
        let passages: Vec<ContextPassage> = hits
            .iter()
            .map(|hit| ContextPassage {
                source: hit.chunk.source.clone(),
                title: Some(hit.chunk.title.clone()).filter(|t| !t.is_empty()),
                text: hit.chunk.text.clone(),
            })
            .collect();
        let sources = passages.iter().map(|p| p.source.clone()).collect();
        Ok(Some((
            self.parts.prompts.render_context(&passages)?,
            sources,
        )))
    }

    /// The summary an operator reads when the conversation is handed over.
    pub(super) fn handoff_summary(
        &self,
        inbound: &Inbound,
        stored: &[StoredMessage],
        understanding: &Understanding,
        escalation: &Escalation,
        records: &[ToolCallRecord],
    ) -> Result<String, AgentError> {
        let mut history: Vec<TurnSignals> = stored
            .iter()
            .filter(|m| m.role == MessageRole::Customer)
            .filter_map(|m| Some(signals(m.text.as_deref()?, m.understanding.as_ref()?)))
            .collect();
        history.push(signals(&inbound.text, understanding));
        let skip = history.len().saturating_sub(SUMMARY_MESSAGES);
        let history = history.into_iter().skip(skip).collect();
        let attempts = records
            .iter()
            .filter(|r| r.name != "handoff_to_human")
            .map(|r| BotAttempt {
                action: format!("{} {}", r.name, r.arguments),
                outcome: match (&r.error, &r.output) {
                    (Some(error), _) => format!("error: {error}"),
                    (None, Some(output)) => super::sources::describe_output(output),
                    (None, None) => "done".into(),
                },
            })
            .collect();
        let input = HandoffSummaryInput {
            customer: HandoffCustomer {
                name: inbound.customer_name.clone(),
                phone: inbound.contact_id.clone(),
            },
            language: understanding.language.code.clone(),
            reason: escalation.reason.handoff_reason(),
            reason_detail: Some(escalation.detail.clone()).filter(|d| !d.is_empty()),
            request: inbound.text.clone(),
            history,
            attempts,
        };
        Ok(self.parts.prompts.render_handoff_summary(&input)?)
    }
}

/// Whether the business's team answers at `now` (always, when it does not say).
pub(super) fn team_online(business: &Business, now: Timestamp) -> bool {
    let Some(hours) = &business.contact.human_hours else {
        return true;
    };
    let local = business.timezone.at(now);
    let time = local.time();
    hours
        .on(local.weekday())
        .ranges()
        .iter()
        .any(|range| range.start <= time && time < range.end)
}

fn profile(business: &Business) -> BusinessProfile {
    let mut facts = Vec::new();
    for location in &business.locations {
        facts.push(format!("{}: {}", location.name, location.address));
    }
    if let Some(phone) = &business.contact.phone {
        facts.push(format!("Phone: {phone}"));
    }
    if let Some(email) = &business.contact.email {
        facts.push(format!("Email: {email}"));
    }
    BusinessProfile {
        name: business.name.clone(),
        description: business
            .legal_name
            .clone()
            .map(|l| format!("{} ({l})", business.name))
            .unwrap_or_default(),
        languages: business.languages.clone(),
        default_language: business.default_language.clone(),
        website: business.website.clone(),
        facts,
        team_hours: business.contact.human_hours.as_ref().map(describe_week),
    }
}

fn describe_week(hours: &charla_tools::business::WeekHours) -> String {
    use jiff::civil::Weekday::*;
    [
        Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
    ]
    .into_iter()
    .filter(|day| !hours.on(*day).is_closed())
    .map(|day| format!("{day:?} {}", hours.on(day)))
    .collect::<Vec<_>>()
    .join("; ")
}

fn signals(text: &str, understanding: &Understanding) -> TurnSignals {
    TurnSignals {
        text: text.to_string(),
        intent: understanding.intent.intent.clone(),
        intent_confidence: f64::from(understanding.intent.confidence),
        sentiment: match understanding.sentiment.label {
            SentimentLabel::Negative => Polarity::Negative,
            SentimentLabel::Neutral => Polarity::Neutral,
            SentimentLabel::Positive => Polarity::Positive,
        },
        sentiment_intensity: f64::from(understanding.sentiment.intensity),
    }
}
