//! [`ConversationStore`]'s queries: finding or starting a contact's conversation, storing and
//! reading messages, and handing conversations to people and back.

use super::events::{Actor, HandoffEventKind};
use super::types::{Claim, Conversation, ConversationChanges, Handoff, NewMessage, StoredMessage};
use super::{
    ConversationError, ConversationStore, conversation_id, conversation_number, seconds, timestamp,
};
use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

pub(super) const CONVERSATION_COLUMNS: &str = "number, contact_id, channel, language, status, handoff_reason, \
                                               handoff_summary, handed_off_at, claimed_by, claimed_at, context_after, \
                                               failures, created_at, updated_at";

pub(super) const MESSAGE_COLUMNS: &str = "id, conversation_number, role, text, tool_calls, tool_call_id, understanding, \
                                          sources, tool_ok, author, created_at";

impl ConversationStore {
    /// The conversation of `contact_id` on `channel`, started at `now` when there is none
    /// (there is at most one per contact and channel, whoever asks at the same time).
    pub async fn for_contact(
        &self,
        contact_id: &str,
        channel: &str,
        now: Timestamp,
    ) -> Result<Conversation, ConversationError> {
        // Nearly always the conversation exists: a plain read does not queue for the writer.
        if let Some(conversation) = self.find(contact_id, channel).await? {
            return Ok(conversation);
        }
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        // The contact row belongs to the tools crate's schema; conversations reference it so
        // that erasing a contact erases what they said.
        sqlx::query(
            "INSERT INTO contacts (id, created_at, updated_at) VALUES (?1, ?2, ?2)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(contact_id)
        .bind(seconds(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO conversations (contact_id, channel, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (contact_id, channel) DO NOTHING",
        )
        .bind(contact_id)
        .bind(channel)
        .bind(seconds(now))
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE contact_id = ?1 AND channel = ?2"
        )))
        .bind(contact_id)
        .bind(channel)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        conversation_from_row(&row)
    }

    /// The language the conversation of `contact_id` on `channel` is in so far, if it has one
    /// (without starting a conversation).
    pub async fn language_of(
        &self,
        contact_id: &str,
        channel: &str,
    ) -> Result<Option<String>, ConversationError> {
        Ok(self
            .find(contact_id, channel)
            .await?
            .and_then(|conversation| conversation.language))
    }

