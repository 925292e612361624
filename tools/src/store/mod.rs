//! [`Store`]: the business's own records (contacts, tickets, bookings) in one SQLite file in
//! the data directory, with embedded migrations.
//!
//! - `contacts`: customers by their channel id; erasure on request.
//! - `tickets`: support tickets (`T-000123`).
//! - `bookings`: workshop bookings (`B-000042`) that can never exceed a service's capacity.
//!
//! Every write goes through one connection ([`Store::writer`]): SQLite lets one writer in at a
//! time, and writers that race for the lock wait in SQLite's busy handler, which sleeps in
//! steps of milliseconds. Queued on one connection instead, writes take turns in the order
//! they asked, with no sleeping, and readers use their own connections ([`Store::readers`]).
//!
//! Migrations of this crate use versions 100 and up; the agent crate adds its own (200 and
//! up) to the same file. Each crate's [`Migrator`] ignores the other's applied migrations.
//! Times are stored as Unix seconds (UTC).

mod bookings;
mod contacts;
mod tickets;

pub use bookings::{BookError, Booking, BookingId, BookingStatus, NewBooking, peak_concurrency};
pub use contacts::ContactRecord;
pub use tickets::{NewTicket, Ticket, TicketId, TicketPriority, TicketStatus};

use jiff::Timestamp;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another writer before giving up. Writes are short (one ticket,
/// one booking), so a long wait means something is wrong.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections for readers, which WAL lets run beside the writer.
const MAX_READERS: u32 = 8;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("cannot open the database {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: sqlx::Error,
    },
    /// The data directory could not be created.
    #[error("cannot create the data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A migration failed (or an applied one was changed).
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value makes no sense (written by something else, or by hand).
    #[error("unexpected value in the database: {0}")]
    Corrupt(String),
}

/// The business's records in SQLite. Cheap to clone (two connection pools).
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads only.
    pool: SqlitePool,
    /// Every write, on its single connection.
    writer: SqlitePool,
}

impl Store {
    /// The database's file name in the data directory.
    pub const FILE_NAME: &'static str = "charla.db";

    /// Opens (creating it if needed) `<data_dir>/charla.db` and applies this crate's
    /// migrations.
    pub async fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        Self::open_file(&data_dir.join(Self::FILE_NAME)).await
    }

    /// Opens (creating it if needed) the database at `path` and applies this crate's
    /// migrations.
    pub async fn open_file(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // Readers do not block the writer, and the writer does not block readers.
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL loses at most the last transactions on power loss, never
            // consistency.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let open_error = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // Kept open: reopening costs more than a write.
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .map_err(open_error)?;
        Self::migrator().run(&writer).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_READERS)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        Ok(Self { pool, writer })
    }

    /// This crate's migrations (versions 100 and up). They ignore migrations applied by other
    /// crates to the same file; other crates' migrators must ignore these in turn
    /// (`set_ignore_missing(true)`).
    pub fn migrator() -> Migrator {
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.set_ignore_missing(true);
        migrator
    }

    /// The readers' connections, for crates that keep their own tables in the same file.
    /// Writing through them works but races [`Store::writer`] for SQLite's lock.
    pub fn readers(&self) -> &SqlitePool {
        &self.pool
    }

    /// The one connection every write goes through (start write transactions with
    /// `BEGIN IMMEDIATE`). Never wait for it while holding it: it is the only one.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Closes every connection, waiting for running queries.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Unix seconds of `at`.
fn seconds(at: Timestamp) -> i64 {
    at.as_second()
}

/// The timestamp of stored Unix seconds.
fn timestamp(seconds: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_second(seconds)
        .map_err(|_| StoreError::Corrupt(format!("time {seconds} is out of range")))
}
