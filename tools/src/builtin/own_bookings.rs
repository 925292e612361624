//! `cancel_booking` and `list_bookings`: what the calling customer can do with the bookings
//! they hold. Someone else's booking reads exactly like a missing one.

use super::customer;
use super::views::BookingView;
use crate::business::Business;
use crate::clock::Clock;
use crate::store::{Booking, BookingId, BookingStatus, Store};
use crate::tool::{Scope, Tool, ToolAnnotations, ToolContext, ToolError};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Cancels one of the calling customer's bookings.
#[derive(Debug, Clone)]
pub struct CancelBooking {
    business: Arc<Business>,
    store: Store,
    clock: Clock,
}

impl CancelBooking {
    /// The tool for `business`'s bookings in `store`.
    pub fn new(business: Arc<Business>, store: Store, clock: Clock) -> Self {
        Self {
            business,
            store,
            clock,
        }
    }
}

/// Arguments of `cancel_booking`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBookingArgs {
    /// The booking's id as given to the customer, e.g. "B-000042".
    pub booking_id: String,
}

/// The booking `cancel_booking` cancelled.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CancelledBooking {
    /// The booking, now cancelled.
    #[serde(flatten)]
    pub booking: BookingView,
    /// True when it had already been cancelled before this call.
    pub already_cancelled: bool,
    /// True when it was cancelled with less notice than the business asks for.
    pub late_cancellation: bool,
    /// The fee the business may charge for the late cancellation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<f64>,
}

#[async_trait]
impl Tool for CancelBooking {
    const NAME: &'static str = "cancel_booking";
    type Args = CancelBookingArgs;
    type Output = CancelledBooking;

    fn title(&self) -> &'static str {
        "Cancel a booking"
    }

    fn description(&self) -> &'static str {
        "Cancels one of the current customer's upcoming workshop bookings by its id (e.g. \"B-000042\"; \
         list_bookings shows them). Confirm with the customer first. Says whether the cancellation is late \
         and a fee may apply."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::DESTRUCTIVE
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
        args: CancelBookingArgs,
    ) -> Result<CancelledBooking, ToolError> {
        let contact_id = customer(ctx)?;
        let id: BookingId = args.booking_id.parse().map_err(ToolError::invalid)?;
        let not_found =
            || ToolError::not_found(format!("there is no booking {id} for this customer"));
        let booking = self
            .own_booking(id, contact_id)
            .await?
            .ok_or_else(not_found)?;
        let now = self.clock.now();
        if booking.status == BookingStatus::Cancelled {
            return Ok(self.cancelled(&booking, true, now));
        }
        if booking.starts_at <= now {
            return Err(self.started(&booking));
        }
        match self
            .store
            .cancel_booking(id, now)
            .await
            .map_err(ToolError::unavailable)?
        {
            Some(cancelled) => {
                tracing::info!(booking = %cancelled.id, "booking cancelled");
                Ok(self.cancelled(&cancelled, false, now))
            }
            // Changed between the read and the update: cancelled by a concurrent call, or its
            // start just passed.
            None => match self
                .own_booking(id, contact_id)
                .await?
                .ok_or_else(not_found)?
            {
                current if current.status == BookingStatus::Cancelled => {
                    Ok(self.cancelled(&current, true, now))
                }
                current => Err(self.started(&current)),
            },
        }
    }
}

impl CancelBooking {
    async fn own_booking(
        &self,
        id: BookingId,
        contact_id: &str,
    ) -> Result<Option<Booking>, ToolError> {
        let booking = self
            .store
            .booking(id)
            .await
            .map_err(ToolError::unavailable)?;
        // Someone else's booking reads exactly like a missing one.
        Ok(booking.filter(|b| b.contact_id == contact_id))
    }

    fn cancelled(
        &self,
        booking: &Booking,
        already_cancelled: bool,
        now: Timestamp,
    ) -> CancelledBooking {
        let rules = &self.business.booking;
        let cancelled_at = if already_cancelled {
            booking.cancelled_at.unwrap_or(now)
        } else {
            now
        };
        let late_cancellation = rules.cancellation_notice_hours.is_some_and(|hours| {
            cancelled_at.duration_until(booking.starts_at)
                < SignedDuration::from_hours(i64::from(hours))
        });
        CancelledBooking {
            booking: BookingView::new(&self.business, booking),
            already_cancelled,
            late_cancellation,
            fee: rules
                .no_show_fee
                .filter(|fee| late_cancellation && *fee > 0.0),
        }
    }

    fn started(&self, booking: &Booking) -> ToolError {
        let view = BookingView::new(&self.business, booking);
        ToolError::conflict(format!(
            "booking {} started at {}; only upcoming bookings can be cancelled",
            view.booking_id, view.start
        ))
    }
}

/// Lists the calling customer's upcoming bookings.
#[derive(Debug, Clone)]
pub struct ListBookings {
    business: Arc<Business>,
    store: Store,
    clock: Clock,
}

impl ListBookings {
    /// The tool for `business`'s bookings in `store`.
    pub fn new(business: Arc<Business>, store: Store, clock: Clock) -> Self {
        Self {
            business,
            store,
            clock,
        }
    }
}

/// Arguments of `list_bookings` (none).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListBookingsArgs {}

/// The customer's upcoming bookings.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BookingList {
    /// Confirmed bookings that have not ended, soonest first.
    pub bookings: Vec<BookingView>,
}

#[async_trait]
impl Tool for ListBookings {
    const NAME: &'static str = "list_bookings";
    type Args = ListBookingsArgs;
    type Output = BookingList;

    fn title(&self) -> &'static str {
        "List my bookings"
    }

    fn description(&self) -> &'static str {
        "Lists the current customer's upcoming workshop bookings with their ids, services, locations and times."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::READ_ONLY
    }

    fn scope(&self) -> Scope {
        Scope::Read
    }

    fn acts_for_customer(&self) -> bool {
        true
    }

    async fn call(
        &self,
        ctx: &ToolContext,
        _args: ListBookingsArgs,
    ) -> Result<BookingList, ToolError> {
        let contact_id = customer(ctx)?;
        let bookings = self
            .store
            .upcoming_bookings_of(contact_id, self.clock.now())
            .await
            .map_err(ToolError::unavailable)?;
        Ok(BookingList {
            bookings: bookings
                .iter()
                .map(|b| BookingView::new(&self.business, b))
                .collect(),
        })
    }
}
