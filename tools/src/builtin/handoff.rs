//! `handoff_to_human`: asks for a person to take over the conversation. The tool records
//! nothing itself: the agent loop performs the handoff when it sees this tool succeed.

use super::required_text;
use crate::business::{Business, WeekHours};
use crate::clock::Clock;
use crate::schedule::{add_days, rfc3339};
use crate::tool::{Scope, Tool, ToolAnnotations, ToolContext, ToolError};
use async_trait::async_trait;
use jiff::ZonedDateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How far ahead the next hour people answer is looked for.
const LOOKAHEAD_DAYS: i64 = 14;

/// Hands the conversation to a person.
#[derive(Debug, Clone)]
pub struct HandoffToHuman {
    business: Option<Arc<Business>>,
    clock: Clock,
}

impl HandoffToHuman {
    /// The tool; with a business configuration it also says when people answer.
    pub fn new(business: Option<Arc<Business>>, clock: Clock) -> Self {
        Self { business, clock }
    }
}

/// Arguments of `handoff_to_human`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffArgs {
    /// Why a person should take over, in a few words, e.g. "customer asks for a person" or "refund dispute".
    pub reason: String,
    /// What the operator needs to know to continue without asking again: who, what happened, what was already tried or promised.
    pub summary: String,
}

/// The handoff `handoff_to_human` asked for.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Handoff {
    /// Always true: the conversation goes to a person.
    pub handed_off: bool,
    /// Why.
    pub reason: String,
    /// The summary for the operator.
    pub summary: String,
    /// Whether people are answering chats right now (unknown without configured hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub humans_available_now: Option<bool>,
    /// When people next answer, if not now (RFC 3339 with the business's offset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_available: Option<String>,
    /// The weekday of `next_available`, in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_available_weekday: Option<String>,
}

/// Changes the conversation (not read-only), removes nothing, and twice is the same as once.
const HANDOFF: ToolAnnotations = ToolAnnotations {
    read_only_hint: false,
    destructive_hint: false,
    idempotent_hint: true,
    open_world_hint: false,
};

#[async_trait]
impl Tool for HandoffToHuman {
    const NAME: &'static str = "handoff_to_human";
    type Args = HandoffArgs;
    type Output = Handoff;

    fn title(&self) -> &'static str {
        "Hand over to a person"
    }

    fn description(&self) -> &'static str {
        "Hands the conversation to a human operator. Use it when the customer asks for a person, is upset, \
         or needs something you cannot do or answer with your tools. After it succeeds, tell the customer \
         a person will continue (and when, if people are not answering now) and stop answering yourself."
    }

    fn annotations(&self) -> ToolAnnotations {
        HANDOFF
    }

    fn scope(&self) -> Scope {
        Scope::Conversation
    }

    async fn call(&self, ctx: &ToolContext, args: HandoffArgs) -> Result<Handoff, ToolError> {
        if ctx.conversation_id.is_none() {
            return Err(ToolError::not_allowed(
                "a handoff needs a conversation, and this call belongs to none",
            ));
        }
        let reason = required_text("reason", &args.reason, 300)?;
        let summary = required_text("summary", &args.summary, 2000)?;
        let availability = self.business.as_deref().and_then(|business| {
            let hours = business.contact.human_hours.as_ref()?;
            Some(availability(hours, business.timezone.at(self.clock.now())))
        });
        let (now, next) = match availability {
            Some(Availability::Now) => (Some(true), None),
            Some(Availability::From(next)) => (Some(false), Some(next)),
            Some(Availability::Never) => (Some(false), None),
            None => (None, None),
        };
        Ok(Handoff {
            handed_off: true,
            reason,
            summary,
            humans_available_now: now,
            next_available: next.as_ref().map(rfc3339),
            next_available_weekday: next.as_ref().map(|at| at.strftime("%A").to_string()),
        })
    }
}

enum Availability {
    Now,
    From(ZonedDateTime),
    Never,
}

/// Whether people answer at `now`, or from when.
fn availability(hours: &WeekHours, now: ZonedDateTime) -> Availability {
    let today = now.date();
    if hours
        .on(today.weekday())
        .ranges()
        .iter()
        .any(|r| r.start <= now.time() && now.time() < r.end)
    {
        return Availability::Now;
    }
    for offset in 0..=LOOKAHEAD_DAYS {
        let day = add_days(today, offset);
        for range in hours.on(day.weekday()).ranges() {
            let Ok(start) = day
                .to_datetime(range.start)
                .to_zoned_datetime(now.time_zone().clone())
            else {
                continue;
            };
            if start.timestamp() > now.timestamp() {
                return Availability::From(start);
            }
        }
    }
    Availability::Never
}
