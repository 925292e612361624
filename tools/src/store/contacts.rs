//! Contacts: the customers the business talks to. A contact row is created the first time a
//! ticket or booking is made for it; erasing a contact erases its tickets and bookings.

use super::{Store, StoreError, seconds, timestamp};
use jiff::Timestamp;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    /// The channel's id for the customer.
    pub id: String,
    /// The name they gave, if any.
    pub display_name: Option<String>,
    /// Their language (ISO 639-1), if known.
    pub language: Option<String>,
    /// First seen.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl Store {
    /// Creates the contact if it does not exist yet.
    pub async fn ensure_contact(&self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        ensure_contact(&mut conn, id, now).await
    }

    /// Creates or updates a contact's name and language (a `None` keeps what is stored).
    pub async fn upsert_contact(
        &self,
        id: &str,
        display_name: Option<&str>,
        language: Option<&str>,
        now: Timestamp,
    ) -> Result<ContactRecord, StoreError> {
        let row = sqlx::query(
            "INSERT INTO contacts (id, display_name, language, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET
                 display_name = COALESCE(excluded.display_name, contacts.display_name),
                 language = COALESCE(excluded.language, contacts.language),
                 updated_at = excluded.updated_at
             RETURNING id, display_name, language, created_at, updated_at",
        )
        .bind(id)
        .bind(display_name)
        .bind(language)
        .bind(seconds(now))
        .fetch_one(&self.writer)
        .await?;
        contact_from_row(&row)
    }

    /// The contact `id`, if stored.
    pub async fn contact(&self, id: &str) -> Result<Option<ContactRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, display_name, language, created_at, updated_at FROM contacts WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(contact_from_row).transpose()
    }

    /// Erases a contact with its tickets and bookings (a customer's request to be forgotten).
    /// Returns whether there was anything to erase.
    pub async fn erase_contact(&self, id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM contacts WHERE id = ?1")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(result.rows_affected() > 0)
    }
}

/// Creates the contact row on `conn` if missing, so tickets and bookings can reference it.
pub(super) async fn ensure_contact(
    conn: &mut SqliteConnection,
    id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO contacts (id, created_at, updated_at) VALUES (?1, ?2, ?2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(seconds(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn contact_from_row(row: &SqliteRow) -> Result<ContactRecord, StoreError> {
    Ok(ContactRecord {
        id: row.try_get("id")?,
        display_name: row.try_get("display_name")?,
        language: row.try_get("language")?,
        created_at: timestamp(row.try_get("created_at")?)?,
        updated_at: timestamp(row.try_get("updated_at")?)?,
    })
}
