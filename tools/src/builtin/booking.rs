//! `book_appointment`: books a free slot of a workshop service for the calling customer.

use super::views::{BookingView, cancellation_policy, find_location, find_service};
use super::{customer, optional_text};
use crate::business::{Business, Location, Service};
use crate::clock::Clock;
use crate::schedule::{Planner, add_days, day_start, local, rfc3339, times};
use crate::store::{BookError, NewBooking, Store};
use crate::tool::{Scope, Tool, ToolAnnotations, ToolContext, ToolError};
use async_trait::async_trait;
use jiff::civil::{Date, DateTime};
use jiff::{Timestamp, ZonedDateTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How many days after a refused slot's day are searched for the next free one.
const SUGGESTION_DAYS: i64 = 14;

/// Books a slot for the calling customer.
#[derive(Debug, Clone)]
pub struct BookAppointment {
    business: Arc<Business>,
    store: Store,
    clock: Clock,
}

impl BookAppointment {
    /// The tool for `business`'s services, with bookings in `store`.
    pub fn new(business: Arc<Business>, store: Store, clock: Clock) -> Self {
        Self {
            business,
            store,
            clock,
        }
    }
}

/// Arguments of `book_appointment`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookAppointmentArgs {
    /// The service's id or its name in any language, e.g. "basic-service".
    pub service: String,
    /// The slot's start as check_availability returned it ("2026-12-01T10:00:00+01:00"), or the location's local time "2026-12-01T10:00".
    pub start: String,
    /// The location's id or name, e.g. "barcelona". Required when the service is offered at more than one location.
    #[serde(default)]
    pub location: Option<String>,
    /// Anything the workshop should know (the bike, the problem), at most 500 characters.
    #[serde(default)]
    pub notes: Option<String>,
}

/// The booking `book_appointment` made.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BookedAppointment {
    /// The booking.
    #[serde(flatten)]
    pub booking: BookingView,
    /// True when the customer already held this very booking (a repeated call): nothing new was booked.
    pub already_booked: bool,
    /// The cancellation terms to tell the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_policy: Option<String>,
}

#[async_trait]
impl Tool for BookAppointment {
    const NAME: &'static str = "book_appointment";
    type Args = BookAppointmentArgs;
    type Output = BookedAppointment;

    fn title(&self) -> &'static str {
        "Book a workshop appointment"
    }

    fn description(&self) -> &'static str {
        "Books a workshop service for the current customer in a free slot returned by check_availability. \
         Confirm service, location, day and time with the customer first. Returns the booking id to give \
         to the customer; if the slot is no longer free, the error lists free times."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::CREATES
    }

    fn scope(&self) -> Scope {
        Scope::Write
    }

    fn acts_for_customer(&self) -> bool {
        true
    }

    async fn call(
        &self,
        ctx: &ToolContext,
        args: BookAppointmentArgs,
    ) -> Result<BookedAppointment, ToolError> {
        let contact_id = customer(ctx)?;
        let business = &*self.business;
        let service = find_service(business, &args.service)?;
        let location = match args
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            Some(query) => find_location(business, service, query)?,
            None => only_location(business, service)?,
        };
        let notes = optional_text("notes", args.notes.as_deref(), 500)?;
        let start = parse_start(&args.start, location)?;
        let now = self.clock.now();
        let planner = Planner {
            location,
            service,
            rules: &business.booking,
            now,
        };
        let window = match planner.check(start) {
            Ok(window) => window,
            Err(reason) => {
                let hint = self.suggestions(&planner, start.date()).await?;
                return Err(ToolError::invalid(format!(
                    "slot {} is not a free start time for {} in {}: {reason}; {hint}",
                    start.strftime("%Y-%m-%dT%H:%M"),
                    service.id,
                    location.name
                )));
            }
        };
        let booking = NewBooking {
            contact_id: contact_id.to_string(),
            conversation_id: ctx.conversation_id.clone(),
            service_id: service.id.clone(),
            location_id: location.id.clone(),
            starts_at: window.start.timestamp(),
            ends_at: window.end.timestamp(),
            capacity: service.capacity,
            notes,
        };
        let (booking, already_booked) = match self.store.book(&booking, now).await {
            Ok(booking) => (booking, false),
            Err(BookError::AlreadyBooked(existing)) => (*existing, true),
            Err(BookError::Full) => {
                let hint = self.suggestions(&planner, start.date()).await?;
                return Err(ToolError::conflict(format!(
                    "slot {} for {} in {} has just been fully booked; {hint}",
                    local(&window.start),
                    service.id,
                    location.name
                )));
            }
            Err(BookError::Invalid(message)) => return Err(ToolError::invalid(message)),
            Err(BookError::Store(err)) => return Err(ToolError::unavailable(err)),
        };
        if !already_booked {
            tracing::info!(booking = %booking.id, service = %booking.service_id, location = %booking.location_id, "booked");
        }
        Ok(BookedAppointment {
            booking: BookingView::new(business, &booking),
            already_booked,
            cancellation_policy: cancellation_policy(business),
        })
    }
}