    async fn find(
        &self,
        contact_id: &str,
        channel: &str,
    ) -> Result<Option<Conversation>, ConversationError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE contact_id = ?1 AND channel = ?2"
        )))
        .bind(contact_id)
        .bind(channel)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// The conversation `id` (`C-000001`), if there is one.
    pub async fn get(&self, id: &str) -> Result<Option<Conversation>, ConversationError> {
        let Some(number) = conversation_number(id) else {
            return Ok(None);
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE number = ?1"
        )))
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// Stores `messages` in order at the end of the conversation, all or none, and marks the
    /// conversation updated at `now`. Returns the messages' ids in the same order. An empty
    /// slice stores nothing and changes nothing.
    ///
    /// Errors: [`ConversationError::NotFound`] when there is no such conversation.
    pub async fn append(
        &self,
        conversation_id: &str,
        messages: &[NewMessage],
        now: Timestamp,
    ) -> Result<Vec<i64>, ConversationError> {
        self.append_with(
            conversation_id,
            messages,
            &ConversationChanges::default(),
            now,
        )
        .await
    }

    /// [`ConversationStore::append`] with `changes` to the conversation in the same
    /// transaction: a turn's one write. Without messages and changes, nothing happens.
    ///
    /// Errors: [`ConversationError::NotFound`] when there is no such conversation.
    pub async fn append_with(
        &self,
        conversation_id: &str,
        messages: &[NewMessage],
        changes: &ConversationChanges,
        now: Timestamp,
    ) -> Result<Vec<i64>, ConversationError> {
        if messages.is_empty() && *changes == ConversationChanges::default() {
            return Ok(Vec::new());
        }
        let number = number_or_not_found(conversation_id)?;
        let encoded: Vec<EncodedMessage> = messages.iter().map(encode).collect::<Result<_, _>>()?;
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let touched = sqlx::query(
            "UPDATE conversations
             SET updated_at = ?2, language = COALESCE(?3, language), failures = COALESCE(?4, failures)
             WHERE number = ?1",
        )
        .bind(number)
        .bind(seconds(now))
        .bind(&changes.language)
        .bind(changes.failures.map(i64::from))
        .execute(&mut *tx)
        .await?;
        if touched.rows_affected() == 0 {
            return Err(ConversationError::NotFound(conversation_id.to_string()));
        }
        let mut ids = Vec::with_capacity(encoded.len());
        for (message, encoded) in messages.iter().zip(&encoded) {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (conversation_number, role, text, tool_calls, tool_call_id, understanding,
                                       sources, tool_ok, author, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 RETURNING id",
            )
            .bind(number)
            .bind(message.role.as_str())
            .bind(&message.text)
            .bind(&encoded.tool_calls)
            .bind(&message.tool_call_id)
            .bind(&encoded.understanding)
            .bind(&encoded.sources)
            .bind(message.tool_ok)
            .bind(&message.author)
            .bind(seconds(now))
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The last `limit` messages of the conversation, oldest first, whatever the bot's
    /// context (operators read this; the model reads [`ConversationStore::context_messages`]).
    /// A conversation that does not exist has none.
    pub async fn recent_messages(
        &self,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, ConversationError> {
        let Some(number) = conversation_number(conversation_id) else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_number = ?1 ORDER BY id DESC LIMIT ?2"
        )))
        .bind(number)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        Ok(messages)
    }

    /// Records the conversation's language (ISO 639-1).
    ///
    /// Errors: [`ConversationError::NotFound`] when there is no such conversation.
    pub async fn set_language(&self, id: &str, language: &str) -> Result<(), ConversationError> {
        let number = number_or_not_found(id)?;
        let result = sqlx::query("UPDATE conversations SET language = ?2 WHERE number = ?1")
            .bind(number)
            .bind(language)
            .execute(&self.writer)
            .await?;
        found(result.rows_affected(), id)
    }

    /// Records the bot's consecutive failed turns.
    ///
    /// Errors: [`ConversationError::NotFound`] when there is no such conversation.
    pub async fn set_failures(&self, id: &str, failures: u32) -> Result<(), ConversationError> {
        let number = number_or_not_found(id)?;
        let result = sqlx::query("UPDATE conversations SET failures = ?2 WHERE number = ?1")
            .bind(number)
            .bind(i64::from(failures))
            .execute(&self.writer)
            .await?;
        found(result.rows_affected(), id)
    }

    /// Hands the conversation to people at `now`: it waits in the operators' queue until one
    /// claims it. Returns `true` when it was with the bot; `false` when people already have it,
    /// whose handoff (reason, summary, time, claim) is kept. The change is recorded as a
    /// [`HandoffEventKind::HandedOff`] event by the customer when `reason` is
    /// `customer_asked` (they asked for a person), by the bot otherwise.
    ///
    /// Errors: [`ConversationError::NotFound`] when there is no such conversation.
    pub async fn hand_off(
        &self,
        id: &str,
        reason: &str,
        summary: &str,
        now: Timestamp,
    ) -> Result<bool, ConversationError> {
        let number = number_or_not_found(id)?;
        let actor = if reason == crate::escalation::EscalationReason::CustomerAsked.as_str() {
            Actor::Customer
        } else {
            Actor::Bot
        };
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let changed = sqlx::query(
            "UPDATE conversations
             SET status = 'waiting', handoff_reason = ?2, handoff_summary = ?3, handed_off_at = ?4,
                 updated_at = ?4
             WHERE number = ?1 AND status = 'bot'",
        )
        .bind(number)
        .bind(reason)
        .bind(summary)
        .bind(seconds(now))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() > 0 {
            record_event(
                &mut tx,
                number,
                HandoffEventKind::HandedOff,
                &actor,
                Some(reason),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.changed_or_exists(changed.rows_affected(), number, id)
            .await
    }

    /// Gives the conversation back to the bot at `now` (recorded as returned by the bot),
    /// clearing the handoff, the claim and the failure count; the bot's context starts fresh.
    /// Returns `true` when people had it, `false` when the bot already had it. Operators use
    /// [`ConversationStore::resolve`] or [`ConversationStore::return_to_bot`], which check
    /// their claim.
    ///
    /// Errors: [`ConversationError::NotFound`] when there is no such conversation.
    pub async fn hand_back(&self, id: &str, now: Timestamp) -> Result<bool, ConversationError> {
        match self
            .back_to_bot(id, &Actor::Bot, HandoffEventKind::ReturnedToBot, None, now)
            .await
        {
            Ok(_) => Ok(true),
            Err(ConversationError::NotHandedOff(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The conversations people have or should pick up (waiting or claimed), the longest
    /// waiting first.
    pub async fn handed_off(&self) -> Result<Vec<Conversation>, ConversationError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE status <> 'bot'
             ORDER BY handed_off_at, number"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// After a conditional update: `true` if it changed the row, `false` if the row exists
    /// but was already in the target state, `NotFound` otherwise.
    async fn changed_or_exists(
        &self,
        rows_affected: u64,
        number: i64,
        id: &str,
    ) -> Result<bool, ConversationError> {
        if rows_affected > 0 {
            return Ok(true);
        }
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT number FROM conversations WHERE number = ?1")
                .bind(number)
                .fetch_optional(&self.pool)
                .await?;
        match exists {
            Some(_) => Ok(false),
            None => Err(ConversationError::NotFound(id.to_string())),
        }
    }
}

pub(super) fn number_or_not_found(id: &str) -> Result<i64, ConversationError> {
    conversation_number(id).ok_or_else(|| ConversationError::NotFound(id.to_string()))
}

fn found(rows_affected: u64, id: &str) -> Result<(), ConversationError> {
    if rows_affected == 0 {
        return Err(ConversationError::NotFound(id.to_string()));
    }
    Ok(())
}

/// The JSON columns of a message; `None` (NULL) when empty or absent.
struct EncodedMessage {
    tool_calls: Option<String>,
    understanding: Option<String>,
    sources: Option<String>,
}

fn encode(message: &NewMessage) -> Result<EncodedMessage, ConversationError> {
    Ok(EncodedMessage {
        tool_calls: json_unless_empty(&message.tool_calls, "tool calls")?,
        understanding: message
            .understanding
            .as_ref()
            .map(|u| to_json(u, "understanding"))
            .transpose()?,
        sources: json_unless_empty(&message.sources, "sources")?,
    })
}

fn json_unless_empty<T: Serialize>(
    items: &[T],
    what: &str,
) -> Result<Option<String>, ConversationError> {
    if items.is_empty() {
        return Ok(None);
    }
    to_json(items, what).map(Some)
}

fn to_json<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<String, ConversationError> {
    serde_json::to_string(value)
        .map_err(|error| ConversationError::Corrupt(format!("cannot encode the {what}: {error}")))
}

fn from_json<T: DeserializeOwned>(
    json: Option<String>,
    what: &str,
    message_id: i64,
) -> Result<Option<T>, ConversationError> {
    json.map(|json| {
        serde_json::from_str(&json).map_err(|error| {
            ConversationError::Corrupt(format!("{what} of message {message_id}: {error}"))
        })
    })
    .transpose()
}

pub(super) fn conversation_from_row(row: &SqliteRow) -> Result<Conversation, ConversationError> {
    let number: i64 = row.try_get("number")?;
    let handoff = match (
        row.try_get::<Option<String>, _>("handoff_reason")?,
        row.try_get::<Option<String>, _>("handoff_summary")?,
        row.try_get::<Option<i64>, _>("handed_off_at")?,
    ) {
        (Some(reason), Some(summary), Some(at)) => Some(Handoff {
            reason,
            summary,
            at: timestamp(at)?,
            claim: claim_from_row(row, number)?,
        }),
        (None, None, None) => None,
        _ => {
            return Err(ConversationError::Corrupt(format!(
                "conversation {} has half a handoff",
                conversation_id(number)
            )));
        }
    };
    let failures: i64 = row.try_get("failures")?;
    Ok(Conversation {
        id: conversation_id(number),
        contact_id: row.try_get("contact_id")?,
        channel: row.try_get("channel")?,
        language: row.try_get("language")?,
        status: row.try_get::<String, _>("status")?.parse()?,
        handoff,
        context_after: row.try_get("context_after")?,
        failures: u32::try_from(failures)
            .map_err(|_| ConversationError::Corrupt(format!("failure count {failures}")))?,
        created_at: timestamp(row.try_get("created_at")?)?,
        updated_at: timestamp(row.try_get("updated_at")?)?,
    })
}

pub(super) fn message_from_row(row: &SqliteRow) -> Result<StoredMessage, ConversationError> {
    let id: i64 = row.try_get("id")?;
    let understanding = row
        .try_get::<Option<String>, _>("understanding")?
        .and_then(|json| match serde_json::from_str(&json) {
            Ok(understanding) => Some(understanding),
            Err(error) => {
                // An annotation, not part of what was said: a shape written by an older
                // version must not make the whole conversation unreadable.
                tracing::warn!(message_id = id, %error, "stored understanding does not read; ignored");
                None
            }
        });
    Ok(StoredMessage {
        id,
        conversation_id: conversation_id(row.try_get("conversation_number")?),
        role: row.try_get::<String, _>("role")?.parse()?,
        text: row.try_get("text")?,
        tool_calls: from_json(row.try_get("tool_calls")?, "tool calls", id)?.unwrap_or_default(),
        tool_call_id: row.try_get("tool_call_id")?,
        understanding,
        sources: from_json(row.try_get("sources")?, "sources", id)?.unwrap_or_default(),
        tool_ok: row.try_get("tool_ok")?,
        author: row.try_get("author")?,
        created_at: timestamp(row.try_get("created_at")?)?,
    })
}

fn claim_from_row(row: &SqliteRow, number: i64) -> Result<Option<Claim>, ConversationError> {
    match (
        row.try_get::<Option<String>, _>("claimed_by")?,
        row.try_get::<Option<i64>, _>("claimed_at")?,
    ) {
        (Some(operator), Some(at)) => Ok(Some(Claim {
            operator,
            at: timestamp(at)?,
        })),
        (None, None) => Ok(None),
        _ => Err(ConversationError::Corrupt(format!(
            "conversation {} has half a claim",
            conversation_id(number)
        ))),
    }
}

/// Records a handoff event in `tx`, so the change and its record commit together.
pub(super) async fn record_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    number: i64,
    kind: HandoffEventKind,
    actor: &Actor,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<(), ConversationError> {
    sqlx::query(
        "INSERT INTO handoff_events (conversation_number, kind, actor, reason, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(number)
    .bind(kind.as_str())
    .bind(actor.stored())
    .bind(reason)
    .bind(seconds(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
