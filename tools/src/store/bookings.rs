//! Workshop bookings, shown to people as `B-000042`.
//!
//! A booking occupies one unit of its service's capacity at its location for
//! `[starts_at, ends_at)`. [`Store::book`] checks capacity and inserts inside one
//! `BEGIN IMMEDIATE` transaction: SQLite lets one writer in at a time, so two concurrent
//! bookings of the last unit are serialised and the second sees the first. The check counts
//! the *peak* number of overlapping bookings, so services with capacity above one and
//! bookings that overlap without starting together are handled exactly.

use super::contacts::ensure_contact;
use super::tickets::parse_number;
use super::{Store, StoreError, seconds, timestamp};
use jiff::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use std::fmt;
use std::str::FromStr;

/// A booking's number, shown as `B-000042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BookingId(pub i64);

impl fmt::Display for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "B-{:06}", self.0)
    }
}

impl FromStr for BookingId {
    type Err = String;

    /// Reads `B-000042`, `b-42`, `#42` or `42`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_number(text, 'B').map(BookingId).ok_or_else(|| {
            format!(
                "`{}` is not a booking id: booking ids look like B-000042",
                text.trim()
            )
        })
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BookingStatus {
    /// It will take place.
    Confirmed,
    /// It was cancelled.
    Cancelled,
}

impl BookingStatus {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Cancelled => "cancelled",
        }
    }
}

impl FromStr for BookingStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "confirmed" => Ok(BookingStatus::Confirmed),
            "cancelled" => Ok(BookingStatus::Cancelled),
            other => Err(StoreError::Corrupt(format!("booking status `{other}`"))),
        }
    }
}

/// A booking to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    /// Whose it is.
    pub contact_id: String,
    /// The conversation it came from.
    pub conversation_id: Option<String>,
    /// The service's id.
    pub service_id: String,
    /// The location's id.
    pub location_id: String,
    /// When it starts.
    pub starts_at: Timestamp,
    /// When it ends (after `starts_at`).
    pub ends_at: Timestamp,
    /// How many bookings of the service may overlap at the location.
    pub capacity: u32,
    /// What the customer wants us to know.
    pub notes: Option<String>,
}

/// A stored booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// Its number.
    pub id: BookingId,
    /// Whose it is.
    pub contact_id: String,
    /// The conversation it came from.
    pub conversation_id: Option<String>,
    /// The service's id.
    pub service_id: String,
    /// The location's id.
    pub location_id: String,
    /// When it starts.
    pub starts_at: Timestamp,
    /// When it ends.
    pub ends_at: Timestamp,
    /// What the customer wants us to know.
    pub notes: Option<String>,
    /// Where it stands.
    pub status: BookingStatus,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was cancelled.
    pub cancelled_at: Option<Timestamp>,
}

/// Why [`Store::book`] did not book.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    /// Every unit of capacity is taken for some part of the requested time.
    #[error("the slot is fully booked")]
    Full,
    /// The same contact already holds this very booking (a retried call, say).
    #[error("already booked as {}", .0.id)]
    AlreadyBooked(Box<Booking>),
    /// The request is impossible (ends before it starts, zero capacity).
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BookError {
    fn from(err: sqlx::Error) -> Self {
        BookError::Store(StoreError::Database(err))
    }
}

const COLUMNS: &str = "number, contact_id, conversation_id, service_id, location_id, starts_at, ends_at, notes, \
                       status, created_at, cancelled_at";

