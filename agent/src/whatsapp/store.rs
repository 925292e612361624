//! [`ChannelStore`]: the WhatsApp channel's durable state in the shared SQLite file: the inbox
//! (deduplicated by message id), contacts with their 24-hour window and marketing consent, the
//! consent ledger, the outbox, and delivery statuses that only move forward.
//!
//! Every write that acknowledges something to Meta or to a customer is committed before it is
//! acknowledged: the webhook answers 200 only after [`ChannelStore::accept`] returns.

use super::outbox::{OutboxItem, OutboxState, SendCategory};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqlitePool;
use sqlx::{Row, Sqlite, Transaction};

/// Errors of the channel store.
#[derive(Debug, thiserror::Error)]
pub enum ChannelStoreError {
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value makes no sense.
    #[error("unexpected value in the database: {0}")]
    Corrupt(String),
}

type Result<T> = std::result::Result<T, ChannelStoreError>;

/// An inbound message as the inbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxMessage {
    /// Meta's message id.
    pub wamid: String,
    /// Who wrote: the business-scoped user id, else the phone number.
    pub contact_key: String,
    /// The business number it was sent to.
    pub phone_number_id: String,
    /// The customer's phone number, when Meta gave it.
    pub phone: Option<String>,
    /// The customer's business-scoped user id, when Meta gave it.
    pub user_id: Option<String>,
    /// Their WhatsApp profile name.
    pub profile_name: Option<String>,
    /// The message type (`text`, `image`, `interactive`...).
    pub kind: String,
    /// What the agent reads; `None` when there is nothing to answer.
    pub text: Option<String>,
    /// The media's id, for images, audio, video, documents and stickers: downloaded through
    /// the Graph API ([`super::cloud_api::CloudApiClient::media`]) when something needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Meta's timestamp (Unix seconds).
    pub sent_at: i64,
}

/// What accepting a webhook did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Contacts with new messages to answer.
    pub contacts_to_answer: Vec<String>,
    /// New messages stored.
    pub new_messages: usize,
    /// Deliveries of messages already stored (changed nothing).
    pub duplicates: usize,
    /// Status updates that moved a message forward.
    pub statuses_applied: usize,
}

/// A delivery status as the store ranks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    /// The sent message's id.
    pub wamid: String,
    /// `sent`, `delivered`, `read`, `played`, `failed`...
    pub status: String,
    /// Its place in the order; failed is final whatever its rank.
    pub rank: u8,
    /// Meta's timestamp.
    pub at: i64,
    /// Errors as JSON text, for failures.
    pub errors: Option<String>,
    /// Pricing as JSON text.
    pub pricing: Option<String>,
}

/// Marketing consent of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// Agreed to marketing messages.
    OptedIn,
    /// Refused them.
    OptedOut,
}

impl Consent {
    fn as_str(self) -> &'static str {
        match self {
            Consent::OptedIn => "opted_in",
            Consent::OptedOut => "opted_out",
        }
    }
}

/// How to reach a contact, and what the rules allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactState {
    /// The contact's key.
    pub contact_key: String,
    /// Phone number, if known.
    pub phone: Option<String>,
    /// Business-scoped user id, if known.
    pub user_id: Option<String>,
    /// Profile name.
    pub profile_name: Option<String>,
    /// The business number they wrote to.
    pub phone_number_id: String,
    /// When they last wrote (Unix seconds).
    pub last_inbound_at: Option<i64>,
    /// Their current marketing consent (`None`: never asked).
    pub marketing: Option<Consent>,
}

/// The channel's tables. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ChannelStore {
    /// Reads only.
    pool: SqlitePool,
    /// Every write (the database's one writer connection).
    writer: SqlitePool,
}

impl ChannelStore {
    /// The channel's tables in `store`'s database (the agent's migrations, which create them,
    /// must have run: [`crate::conversation::ConversationStore::open`] runs them).
    pub fn new(store: &charla_tools::Store) -> Self {
        Self {
            pool: store.readers().clone(),
            writer: store.writer().clone(),
        }
    }

