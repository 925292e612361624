//! [`ConversationStore`]'s handoff life cycle: a handed-off conversation waits in the queue,
//! an operator claims it (or releases it back to the queue), and an operator resolves it or
//! returns it to the bot, whose context then starts fresh. Every change is checked and
//! recorded as a [`HandoffEvent`] in the same transaction, so two operators racing for one
//! conversation cannot both win, and no change goes unrecorded.
//!
//! Also here: internal notes, the events of a conversation, the queue with the customer's
//! intent and sentiment history, and the messages the model may see.

use super::events::{Actor, HandoffEvent, HandoffEventKind, QueuedConversation};
use super::store::{
    CONVERSATION_COLUMNS, MESSAGE_COLUMNS, conversation_from_row, message_from_row,
    number_or_not_found, record_event,
};
use super::types::{Conversation, ConversationStatus, NewMessage, StoredMessage};
use super::{
    ConversationError, ConversationStore, conversation_id, conversation_number, seconds, timestamp,
};
use jiff::Timestamp;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Row, Sqlite, Transaction};
use std::collections::HashMap;

impl ConversationStore {
    /// `operator` takes the waiting conversation `id` at `now`: from then on it is theirs to
    /// answer. Claiming a conversation one already has changes nothing (a retried request
    /// succeeds). Returns the conversation as it now is.
    ///
    /// Errors: [`ConversationError::NotFound`]; [`ConversationError::NotHandedOff`] when the
    /// bot has it; [`ConversationError::ClaimedByAnother`] when another operator has it.
    pub async fn claim(
        &self,
        id: &str,
        operator: &str,
        now: Timestamp,
    ) -> Result<Conversation, ConversationError> {
        let number = number_or_not_found(id)?;
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let conversation = read(&mut tx, number, id).await?;
        match claim_holder(&conversation) {
            Holder::Bot => return Err(ConversationError::NotHandedOff(conversation.id)),
            Holder::Operator(holder) if holder == operator => return Ok(conversation),
            Holder::Operator(holder) => return Err(claimed_by_another(&conversation, holder)),
            Holder::Queue => {}
        }
        sqlx::query(
            "UPDATE conversations
             SET status = 'with_operator', claimed_by = ?2, claimed_at = ?3, updated_at = ?3
             WHERE number = ?1",
        )
        .bind(number)
        .bind(operator)
        .bind(seconds(now))
        .execute(&mut *tx)
        .await?;
        let actor = Actor::Operator(operator.to_string());
        record_event(
            &mut tx,
            number,
            HandoffEventKind::Claimed,
            &actor,
            None,
            now,
        )
        .await?;
        let claimed = read(&mut tx, number, id).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// `operator` puts the conversation they claimed back in the queue at `now` (for someone
    /// else to take), with an optional reason. The handoff (reason, summary, waiting since)
    /// is kept.
    ///
    /// Errors: [`ConversationError::NotFound`]; [`ConversationError::NotHandedOff`] when the
    /// bot has it; [`ConversationError::NotClaimed`] when it is waiting;
    /// [`ConversationError::ClaimedByAnother`] when another operator has it.
    pub async fn release(
        &self,
        id: &str,
        operator: &str,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Conversation, ConversationError> {
        let number = number_or_not_found(id)?;
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let conversation = read(&mut tx, number, id).await?;
        ensure_claimed_by(&conversation, operator)?;
        sqlx::query(
            "UPDATE conversations
             SET status = 'waiting', claimed_by = NULL, claimed_at = NULL, updated_at = ?2
             WHERE number = ?1",
        )
        .bind(number)
        .bind(seconds(now))
        .execute(&mut *tx)
        .await?;
        let actor = Actor::Operator(operator.to_string());
        record_event(
            &mut tx,
            number,
            HandoffEventKind::Released,
            &actor,
            reason,
            now,
        )
        .await?;
        let released = read(&mut tx, number, id).await?;
        tx.commit().await?;
        Ok(released)
    }

    /// `operator` closes the handoff at `now` as solved: the bot answers again, from a fresh
    /// context (see [`ConversationStore::context_messages`]), with its failure count reset.
    /// An operator may resolve a conversation still waiting in the queue (solved by other
    /// means), but not one another operator has claimed.
    ///
    /// Errors: [`ConversationError::NotFound`]; [`ConversationError::NotHandedOff`] when the
    /// bot has it; [`ConversationError::ClaimedByAnother`].
    pub async fn resolve(
        &self,
        id: &str,
        operator: &str,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Conversation, ConversationError> {
        let actor = Actor::Operator(operator.to_string());
        self.back_to_bot(id, &actor, HandoffEventKind::Resolved, reason, now)
            .await
    }

    /// `operator` hands the conversation back to the bot at `now` without calling it solved
    /// (the bot can carry on); otherwise as [`ConversationStore::resolve`].
    ///
    /// Errors: as [`ConversationStore::resolve`].
    pub async fn return_to_bot(
        &self,
        id: &str,
        operator: &str,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Conversation, ConversationError> {
        let actor = Actor::Operator(operator.to_string());
        self.back_to_bot(id, &actor, HandoffEventKind::ReturnedToBot, reason, now)
            .await
    }

    /// The conversation `id` if `operator` has claimed it: what must hold before they write
    /// to its customer.
    ///
    /// Errors: [`ConversationError::NotFound`]; [`ConversationError::NotHandedOff`];
    /// [`ConversationError::NotClaimed`]; [`ConversationError::ClaimedByAnother`].
    pub async fn ensure_claimed(
        &self,
        id: &str,
        operator: &str,
    ) -> Result<Conversation, ConversationError> {
        let conversation = self
            .get(id)
            .await?
            .ok_or_else(|| ConversationError::NotFound(id.to_string()))?;
        ensure_claimed_by(&conversation, operator)?;
        Ok(conversation)
    }

    /// Stores `operator`'s internal note on the conversation at `now` (in any state): people
    /// read it with the history; the customer and the model never see it. Returns its
    /// message id.
    ///
    /// Errors: [`ConversationError::NotFound`].
    pub async fn add_note(
        &self,
        id: &str,
        operator: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<i64, ConversationError> {
        let ids = self
            .append(id, &[NewMessage::note(operator, text)], now)
            .await?;
        ids.first()
            .copied()
            .ok_or_else(|| ConversationError::Corrupt("a stored note has no id".into()))
    }

    /// The conversation's handoff events, oldest first. A conversation that does not exist
    /// has none.
    pub async fn events(&self, id: &str) -> Result<Vec<HandoffEvent>, ConversationError> {
        let Some(number) = conversation_number(id) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT id, conversation_number, kind, actor, reason, at FROM handoff_events
             WHERE conversation_number = ?1 ORDER BY id",
        )
        .bind(number)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HandoffEvent {
                    id: row.try_get("id")?,
                    conversation_id: conversation_id(row.try_get("conversation_number")?),
                    kind: row.try_get::<String, _>("kind")?.parse()?,
                    actor: row.try_get::<String, _>("actor")?.parse()?,
                    reason: row.try_get("reason")?,
                    at: timestamp(row.try_get("at")?)?,
                })
            })
            .collect()
    }

    /// The operators' queue: conversations waiting or with an operator, the longest waiting
    /// first, each with its customer's latest `customer_messages` messages (oldest first),
    /// which carry their intent and sentiment.
    pub async fn queue(
        &self,
        customer_messages: usize,
    ) -> Result<Vec<QueuedConversation>, ConversationError> {
        let conversations = self.handed_off().await?;
        let per_conversation = i64::try_from(customer_messages).unwrap_or(i64::MAX);
        // One query for every queued conversation's latest customer messages, rather than one
        // per conversation.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM (
                 SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.conversation_number ORDER BY m.id DESC) AS recency
                 FROM messages m JOIN conversations c ON c.number = m.conversation_number
                 WHERE c.status <> 'bot' AND m.role = 'customer')
             WHERE recency <= ?1
             ORDER BY id"
        )))
        .bind(per_conversation)
        .fetch_all(&self.pool)
        .await?;
        let mut by_conversation: HashMap<String, Vec<StoredMessage>> = HashMap::new();
        for row in &rows {
            let message = message_from_row(row)?;
            by_conversation
                .entry(message.conversation_id.clone())
                .or_default()
                .push(message);
        }
        Ok(conversations
            .into_iter()
            .map(|conversation| QueuedConversation {
                customer_messages: by_conversation.remove(&conversation.id).unwrap_or_default(),
                conversation,
            })
            .collect())
    }

    /// The last `limit` messages the bot may take into account, oldest first: those after
    /// the moment it last took the conversation back from people (all of them if it never
    /// did). A conversation that does not exist has none.
    pub async fn context_messages(
        &self,
        id: &str,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, ConversationError> {
        let Some(number) = conversation_number(id) else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE conversation_number = ?1
               AND id > COALESCE((SELECT context_after FROM conversations WHERE number = ?1), 0)
             ORDER BY id DESC LIMIT ?2"
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

    /// Back to the bot: clears the handoff and the claim, resets the failures, and moves the
    /// start of the bot's context past every message stored so far.
    pub(super) async fn back_to_bot(
        &self,
        id: &str,
        actor: &Actor,
        kind: HandoffEventKind,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Conversation, ConversationError> {
        let number = number_or_not_found(id)?;
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let conversation = read(&mut tx, number, id).await?;
        match (claim_holder(&conversation), actor) {
            (Holder::Bot, _) => return Err(ConversationError::NotHandedOff(conversation.id)),
            (Holder::Operator(holder), Actor::Operator(operator)) if holder != operator => {
                return Err(claimed_by_another(&conversation, holder));
            }
            _ => {}
        }
        sqlx::query(
            "UPDATE conversations
             SET status = 'bot', handoff_reason = NULL, handoff_summary = NULL, handed_off_at = NULL,
                 claimed_by = NULL, claimed_at = NULL, failures = 0, updated_at = ?2,
                 context_after = (SELECT MAX(id) FROM messages WHERE conversation_number = ?1)
             WHERE number = ?1",
        )
        .bind(number)
        .bind(seconds(now))
        .execute(&mut *tx)
        .await?;
        record_event(&mut tx, number, kind, actor, reason, now).await?;
        let back = read(&mut tx, number, id).await?;
        tx.commit().await?;
        Ok(back)
    }
}

/// Who holds a conversation.
enum Holder<'a> {
    Bot,
    Queue,
    Operator(&'a str),
}

fn claim_holder(conversation: &Conversation) -> Holder<'_> {
    match conversation.status {
        ConversationStatus::Bot => Holder::Bot,
        ConversationStatus::Waiting => Holder::Queue,
        ConversationStatus::WithOperator => {
            match conversation.handoff.as_ref().and_then(|h| h.claim.as_ref()) {
                Some(claim) => Holder::Operator(&claim.operator),
                // The table's checks make this impossible; treat it as unclaimed rather than fail.
                None => Holder::Queue,
            }
        }
    }
}

fn ensure_claimed_by(conversation: &Conversation, operator: &str) -> Result<(), ConversationError> {
    match claim_holder(conversation) {
        Holder::Bot => Err(ConversationError::NotHandedOff(conversation.id.clone())),
        Holder::Queue => Err(ConversationError::NotClaimed(conversation.id.clone())),
        Holder::Operator(holder) if holder == operator => Ok(()),
        Holder::Operator(holder) => Err(claimed_by_another(conversation, holder)),
    }
}

fn claimed_by_another(conversation: &Conversation, holder: &str) -> ConversationError {
    ConversationError::ClaimedByAnother {
        conversation: conversation.id.clone(),
        operator: holder.to_string(),
    }
}

/// The conversation `number` inside `tx` (so a check and the change it guards see the same
/// row).
async fn read(
    tx: &mut Transaction<'_, Sqlite>,
    number: i64,
    id: &str,
) -> Result<Conversation, ConversationError> {
    let connection: &mut SqliteConnection = tx;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE number = ?1"
    )))
    .bind(number)
    .fetch_optional(connection)
    .await?;
    match row {
        Some(row) => conversation_from_row(&row),
        None => Err(ConversationError::NotFound(id.to_string())),
    }
}
