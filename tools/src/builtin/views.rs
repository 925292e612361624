//! Output objects and lookups shared by the availability and booking tools.

use crate::business::{Business, Location, Service};
use crate::schedule::rfc3339;
use crate::store::{Booking, BookingStatus};
use crate::tool::ToolError;
use schemars::JsonSchema;
use serde::Serialize;

/// A service as the booking tools name it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ServiceRef {
    /// Its id (use it in later calls).
    pub id: String,
    /// Its name in the business's default language.
    pub name: String,
    /// How long it takes.
    pub duration_minutes: u32,
    /// What the labour costs.
    pub price: f64,
    /// The price's currency (ISO 4217).
    pub currency: String,
}

impl ServiceRef {
    /// `service` of `business`.
    pub fn new(business: &Business, service: &Service) -> Self {
        ServiceRef {
            id: service.id.clone(),
            name: service.name(&business.default_language).to_string(),
            duration_minutes: service.duration_minutes,
            price: service.price,
            currency: business.currency.clone(),
        }
    }
}

/// A booking as the booking tools show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BookingView {
    /// Its id, to give to the customer (e.g. "B-000042").
    pub booking_id: String,
    /// Where it stands.
    pub status: BookingStatus,
    /// What is booked.
    pub service: ServiceRef,
    /// The location's id.
    pub location: String,
    /// The location's name.
    pub location_name: String,
    /// The location's address.
    pub address: String,
    /// When it starts (RFC 3339 with the location's offset).
    pub start: String,
    /// When it ends (RFC 3339 with the location's offset).
    pub end: String,
    /// The weekday of the start, in English.
    pub weekday: String,
    /// What the customer asked us to know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl BookingView {
    /// `booking`, described with `business`'s names. Bookings of services or locations removed
    /// from the configuration since are still shown, by id.
    pub fn new(business: &Business, booking: &Booking) -> Self {
        let location = business.location_by_id(&booking.location_id);
        let zone = location
            .map_or(business.timezone.time_zone(), |l| l.timezone.time_zone())
            .clone();
        let start = booking.starts_at.to_zoned_datetime(zone.clone());
        let end = booking.ends_at.to_zoned_datetime(zone);
        let service = match business
            .services
            .iter()
            .find(|s| s.id == booking.service_id)
        {
            Some(service) => ServiceRef::new(business, service),
            None => ServiceRef {
                id: booking.service_id.clone(),
                name: booking.service_id.clone(),
                duration_minutes: u32::try_from(
                    booking.starts_at.duration_until(booking.ends_at).as_mins(),
                )
                .unwrap_or(0),
                price: 0.0,
                currency: business.currency.clone(),
            },
        };
        BookingView {
            booking_id: booking.id.to_string(),
            status: booking.status,
            service,
            location: booking.location_id.clone(),
            location_name: location.map_or_else(|| booking.location_id.clone(), |l| l.name.clone()),
            address: location.map(|l| l.address.clone()).unwrap_or_default(),
            start: rfc3339(&start),
            end: rfc3339(&end),
            weekday: start.strftime("%A").to_string(),
            notes: booking.notes.clone(),
        }
    }
}

/// The service `query` names, or an error listing the services.
pub(super) fn find_service<'b>(
    business: &'b Business,
    query: &str,
) -> Result<&'b Service, ToolError> {
    business.service(query).ok_or_else(|| {
        let known: Vec<String> = business
            .services
            .iter()
            .map(|s| format!("{} ({})", s.id, s.name(&business.default_language)))
            .collect();
        ToolError::invalid(format!(
            "there is no service {:?}; the services are: {}",
            query.trim(),
            known.join(", ")
        ))
    })
}

/// The location `query` names among those offering `service`, or an error listing them.
pub(super) fn find_location<'b>(
    business: &'b Business,
    service: &Service,
    query: &str,
) -> Result<&'b Location, ToolError> {
    let offering = || {
        let names: Vec<String> = service
            .locations
            .iter()
            .filter_map(|id| business.location_by_id(id))
            .map(|l| format!("{} ({})", l.id, l.name))
            .collect();
        names.join(", ")
    };
    match business.location(query) {
        Some(location) if service.offered_at(&location.id) => Ok(location),
        Some(location) => Err(ToolError::invalid(format!(
            "{} is not offered at {}; it is offered at: {}",
            service.id,
            location.name,
            offering()
        ))),
        None => Err(ToolError::invalid(format!(
            "there is no location {:?}; {} is offered at: {}",
            query.trim(),
            service.id,
            offering()
        ))),
    }
}

/// The locations offering `service`, in configuration order.
pub(super) fn locations_of<'b>(business: &'b Business, service: &Service) -> Vec<&'b Location> {
    business
        .locations
        .iter()
        .filter(|l| service.offered_at(&l.id))
        .collect()
}

/// What the customer must know about cancelling, from the booking rules.
pub(super) fn cancellation_policy(business: &Business) -> Option<String> {
    let hours = business.booking.cancellation_notice_hours?;
    Some(match business.booking.no_show_fee {
        Some(fee) if fee > 0.0 => format!(
            "Cancel or move at least {hours} hours before the start; later cancellations and no-shows pay \
             {fee:.2} {}.",
            business.currency
        ),
        _ => format!("Cancel or move at least {hours} hours before the start."),
    })
}