impl Store {
    /// Books `booking` if its service has a free unit of capacity at its location for the
    /// whole of its time. Safe against concurrent calls, in this process or another.
    pub async fn book(&self, booking: &NewBooking, now: Timestamp) -> Result<Booking, BookError> {
        let (start, end) = (seconds(booking.starts_at), seconds(booking.ends_at));
        if end <= start {
            return Err(BookError::Invalid(
                "a booking must end after it starts".into(),
            ));
        }
        if booking.capacity == 0 {
            return Err(BookError::Invalid("the service has no capacity".into()));
        }
        // Takes the write lock now rather than at the first write, so that the capacity read
        // below cannot be overtaken by another writer before our insert.
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let same = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM bookings
             WHERE contact_id = ?1 AND service_id = ?2 AND location_id = ?3 AND starts_at = ?4
               AND status = 'confirmed'"
        )))
        .bind(&booking.contact_id)
        .bind(&booking.service_id)
        .bind(&booking.location_id)
        .bind(start)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = same {
            return Err(BookError::AlreadyBooked(Box::new(booking_from_row(&row)?)));
        }
        let overlapping: Vec<(i64, i64)> = sqlx::query(
            "SELECT starts_at, ends_at FROM bookings
             WHERE location_id = ?1 AND service_id = ?2 AND status = 'confirmed'
               AND starts_at < ?4 AND ends_at > ?3",
        )
        .bind(&booking.location_id)
        .bind(&booking.service_id)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("starts_at")?, row.try_get("ends_at")?)))
        .collect::<Result<_, sqlx::Error>>()?;
        if peak_concurrency(&overlapping, start, end) >= booking.capacity {
            return Err(BookError::Full);
        }
        ensure_contact(&mut tx, &booking.contact_id, now).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO bookings (contact_id, conversation_id, service_id, location_id, starts_at, ends_at, notes,
                                   created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             RETURNING {COLUMNS}"
        )))
        .bind(&booking.contact_id)
        .bind(&booking.conversation_id)
        .bind(&booking.service_id)
        .bind(&booking.location_id)
        .bind(start)
        .bind(end)
        .bind(&booking.notes)
        .bind(seconds(now))
        .fetch_one(&mut *tx)
        .await?;
        let stored = booking_from_row(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The booking `id`, whoever it belongs to: callers check ownership.
    pub async fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM bookings WHERE number = ?1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(booking_from_row).transpose()
    }

    /// A contact's confirmed bookings that end after `after`, soonest first.
    pub async fn upcoming_bookings_of(
        &self,
        contact_id: &str,
        after: Timestamp,
    ) -> Result<Vec<Booking>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM bookings
             WHERE contact_id = ?1 AND status = 'confirmed' AND ends_at > ?2
             ORDER BY starts_at, number"
        )))
        .bind(contact_id)
        .bind(seconds(after))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// The `[start, end)` of every confirmed booking of `service_id` at `location_id` that
    /// overlaps `[from, to)`.
    pub async fn taken(
        &self,
        location_id: &str,
        service_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Timestamp, Timestamp)>, StoreError> {
        let rows = sqlx::query(
            "SELECT starts_at, ends_at FROM bookings
             WHERE location_id = ?1 AND service_id = ?2 AND status = 'confirmed'
               AND starts_at < ?4 AND ends_at > ?3
             ORDER BY starts_at",
        )
        .bind(location_id)
        .bind(service_id)
        .bind(seconds(from))
        .bind(seconds(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    timestamp(row.try_get("starts_at")?)?,
                    timestamp(row.try_get("ends_at")?)?,
                ))
            })
            .collect()
    }

    /// Cancels a confirmed booking that has not started by `now`. Returns the cancelled
    /// booking, or `None` when there is no such booking, it was already cancelled or it has
    /// started.
    pub async fn cancel_booking(
        &self,
        id: BookingId,
        now: Timestamp,
    ) -> Result<Option<Booking>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE bookings SET status = 'cancelled', cancelled_at = ?2
             WHERE number = ?1 AND status = 'confirmed' AND starts_at > ?2
             RETURNING {COLUMNS}"
        )))
        .bind(id.0)
        .bind(seconds(now))
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(booking_from_row).transpose()
    }
}

/// The largest number of `intervals` (half-open `[start, end)`) that cover one instant of
/// `[start, end)`.
pub fn peak_concurrency<T: Copy + Ord>(intervals: &[(T, T)], start: T, end: T) -> u32 {
    // +1 when an interval begins, -1 when it ends; at equal times ends come first, since an
    // interval ending at t does not overlap one starting at t.
    let mut events: Vec<(T, i32)> = Vec::with_capacity(intervals.len() * 2);
    for &(s, e) in intervals {
        let (s, e) = (s.max(start), e.min(end));
        if s < e {
            events.push((s, 1));
            events.push((e, -1));
        }
    }
    events.sort();
    let (mut current, mut peak) = (0i32, 0i32);
    for (_, delta) in events {
        current += delta;
        peak = peak.max(current);
    }
    u32::try_from(peak).unwrap_or(0)
}

fn booking_from_row(row: &SqliteRow) -> Result<Booking, StoreError> {
    Ok(Booking {
        id: BookingId(row.try_get("number")?),
        contact_id: row.try_get("contact_id")?,
        conversation_id: row.try_get("conversation_id")?,
        service_id: row.try_get("service_id")?,
        location_id: row.try_get("location_id")?,
        starts_at: timestamp(row.try_get("starts_at")?)?,
        ends_at: timestamp(row.try_get("ends_at")?)?,
        notes: row.try_get("notes")?,
        status: row.try_get::<String, _>("status")?.parse()?,
        created_at: timestamp(row.try_get("created_at")?)?,
        cancelled_at: row
            .try_get::<Option<i64>, _>("cancelled_at")?
            .map(timestamp)
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_counts_only_what_overlaps_at_one_instant() {
        // 10-12 and 12-14 never overlap each other: a third booking 11-13 meets a peak of one.
        assert_eq!(peak_concurrency(&[(10, 12), (12, 14)], 11, 13), 1);
        // 10-12 and 11-13 overlap during 11-12.
        assert_eq!(peak_concurrency(&[(10, 12), (11, 13)], 10, 13), 2);
        // Touching the window's edge is not overlapping it.
        assert_eq!(peak_concurrency(&[(8, 10)], 10, 11), 0);
        assert_eq!(peak_concurrency::<i64>(&[], 10, 11), 0);
    }

    #[test]
    fn booking_ids_read_the_ways_people_write_them() {
        assert_eq!("B-000042".parse::<BookingId>().ok(), Some(BookingId(42)));
        assert_eq!("b42".parse::<BookingId>().ok(), Some(BookingId(42)));
        assert!("T-000042".parse::<BookingId>().is_err());
        assert_eq!(BookingId(42).to_string(), "B-000042");
    }
}
