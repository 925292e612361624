//! `check_availability`: free slots of a workshop service over a range of days.

use super::views::{ServiceRef, cancellation_policy, find_location, find_service, locations_of};
use crate::business::{Business, Location, parse_date};
use crate::clock::Clock;
use crate::schedule::{Planner, add_days, day_start, rfc3339};
use crate::store::Store;
use crate::tool::{Scope, Tool, ToolAnnotations, ToolContext, ToolError};
use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Days searched when no end is given (today and the 6 after it).
const DEFAULT_DAYS: i64 = 7;
/// The most days one call searches.
const MAX_DAYS: i64 = 31;
/// The most slots one answer lists: enough for a few days, short enough for a model.
const MAX_SLOTS: usize = 60;

/// Lists free slots.
#[derive(Debug, Clone)]
pub struct CheckAvailability {
    business: Arc<Business>,
    store: Store,
    clock: Clock,
}

impl CheckAvailability {
    /// The tool for `business`'s services, with bookings in `store`.
    pub fn new(business: Arc<Business>, store: Store, clock: Clock) -> Self {
        Self {
            business,
            store,
            clock,
        }
    }
}

/// Arguments of `check_availability`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityArgs {
    /// The service's id or its name in any language, e.g. "basic-service" or "Revisión básica".
    pub service: String,
    /// The location's id or name, e.g. "barcelona"; every location offering the service when omitted.
    #[serde(default)]
    pub location: Option<String>,
    /// First day to look at: "YYYY-MM-DD", "today" or "tomorrow". Default: today.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day to look at, included: "YYYY-MM-DD", "today" or "tomorrow". Default: 6 days after `from`; at most 31 days are searched.
    #[serde(default)]
    pub to: Option<String>,
}

/// What `check_availability` found.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AvailabilityResult {
    /// The service looked at.
    pub service: ServiceRef,
    /// Today's date at the business.
    pub today: String,
    /// The first day searched.
    pub from: String,
    /// The last day searched.
    pub to: String,
    /// Free slots, earliest first; book one by passing its `start` and `location` to book_appointment.
    pub slots: Vec<FreeSlot>,
    /// True when there were more free slots than listed: ask again with a narrower range.
    pub more_available: bool,
    /// Closures in the range and adjustments made to it, for the customer.
    pub notes: Vec<String>,
    /// The cancellation terms to tell the customer before booking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_policy: Option<String>,
}

/// A free slot.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FreeSlot {
    /// When it starts (RFC 3339 with the location's offset).
    pub start: String,
    /// The weekday of the start, in English.
    pub weekday: String,
    /// The location's id.
    pub location: String,
    /// How many more bookings fit in the slot.
    pub remaining: u32,
}

#[async_trait]
impl Tool for CheckAvailability {
    const NAME: &'static str = "check_availability";
    type Args = AvailabilityArgs;
    type Output = AvailabilityResult;

