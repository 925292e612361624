//! The SQLite store: one file in the data directory, migrations that other crates can extend
//! with their own, contacts erased with everything of theirs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_tools::store::{NewBooking, NewTicket, Store, TicketPriority, TicketStatus};
use jiff::{SignedDuration, Timestamp};
use sqlx::Row;

fn now() -> Timestamp {
    "2026-11-30T08:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn the_database_is_one_wal_file_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let store = Store::open(&data).await.unwrap();
    assert!(data.join("charla.db").is_file());
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(store.readers())
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(store.readers())
        .await
        .unwrap()
        .get(0);
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn reopening_keeps_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let ticket = NewTicket {
        contact_id: "ana".into(),
        conversation_id: None,
        subject: "s".into(),
        description: "d".into(),
        priority: TicketPriority::Low,
        order_reference: None,
    };
    let created = store.create_ticket(&ticket, now()).await.unwrap();
    store.close().await;
    let reopened = Store::open(dir.path()).await.unwrap();
    let read = reopened.ticket(created.id).await.unwrap().unwrap();
    assert_eq!(read, created);
    let later = now() + SignedDuration::from_hours(1);
    let closed = reopened
        .set_ticket_status(created.id, TicketStatus::Resolved, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.status, TicketStatus::Resolved);
    assert_eq!(closed.updated_at, later);
}

#[tokio::test]
async fn another_crates_migrations_share_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    // What the agent crate does with its own migrations (versions 200 and up).
    let mut agent = sqlx::migrate::Migrator::with_migrations(vec![sqlx::migrate::Migration::new(
        200,
        "conversations".into(),
        sqlx::migrate::MigrationType::Simple,
        sqlx::SqlSafeStr::into_sql_str("CREATE TABLE conversations (id TEXT PRIMARY KEY)"),
        false,
    )]);
    agent.set_ignore_missing(true);
    agent.run(store.writer()).await.unwrap();
    store.close().await;
    // This crate's migrator must not trip over version 200 when the store opens again.
    let reopened = Store::open(dir.path()).await.unwrap();
    let versions: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(reopened.readers())
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [100, 101, 102, 200]);
}

#[tokio::test]
async fn erasing_a_contact_erases_its_tickets_and_bookings() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let contact = store
        .upsert_contact("ana", Some("Ana"), Some("es"), now())
        .await
        .unwrap();
    assert_eq!(contact.display_name.as_deref(), Some("Ana"));
    // A later update without a name keeps the name.
    let updated = store
        .upsert_contact("ana", None, Some("ca"), now())
        .await
        .unwrap();
    assert_eq!(
        (updated.display_name.as_deref(), updated.language.as_deref()),
        (Some("Ana"), Some("ca"))
    );
    let ticket = NewTicket {
        contact_id: "ana".into(),
        conversation_id: None,
        subject: "s".into(),
        description: "d".into(),
        priority: TicketPriority::Normal,
        order_reference: None,
    };
    let ticket = store.create_ticket(&ticket, now()).await.unwrap();
    let start = now() + SignedDuration::from_hours(26);
    let booking = NewBooking {
        contact_id: "ana".into(),
        conversation_id: None,
        service_id: "basic-service".into(),
        location_id: "barcelona".into(),
        starts_at: start,
        ends_at: start + SignedDuration::from_hours(1),
        capacity: 1,
        notes: None,
    };
    let booking = store.book(&booking, now()).await.unwrap();
    assert!(store.erase_contact("ana").await.unwrap());
    assert!(store.contact("ana").await.unwrap().is_none());
    assert!(store.ticket(ticket.id).await.unwrap().is_none());
    assert!(store.booking(booking.id).await.unwrap().is_none());
    assert!(!store.erase_contact("ana").await.unwrap());
}
