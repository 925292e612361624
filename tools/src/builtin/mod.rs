//! The built-in tools, and [`builtin_registry`] that builds them from their dependencies.
//!
//! - `catalog`: `catalog_search`.
//! - `knowledge`: `knowledge_search` (FAQs and policies).
//! - `tickets`: `create_ticket`, `get_ticket`.
//! - `availability`: `check_availability`.
//! - `booking`: `book_appointment`.
//! - `own_bookings`: `cancel_booking`, `list_bookings`.
//! - `handoff`: `handoff_to_human`.
//! - `views`: the output objects shared by several tools.
//!
//! Authorization is each tool's job: whose data a call may touch comes from
//! [`ToolContext::caller`](crate::ToolContext), never from the model's arguments.

mod availability;
mod booking;
mod catalog;
mod handoff;
mod knowledge;
mod own_bookings;
mod tickets;
mod views;

pub use availability::{AvailabilityArgs, AvailabilityResult, CheckAvailability, FreeSlot};
pub use booking::{BookAppointment, BookAppointmentArgs, BookedAppointment};
pub use catalog::{CatalogItem, CatalogResults, CatalogSearch, CatalogSearchArgs};
pub use handoff::{Handoff, HandoffArgs, HandoffToHuman};
pub use knowledge::{
    KnowledgeKind, KnowledgeResults, KnowledgeSearch, KnowledgeSearchArgs, Passage,
};
pub use own_bookings::{
    BookingList, CancelBooking, CancelBookingArgs, CancelledBooking, ListBookings, ListBookingsArgs,
};
pub use tickets::{
    CreateTicket, CreateTicketArgs, GetTicket, GetTicketArgs, TicketCreated, TicketView,
};
pub use views::{BookingView, ServiceRef};

use crate::business::Business;
use crate::clock::Clock;
use crate::registry::ToolRegistry;
use crate::store::Store;
use crate::tool::{ToolContext, ToolError};
use charla_knowledge::search::Searcher;
use std::sync::Arc;

/// What the built-in tools need.
#[derive(Clone)]
pub struct BuiltinDeps {
    /// Search over the business's knowledge index.
    pub searcher: Searcher,
    /// Tickets and bookings.
    pub store: Store,
    /// The business's configuration; without one, the booking tools are left out.
    pub business: Option<Arc<Business>>,
    /// Where "now" comes from.
    pub clock: Clock,
}

/// A registry with every built-in tool the dependencies allow: search, tickets and handoff
/// always; availability and bookings when there is a business configuration with services.
pub fn builtin_registry(deps: BuiltinDeps) -> ToolRegistry {
    let mut registry = ToolRegistry::new();
    registry
        .register(CatalogSearch::new(deps.searcher.clone()))
        .register(KnowledgeSearch::new(deps.searcher))
        .register(CreateTicket::new(deps.store.clone(), deps.clock.clone()))
        .register(GetTicket::new(deps.store.clone()))
        .register(HandoffToHuman::new(
            deps.business.clone(),
            deps.clock.clone(),
        ));
    if let Some(business) = deps.business.filter(|b| !b.services.is_empty()) {
        registry
            .register(CheckAvailability::new(
                business.clone(),
                deps.store.clone(),
                deps.clock.clone(),
            ))
            .register(BookAppointment::new(
                business.clone(),
                deps.store.clone(),
                deps.clock.clone(),
            ))
            .register(CancelBooking::new(
                business.clone(),
                deps.store.clone(),
                deps.clock.clone(),
            ))
            .register(ListBookings::new(business, deps.store, deps.clock));
    }
    registry
}

/// The customer the call acts for, or why there is none.
fn customer(ctx: &ToolContext) -> Result<&str, ToolError> {
    ctx.caller.customer().ok_or_else(|| {
        ToolError::not_allowed(
            "this tool acts for a customer, and this caller does not act for any customer",
        )
    })
}

/// A text argument with surrounding space removed, refused when empty or too long.
fn required_text(name: &str, value: &str, max_chars: usize) -> Result<String, ToolError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ToolError::invalid(format!("`{name}` must not be empty")));
    }
    if value.chars().count() > max_chars {
        return Err(ToolError::invalid(format!(
            "`{name}` must be at most {max_chars} characters; shorten it"
        )));
    }
    Ok(value.to_string())
}

/// An optional text argument: blank means absent.
fn optional_text(
    name: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, ToolError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => required_text(name, value, max_chars).map(Some),
        None => Ok(None),
    }
}

/// An optional language filter: an ISO 639-1 code such as "es", lowercased; blank means any.
fn optional_locale(value: Option<&str>) -> Result<Option<String>, ToolError> {
    let Some(code) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let code = code.to_ascii_lowercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(Some(code))
    } else {
        Err(ToolError::invalid(format!(
            "`locale` must be a two-letter language code such as \"en\" or \"es\"; got {code:?}"
        )))
    }
}

/// An optional price ceiling: a finite number of zero or more.
fn optional_max_price(value: Option<f64>) -> Result<Option<f64>, ToolError> {
    match value {
        Some(price) if !(price.is_finite() && price >= 0.0) => Err(ToolError::invalid(
            "`max_price` must be a number of zero or more",
        )),
        other => Ok(other),
    }
}

/// An optional category filter, lowercased as the index stores categories; blank means any.
fn optional_category(value: Option<String>) -> Option<String> {
    value
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
}
