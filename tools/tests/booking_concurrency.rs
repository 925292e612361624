//! Concurrent bookings never exceed a service's capacity: many tasks racing for the last
//! slot through two separate connection pools on one SQLite file (as two processes would),
//! exactly as many win as there are places.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::search::Searcher;
use charla_tools::builtin::{BuiltinDeps, builtin_registry};
use charla_tools::store::{BookError, NewBooking, Store, peak_concurrency};
use charla_tools::{ToolErrorKind, ToolRegistry};
use common::{Shop, customer};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Barrier;

const RACERS: usize = 24;

/// A second registry over its own pool on the same database file.
async fn second_registry(shop: &Shop) -> ToolRegistry {
    let store = Store::open(&shop.dir.path().join("data")).await.unwrap();
    let index =
        EdgeIndex::open(&shop.dir.path().join("index2"), IndexLayout { dense: None }).unwrap();
    builtin_registry(BuiltinDeps {
        searcher: Searcher::new(Arc::new(index), None),
        store,
        business: Some(shop.business.clone()),
        clock: shop.clock.clone(),
    })
}

async fn race(shop: &Shop, service: &str, start: &str) -> (usize, usize) {
    let registries = [shop.registry.clone(), second_registry(shop).await];
    // Every task waits for the others before calling, so the calls really overlap.
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for n in 0..RACERS {
        let registry = registries[n % 2].clone();
        let barrier = barrier.clone();
        let args = json!({ "service": service, "location": "barcelona", "start": start });
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            registry
                .call(&customer(&format!("racer-{n}")), "book_appointment", args)
                .await
        }));
    }
    let (mut won, mut refused) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(err) => {
                assert_eq!(err.kind, ToolErrorKind::Conflict, "{err}");
                refused += 1;
            }
        }
    }
    (won, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_bookings_of_the_last_place_only_one_wins() {
    let shop = Shop::new().await;
    // Bike fitting: one fitter.
    let (won, refused) = race(&shop, "bike-fitting", "2026-12-01T10:00").await;
    assert_eq!((won, refused), (1, RACERS - 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_service_for_two_takes_exactly_two_of_many_concurrent_bookings() {
    let shop = Shop::new().await;
    let (won, refused) = race(&shop, "basic-service", "2026-12-01T10:00").await;
    assert_eq!((won, refused), (2, RACERS - 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_bookings_with_different_starts_never_exceed_capacity() {
    let shop = Shop::new().await;
    let other = Store::open(&shop.dir.path().join("data")).await.unwrap();
    let stores = [shop.store.clone(), other];
    let base: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    let now = shop.clock.now();
    let barrier = Arc::new(Barrier::new(25));
    let mut tasks = Vec::new();
    // Two-hour bookings starting every half hour from 10:00 to 12:00, five customers each:
    // every start overlaps its neighbours, so only the peak count can tell what fits.
    for n in 0..25i64 {
        let store = stores[(n % 2) as usize].clone();
        let starts_at = base + SignedDuration::from_mins(30 * (n % 5));
        let booking = NewBooking {
            contact_id: format!("c{n}"),
            conversation_id: None,
            service_id: "full-service".into(),
            location_id: "barcelona".into(),
            starts_at,
            ends_at: starts_at + SignedDuration::from_hours(2),
            capacity: 2,
            notes: None,
        };
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.book(&booking, now).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(BookError::Full) => {}
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    let end = base + SignedDuration::from_hours(5);
    let taken = shop
        .store
        .taken("barcelona", "full-service", base, end)
        .await
        .unwrap();
    assert_eq!(taken.len(), won);
    assert!(won >= 2, "at least the first two fit");
    assert!(peak_concurrency(&taken, base, end) <= 2, "{taken:?}");
}
