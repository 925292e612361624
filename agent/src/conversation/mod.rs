//! Conversations and their messages in SQLite, with handoff state: the agent's memory of
//! whom it talks to and what was said.
//!
//! - `types`: [`Conversation`] (with its [`Handoff`] and [`Claim`]), [`NewMessage`] and
//!   [`StoredMessage`].
//! - `events`: [`HandoffEvent`]s (who changed a conversation's handoff state, when, why) and
//!   the [`QueuedConversation`]s operators pick from.
//! - `store`: [`ConversationStore`]'s queries: conversations and messages.
//! - `handoff`: [`ConversationStore`]'s handoff life cycle: bot → waiting → with an operator
//!   → back to the bot (resolved or returned), notes, the queue, the bot's fresh context.
//!
//! The tables live in the business's database (`<data>/charla.db`) next to the tools crate's
//! contacts, tickets and bookings: [`ConversationStore::open`] takes the open
//! [`charla_tools::Store`] and applies this crate's migrations (versions 200 and up) to its
//! pool. A conversation references its contact, so erasing a contact erases its conversations
//! and messages too. Times are stored as Unix seconds (UTC); structured parts of a message
//! (tool calls, understanding, sources) as JSON text.

mod events;
mod handoff;
mod store;
mod types;

pub use events::{Actor, HandoffEvent, HandoffEventKind, QueuedConversation};
pub use types::{
    Claim, Conversation, ConversationChanges, ConversationStatus, Handoff, MessageRole, NewMessage,
    StoredMessage,
};

use jiff::Timestamp;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::SqlitePool;

/// Errors of the conversation store.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed (or an applied one was changed).
    #[error("cannot migrate the conversation tables: {0}")]
    Migrate(#[from] MigrateError),
    /// A stored value makes no sense (written by something else, or by hand), or a value
    /// could not be encoded for storing.
    #[error("unexpected value in the conversation store: {0}")]
    Corrupt(String),
    /// There is no conversation with this id.
    #[error("no conversation {0}")]
    NotFound(String),
    /// The bot has the conversation: there is no handoff to claim, release or close.
    #[error("conversation {0} is with the bot, not handed off")]
    NotHandedOff(String),
    /// Another operator claimed the conversation.
    #[error("conversation {conversation} is claimed by {operator}")]
    ClaimedByAnother {
        /// The conversation.
        conversation: String,
        /// The operator who has it.
        operator: String,
    },
    /// The conversation waits in the queue: it must be claimed first.
    #[error("conversation {0} is waiting for an operator; claim it first")]
    NotClaimed(String),
}

/// Conversations and messages in the business's SQLite database. Cheap to clone (the
/// connection pools of the [`charla_tools::Store`] it was opened from: reads on its readers,
/// writes on its one writer).
#[derive(Debug, Clone)]
pub struct ConversationStore {
    pool: SqlitePool,
    writer: SqlitePool,
}

impl ConversationStore {
    /// Uses `store`'s database, creating or updating the conversation tables.
    ///
    /// Errors: [`ConversationError::Migrate`] when the migrations cannot be applied (or one
    /// already applied was changed).
    pub async fn open(store: &charla_tools::Store) -> Result<Self, ConversationError> {
        let writer = store.writer().clone();
        Self::migrator().run(&writer).await?;
        Ok(Self {
            pool: store.readers().clone(),
            writer,
        })
    }

    /// This crate's migrations (versions 200 and up). They ignore the tools crate's migrations
    /// applied to the same file, as the tools crate's migrator ignores these.
    pub fn migrator() -> Migrator {
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.set_ignore_missing(true);
        migrator
    }
}

/// The id shown for conversation `number`.
fn conversation_id(number: i64) -> String {
    format!("C-{number:06}")
}

/// The number in a conversation id (`C-000001`, also `c-1`), if it is one.
fn conversation_number(id: &str) -> Option<i64> {
    let digits = id.trim().strip_prefix(['C', 'c'])?.strip_prefix('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// Unix seconds of `at`.
fn seconds(at: Timestamp) -> i64 {
    at.as_second()
}

/// The timestamp of stored Unix seconds.
fn timestamp(seconds: i64) -> Result<Timestamp, ConversationError> {
    Timestamp::from_second(seconds)
        .map_err(|_| ConversationError::Corrupt(format!("time {seconds} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_read_back_as_their_numbers() {
        assert_eq!(conversation_id(1), "C-000001");
        assert_eq!(conversation_number("C-000001"), Some(1));
        assert_eq!(conversation_number(" c-42 "), Some(42));
        assert_eq!(
            conversation_number(&conversation_id(1_234_567)),
            Some(1_234_567)
        );
        for not_an_id in ["", "C-", "C-0", "T-000001", "000001", "C-12a", "C--1"] {
            assert_eq!(conversation_number(not_an_id), None, "{not_an_id}");
        }
    }
}
