//! Support tickets: opened for a contact, shown to people as `T-000123`.

use super::contacts::ensure_contact;
use super::{Store, StoreError, seconds, timestamp};
use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use std::fmt;
use std::str::FromStr;

/// A ticket's number, shown as `T-000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId(pub i64);

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T-{:06}", self.0)
    }
}

impl FromStr for TicketId {
    type Err = String;

    /// Reads `T-000123`, `t-123`, `#123` or `123`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_number(text, 'T').map(TicketId).ok_or_else(|| {
            format!(
                "`{}` is not a ticket id: ticket ids look like T-000123",
                text.trim()
            )
        })
    }
}

/// The number in `P-000123`, `p-123`, `#123` or `123` for prefix letter `prefix`.
pub(super) fn parse_number(text: &str, prefix: char) -> Option<i64> {
    let text = text.trim().trim_start_matches('#');
    let digits = match text.chars().next() {
        Some(c) if c.eq_ignore_ascii_case(&prefix) => text.get(1..)?.trim_start_matches(['-', ' ']),
        _ => text,
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// How urgent a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketPriority {
    /// It can wait.
    Low,
    /// The usual.
    #[default]
    Normal,
    /// The customer is blocked.
    High,
    /// Safety, money lost, or a deadline today.
    Urgent,
}

impl TicketPriority {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketPriority::Low => "low",
            TicketPriority::Normal => "normal",
            TicketPriority::High => "high",
            TicketPriority::Urgent => "urgent",
        }
    }
}

impl FromStr for TicketPriority {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "low" => Ok(TicketPriority::Low),
            "normal" => Ok(TicketPriority::Normal),
            "high" => Ok(TicketPriority::High),
            "urgent" => Ok(TicketPriority::Urgent),
            other => Err(StoreError::Corrupt(format!("ticket priority `{other}`"))),
        }
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    /// Waiting for the business.
    Open,
    /// Waiting for the customer or a third party.
    Pending,
    /// Solved.
    Resolved,
    /// Closed without further action.
    Closed,
}

impl TicketStatus {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }
}

impl FromStr for TicketStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(TicketStatus::Open),
            "pending" => Ok(TicketStatus::Pending),
            "resolved" => Ok(TicketStatus::Resolved),
            "closed" => Ok(TicketStatus::Closed),
            other => Err(StoreError::Corrupt(format!("ticket status `{other}`"))),
        }
    }
}

/// A ticket to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    /// Whose it is.
    pub contact_id: String,
    /// The conversation it came from.
    pub conversation_id: Option<String>,
    /// One line.
    pub subject: String,
    /// The details.
    pub description: String,
    /// How urgent.
    pub priority: TicketPriority,
    /// The order it is about.
    pub order_reference: Option<String>,
}

/// A stored ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its number.
    pub id: TicketId,
    /// Whose it is.
    pub contact_id: String,
    /// The conversation it came from.
    pub conversation_id: Option<String>,
    /// One line.
    pub subject: String,
    /// The details.
    pub description: String,
    /// How urgent.
    pub priority: TicketPriority,
    /// The order it is about.
    pub order_reference: Option<String>,
    /// Where it stands.
    pub status: TicketStatus,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

const COLUMNS: &str = "number, contact_id, conversation_id, subject, description, priority, order_reference, status, \
                       created_at, updated_at";

impl Store {
    /// Opens a ticket (creating the contact if needed).
    pub async fn create_ticket(
        &self,
        ticket: &NewTicket,
        now: Timestamp,
    ) -> Result<Ticket, StoreError> {
        // A writer from the start: a read-then-upgrade could fail with "database is locked".
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        ensure_contact(&mut tx, &ticket.contact_id, now).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO tickets (contact_id, conversation_id, subject, description, priority, order_reference, \
                                  created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             RETURNING {COLUMNS}"
        )))
        .bind(&ticket.contact_id)
        .bind(&ticket.conversation_id)
        .bind(&ticket.subject)
        .bind(&ticket.description)
        .bind(ticket.priority.as_str())
        .bind(&ticket.order_reference)
        .bind(seconds(now))
        .fetch_one(&mut *tx)
        .await?;
        let ticket = ticket_from_row(&row)?;
        tx.commit().await?;
        Ok(ticket)
    }

    /// The ticket `id`, whoever it belongs to: callers check ownership.
    pub async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tickets WHERE number = ?1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }

    /// A contact's tickets, newest first.
    pub async fn tickets_of(&self, contact_id: &str) -> Result<Vec<Ticket>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tickets WHERE contact_id = ?1 ORDER BY number DESC"
        )))
        .bind(contact_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// Moves a ticket to `status`. Returns the updated ticket, or `None` if there is no such
    /// ticket.
    pub async fn set_ticket_status(
        &self,
        id: TicketId,
        status: TicketStatus,
        now: Timestamp,
    ) -> Result<Option<Ticket>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE tickets SET status = ?2, updated_at = ?3 WHERE number = ?1 RETURNING {COLUMNS}"
        )))
        .bind(id.0)
        .bind(status.as_str())
        .bind(seconds(now))
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }
}

fn ticket_from_row(row: &SqliteRow) -> Result<Ticket, StoreError> {
    Ok(Ticket {
        id: TicketId(row.try_get("number")?),
        contact_id: row.try_get("contact_id")?,
        conversation_id: row.try_get("conversation_id")?,
        subject: row.try_get("subject")?,
        description: row.try_get("description")?,
        priority: row.try_get::<String, _>("priority")?.parse()?,
        order_reference: row.try_get("order_reference")?,
        status: row.try_get::<String, _>("status")?.parse()?,
        created_at: timestamp(row.try_get("created_at")?)?,
        updated_at: timestamp(row.try_get("updated_at")?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_read_the_ways_people_write_them() {
        for text in ["T-000123", "t-123", "#123", "123", " T 123 "] {
            assert_eq!(text.parse::<TicketId>().ok(), Some(TicketId(123)), "{text}");
        }
        for text in ["T-", "B-000123", "T-12a", "0", ""] {
            assert!(text.parse::<TicketId>().is_err(), "{text}");
        }
        assert_eq!(TicketId(123).to_string(), "T-000123");
    }
}