impl BookAppointment {
    /// What to offer instead: the free times of `date`, or the next free slot.
    async fn suggestions(&self, planner: &Planner<'_>, date: Date) -> Result<String, ToolError> {
        let (today, last_day) = (planner.today(), planner.last_day());
        let from = if date < today || date > last_day {
            today
        } else {
            date
        };
        let to = add_days(from, SUGGESTION_DAYS).min(last_day);
        let taken = self
            .store
            .taken(
                &planner.location.id,
                &planner.service.id,
                day_start(planner.location, from),
                day_start(planner.location, add_days(to, 2)),
            )
            .await
            .map_err(ToolError::unavailable)?;
        let same_day = if from == date {
            planner.free_on(date, &taken)
        } else {
            Vec::new()
        };
        if !same_day.is_empty() {
            return Ok(format!("free slots that day: {}", times(&same_day)));
        }
        let mut day = from;
        while day <= to {
            if let Some(slot) = planner.free_on(day, &taken).first() {
                let start = &slot.window.start;
                let lead = if from == date {
                    "no free slot that day; "
                } else {
                    ""
                };
                return Ok(format!(
                    "{lead}the next free slot is {} ({})",
                    rfc3339(start),
                    start.strftime("%A")
                ));
            }
            day = add_days(day, 1);
        }
        Ok(format!(
            "no free slot until {to} at {}; suggest another location or a handoff",
            planner.location.name
        ))
    }
}

/// The only location offering `service`, or an error asking which.
fn only_location<'b>(business: &'b Business, service: &Service) -> Result<&'b Location, ToolError> {
    match service.locations.as_slice() {
        [only] => business
            .location_by_id(only)
            .ok_or_else(|| ToolError::unavailable("service location vanished")),
        several => Err(ToolError::invalid(format!(
            "{} is offered at {}: pass `location`",
            service.id,
            several.join(" and ")
        ))),
    }
}

/// The slot start as the location's local time: RFC 3339 (any offset, converted), RFC 9557,
/// or a local `YYYY-MM-DDTHH:MM`.
fn parse_start(text: &str, location: &Location) -> Result<DateTime, ToolError> {
    let text = text.trim();
    let zone = location.timezone.time_zone();
    if let Ok(zoned) = text.parse::<ZonedDateTime>() {
        return Ok(zoned.timestamp().to_zoned_datetime(zone.clone()).datetime());
    }
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at.to_zoned_datetime(zone.clone()).datetime());
    }
    text.parse::<DateTime>().map_err(|_| {
        ToolError::invalid(format!(
            "`start` {text:?} is not a date and time: pass a slot start from check_availability, e.g. \
             \"2026-12-01T10:00:00+01:00\", or a local time like \"2026-12-01T10:00\""
        ))
    })
}