    fn title(&self) -> &'static str {
        "Check workshop availability"
    }

    fn description(&self) -> &'static str {
        "Lists the free slots of a workshop service (by id or name in any language) at one or all \
         locations over a range of days (default: the next 7 days). Call it before book_appointment and \
         offer the customer only slots it returned."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::READ_ONLY
    }

    fn scope(&self) -> Scope {
        Scope::Read
    }

    async fn call(
        &self,
        _ctx: &ToolContext,
        args: AvailabilityArgs,
    ) -> Result<AvailabilityResult, ToolError> {
        let business = &*self.business;
        let service = find_service(business, &args.service)?;
        let locations = match args
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            Some(query) => vec![find_location(business, service, query)?],
            None => locations_of(business, service),
        };
        let now = self.clock.now();
        let mut notes = Vec::new();
        let range = DayRange::resolve(
            business,
            now,
            args.from.as_deref(),
            args.to.as_deref(),
            &mut notes,
        )?;

        let mut slots = Vec::new();
        for location in &locations {
            let taken = self
                .store
                .taken(
                    &location.id,
                    &service.id,
                    range.start_in(location),
                    range.end_in(location),
                )
                .await
                .map_err(ToolError::unavailable)?;
            let planner = Planner {
                location,
                service,
                rules: &business.booking,
                now,
            };
            let mut reasons: Vec<String> = Vec::new();
            for date in range.days() {
                if let Some(reason) = location.closure_on(date)
                    && !reasons.contains(&reason)
                {
                    reasons.push(reason);
                }
                for slot in planner.free_on(date, &taken) {
                    slots.push((slot.window.start.timestamp(), location.id.clone(), slot));
                }
            }
            notes.extend(reasons);
        }
        // Earliest first across locations; configuration order breaks ties.
        let order = |id: &str| business.locations.iter().position(|l| l.id == id);
        slots.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| order(&a.1).cmp(&order(&b.1))));
        let more_available = slots.len() > MAX_SLOTS;
        if more_available {
            notes.push(format!(
                "only the first {MAX_SLOTS} free slots are listed; ask with a later `from`, an earlier `to` or a \
                 `location` to see others"
            ));
        }
        if slots.is_empty() {
            notes.push(
                "no free slot in this range; try later dates or another location".to_string(),
            );
        }
        let slots = slots
            .into_iter()
            .take(MAX_SLOTS)
            .map(|(_, location, slot)| FreeSlot {
                start: rfc3339(&slot.window.start),
                weekday: slot.window.start.strftime("%A").to_string(),
                location,
                remaining: slot.remaining,
            })
            .collect();
        Ok(AvailabilityResult {
            service: ServiceRef::new(business, service),
            today: range.today.to_string(),
            from: range.from.to_string(),
            to: range.to.to_string(),
            slots,
            more_available,
            notes,
            cancellation_policy: cancellation_policy(business),
        })
    }
}

/// The days a search covers, after defaults and caps.
struct DayRange {
    today: Date,
    from: Date,
    to: Date,
}

impl DayRange {
    fn resolve(
        business: &Business,
        now: Timestamp,
        from: Option<&str>,
        to: Option<&str>,
        notes: &mut Vec<String>,
    ) -> Result<Self, ToolError> {
        let today = business.today(now);
        let asked_from = from
            .map(|text| parse_day("from", text, today))
            .transpose()?
            .unwrap_or(today);
        let asked_to = match to {
            Some(text) => parse_day("to", text, today)?,
            None => add_days(asked_from, DEFAULT_DAYS - 1),
        };
        if asked_to < asked_from {
            return Err(ToolError::invalid(format!(
                "`to` ({asked_to}) is before `from` ({asked_from})"
            )));
        }
        if asked_to < today {
            return Err(ToolError::invalid(format!(
                "{asked_from} to {asked_to} is in the past; today is {today}: ask for today or later"
            )));
        }
        let last_day = add_days(today, i64::from(business.booking.max_days_ahead));
        if asked_from > last_day {
            return Err(ToolError::invalid(format!(
                "bookings open {} days ahead, so the last day that can be booked now is {last_day}",
                business.booking.max_days_ahead
            )));
        }
        let from = asked_from.max(today);
        if from != asked_from {
            notes.push(format!("days before today ({today}) were skipped"));
        }
        let mut to = asked_to;
        if to > add_days(from, MAX_DAYS - 1) {
            to = add_days(from, MAX_DAYS - 1);
            notes.push(format!(
                "only {MAX_DAYS} days are searched at once: {from} to {to}"
            ));
        }
        if to > last_day {
            to = last_day;
            notes.push(format!(
                "bookings open {} days ahead: days after {last_day} were skipped",
                business.booking.max_days_ahead
            ));
        }
        Ok(DayRange { today, from, to })
    }

    fn days(&self) -> impl Iterator<Item = Date> + '_ {
        let count = self.from.duration_until(self.to).as_hours() / 24;
        (0..=count).map(|n| add_days(self.from, n))
    }

    /// The start of the first day at `location`.
    fn start_in(&self, location: &Location) -> Timestamp {
        day_start(location, self.from)
    }

    /// The end of the last day at `location` (with a day's margin for bookings running late).
    fn end_in(&self, location: &Location) -> Timestamp {
        day_start(location, add_days(self.to, 2))
    }
}

/// A day argument: `YYYY-MM-DD`, `today` or `tomorrow`.
fn parse_day(name: &str, text: &str, today: Date) -> Result<Date, ToolError> {
    match text.trim().to_lowercase().as_str() {
        "today" => Ok(today),
        "tomorrow" => Ok(add_days(today, 1)),
        other => parse_date(other).map_err(|e| ToolError::invalid(format!("`{name}`: {e}"))),
    }
}