    /// Commits a webhook's messages and statuses in one transaction. Messages already stored
    /// are ignored (Meta delivers duplicates); statuses only move forward.
    pub async fn accept(
        &self,
        messages: &[InboxMessage],
        statuses: &[StatusRecord],
        now: Timestamp,
    ) -> Result<Accepted> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let mut accepted = Accepted::default();
        let now_s = now.as_second();
        let now_ms = now.as_millisecond();
        for message in messages {
            let json = serde_json::to_string(message)
                .map_err(|e| ChannelStoreError::Corrupt(e.to_string()))?;
            let state = if message.text.is_some() {
                "pending"
            } else {
                "skipped"
            };
            let inserted = sqlx::query(
                "INSERT INTO wa_inbox (wamid, contact_key, phone_number_id, kind, text, message, sent_at, received_at_ms, state)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wamid) DO NOTHING",
            )
            .bind(&message.wamid)
            .bind(&message.contact_key)
            .bind(&message.phone_number_id)
            .bind(&message.kind)
            .bind(&message.text)
            .bind(&json)
            .bind(message.sent_at)
            .bind(now_ms)
            .bind(state)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                accepted.duplicates += 1;
                continue;
            }
            accepted.new_messages += 1;
            upsert_contact(&mut tx, message, now_s).await?;
            if message.text.is_some() && !accepted.contacts_to_answer.contains(&message.contact_key)
            {
                accepted
                    .contacts_to_answer
                    .push(message.contact_key.clone());
            }
        }
        for status in statuses {
            let moved = sqlx::query(
                "INSERT INTO wa_message_status (wamid, status, rank, at, errors, pricing, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (wamid) DO UPDATE SET status = excluded.status, rank = excluded.rank, at = excluded.at,
                     errors = COALESCE(excluded.errors, errors), pricing = COALESCE(excluded.pricing, pricing), updated_at = excluded.updated_at
                 WHERE wa_message_status.status <> 'failed'
                   AND (excluded.status = 'failed' OR excluded.rank > wa_message_status.rank)",
            )
            .bind(&status.wamid)
            .bind(&status.status)
            .bind(i64::from(status.rank))
            .bind(status.at)
            .bind(&status.errors)
            .bind(&status.pricing)
            .bind(now_s)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            accepted.statuses_applied += usize::from(moved > 0);
        }
        tx.commit().await?;
        Ok(accepted)
    }

    /// The contact's messages waiting for an answer, oldest first.
    pub async fn pending(&self, contact_key: &str) -> Result<Vec<InboxMessage>> {
        let rows = sqlx::query("SELECT message FROM wa_inbox WHERE contact_key = ? AND state = 'pending' ORDER BY received_at_ms, rowid")
            .bind(contact_key)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| parse_json(row.try_get::<String, _>("message")?.as_str()))
            .collect()
    }

    /// Contacts with messages waiting for an answer (what a restart picks up).
    pub async fn contacts_with_pending(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT contact_key FROM wa_inbox WHERE state = 'pending' ORDER BY contact_key")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("contact_key")?))
            .collect()
    }

    /// Marks `wamids` answered and queues `replies`, in one transaction: either the turn's
    /// answer is queued and its messages are done, or neither (and a restart answers them).
    pub async fn complete_turn(
        &self,
        wamids: &[String],
        replies: &[OutboxItem],
        now: Timestamp,
    ) -> Result<Vec<i64>> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        for wamid in wamids {
            sqlx::query("UPDATE wa_inbox SET state = 'answered', done_at = ? WHERE wamid = ? AND state = 'pending'")
                .bind(now.as_second())
                .bind(wamid)
                .execute(&mut *tx)
                .await?;
        }
        let mut ids = Vec::with_capacity(replies.len());
        for item in replies {
            ids.push(insert_outbox(&mut tx, item, now).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Queues one message outside a turn (operators, confirmations).
    pub async fn enqueue(&self, item: &OutboxItem, now: Timestamp) -> Result<i64> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let id = insert_outbox(&mut tx, item, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Queued messages not yet sent, oldest first, at most `limit`. Rows left `sending` by a
    /// crash are included: whether Meta got them is unknown, and a reply sent twice is better
    /// than none.
    pub async fn open_outbox(&self, limit: usize) -> Result<Vec<OutboxRecord>> {
        let rows = sqlx::query(
            "SELECT id, contact_key, phone_number_id, message, category, origin, language, attempts
             FROM wa_outbox WHERE state IN ('pending', 'sending') ORDER BY id LIMIT ?",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxRecord {
                    id: row.try_get("id")?,
                    item: OutboxItem {
                        contact_key: row.try_get("contact_key")?,
                        phone_number_id: row.try_get("phone_number_id")?,
                        message: parse_json(row.try_get::<String, _>("message")?.as_str())?,
                        category: SendCategory::parse(
                            row.try_get::<String, _>("category")?.as_str(),
                        )
                        .ok_or_else(|| ChannelStoreError::Corrupt("outbox category".into()))?,
                        origin: row.try_get("origin")?,
                        language: row.try_get("language")?,
                    },
                    attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Records that sending `id` started (so a crash leaves a trace).
    pub async fn mark_sending(&self, id: i64, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE wa_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?")
            .bind(now.as_second())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Records how sending `id` ended: sent (with Meta's id, and what was sent when a rule
    /// replaced the message) or failed (with the reason).
    pub async fn finish_send(
        &self,
        id: i64,
        state: OutboxState,
        wamid: Option<&str>,
        sent_as: Option<&str>,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("UPDATE wa_outbox SET state = ?, wamid = COALESCE(?, wamid), sent_as = COALESCE(?, sent_as), reason = COALESCE(?, reason), updated_at = ? WHERE id = ?")
            .bind(state.as_str())
            .bind(wamid)
            .bind(sent_as)
            .bind(reason)
            .bind(now.as_second())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// One outbox row as it stands: state, Meta's id, the reason it failed.
    pub async fn outbox_row(
        &self,
        id: i64,
    ) -> Result<Option<(OutboxState, Option<String>, Option<String>)>> {
        let row = sqlx::query("SELECT state, wamid, reason FROM wa_outbox WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let state = OutboxState::parse(row.try_get::<String, _>("state")?.as_str())
                .ok_or_else(|| ChannelStoreError::Corrupt("outbox state".into()))?;
            Ok((state, row.try_get("wamid")?, row.try_get("reason")?))
        })
        .transpose()
    }

    /// The delivery status of a sent message.
    pub async fn status_of(&self, wamid: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT status FROM wa_message_status WHERE wamid = ?")
            .bind(wamid)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("status")).transpose()?)
    }

    /// A contact's reachability, window and consent.
    pub async fn contact(&self, contact_key: &str) -> Result<Option<ContactState>> {
        let row = sqlx::query(
            "SELECT contact_key, phone, user_id, profile_name, phone_number_id, last_inbound_at, marketing FROM wa_contacts WHERE contact_key = ?",
        )
        .bind(contact_key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let marketing: Option<String> = row.try_get("marketing")?;
            Ok(ContactState {
                contact_key: row.try_get("contact_key")?,
                phone: row.try_get("phone")?,
                user_id: row.try_get("user_id")?,
                profile_name: row.try_get("profile_name")?,
                phone_number_id: row.try_get("phone_number_id")?,
                last_inbound_at: row.try_get("last_inbound_at")?,
                marketing: match marketing.as_deref() {
                    Some("opted_in") => Some(Consent::OptedIn),
                    Some("opted_out") => Some(Consent::OptedOut),
                    _ => None,
                },
            })
        })
        .transpose()
    }

    /// Records a consent change in the ledger and on the contact.
    pub async fn set_consent(
        &self,
        contact_key: &str,
        consent: Consent,
        source: &str,
        detail: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO wa_consent_ledger (contact_key, consent, source, detail, at) VALUES (?, ?, ?, ?, ?)")
            .bind(contact_key)
            .bind(consent.as_str())
            .bind(source)
            .bind(detail)
            .bind(now.as_second())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE wa_contacts SET marketing = ?, updated_at = ? WHERE contact_key = ?")
            .bind(consent.as_str())
            .bind(now.as_second())
            .bind(contact_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A contact's consent history, oldest first: `(consent, source, at)`.
    pub async fn consent_history(&self, contact_key: &str) -> Result<Vec<(Consent, String, i64)>> {
        let rows = sqlx::query(
            "SELECT consent, source, at FROM wa_consent_ledger WHERE contact_key = ? ORDER BY id",
        )
        .bind(contact_key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let consent = match row.try_get::<String, _>("consent")?.as_str() {
                    "opted_in" => Consent::OptedIn,
                    _ => Consent::OptedOut,
                };
                Ok((consent, row.try_get("source")?, row.try_get("at")?))
            })
            .collect()
    }
}

/// An outbox row to send.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    /// Its id (the order of sending).
    pub id: i64,
    /// What to send, to whom.
    pub item: OutboxItem,
    /// Attempts made before.
    pub attempts: u32,
}

async fn upsert_contact(
    tx: &mut Transaction<'_, Sqlite>,
    message: &InboxMessage,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO wa_contacts (contact_key, phone, user_id, profile_name, phone_number_id, last_inbound_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (contact_key) DO UPDATE SET
             phone = COALESCE(excluded.phone, phone),
             user_id = COALESCE(excluded.user_id, user_id),
             profile_name = COALESCE(excluded.profile_name, profile_name),
             phone_number_id = excluded.phone_number_id,
             last_inbound_at = MAX(COALESCE(last_inbound_at, 0), excluded.last_inbound_at),
             updated_at = excluded.updated_at",
    )
    .bind(&message.contact_key)
    .bind(&message.phone)
    .bind(&message.user_id)
    .bind(&message.profile_name)
    .bind(&message.phone_number_id)
    // The window runs from the customer's message as Meta timestamped it.
    .bind(message.sent_at.min(now))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_outbox(
    tx: &mut Transaction<'_, Sqlite>,
    item: &OutboxItem,
    now: Timestamp,
) -> Result<i64> {
    let message = serde_json::to_string(&item.message)
        .map_err(|e| ChannelStoreError::Corrupt(e.to_string()))?;
    let row = sqlx::query(
        "INSERT INTO wa_outbox (contact_key, phone_number_id, message, category, origin, language, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&item.contact_key)
    .bind(&item.phone_number_id)
    .bind(message)
    .bind(item.category.as_str())
    .bind(&item.origin)
    .bind(&item.language)
    .bind(now.as_second())
    .bind(now.as_second())
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| ChannelStoreError::Corrupt(e.to_string()))
}
