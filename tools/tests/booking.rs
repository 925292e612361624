//! `book_appointment`, `cancel_booking` and `list_bookings`: customers book free slots only,
//! see and cancel only their own upcoming bookings, and refusals say what would work.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charla_tools::ToolErrorKind;
use common::{Shop, agent_for_nobody, assert_error, customer, operator};
use serde_json::json;

#[tokio::test]
async fn a_customer_books_a_free_slot() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    let booked = shop
        .ok(
            &ana,
            "book_appointment",
            json!({ "service": "Revisión básica", "location": "barcelona", "start": "2026-12-01T10:00:00+01:00", "notes": "Gears skip" }),
        )
        .await;
    assert_eq!(booked["booking_id"], "B-000001");
    assert_eq!(booked["status"], "confirmed");
    assert_eq!(booked["service"]["id"], "basic-service");
    assert_eq!(booked["location"], "barcelona");
    assert_eq!(
        booked["address"],
        "Carrer de Pujades 118, 08005 Barcelona, Spain"
    );
    assert_eq!(booked["start"], "2026-12-01T10:00:00+01:00");
    assert_eq!(booked["end"], "2026-12-01T11:00:00+01:00");
    assert_eq!(booked["weekday"], "Tuesday");
    assert_eq!(booked["notes"], "Gears skip");
    assert_eq!(booked["already_booked"], false);
    assert!(
        booked["cancellation_policy"]
            .as_str()
            .unwrap()
            .contains("15.00 EUR")
    );

    let listed = shop.ok(&ana, "list_bookings", json!({})).await;
    assert_eq!(listed["bookings"][0]["booking_id"], "B-000001");
}

#[tokio::test]
async fn a_start_in_another_offset_or_in_local_time_books_the_same_slot() {
    let shop = Shop::new().await;
    let utc = shop
        .ok(&customer("ana"), "book_appointment", json!({ "service": "basic-service", "location": "milan", "start": "2026-12-01T14:00:00Z" }))
        .await;
    assert_eq!(utc["start"], "2026-12-01T15:00:00+01:00");
    let local = shop
        .ok(
            &customer("bruno"),
            "book_appointment",
            json!({ "service": "basic-service", "location": "milan", "start": "2026-12-01 15:00" }),
        )
        .await;
    assert_eq!(local["start"], "2026-12-01T15:00:00+01:00");
}

#[tokio::test]
async fn booking_the_same_slot_twice_returns_the_first_booking() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    let args =
        json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-01T10:00" });
    let first = shop.ok(&ana, "book_appointment", args.clone()).await;
    let again = shop.ok(&ana, "book_appointment", args).await;
    assert_eq!(again["booking_id"], first["booking_id"]);
    assert_eq!(again["already_booked"], true);
    assert_eq!(
        shop.store
            .upcoming_bookings_of("ana", shop.clock.now())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_start_off_the_grid_is_refused_with_the_free_times_of_that_day() {
    let shop = Shop::new().await;
    let err = shop
        .err(&customer("ana"), "book_appointment", json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-01T09:15" }))
        .await;
    assert_error(
        &err,
        ToolErrorKind::InvalidArguments,
        &[
            "slot 2026-12-01T09:15 is not a free start time for basic-service in Velora Cycles Barcelona",
            "slots start at :00 and :30",
            "(10:00-19:00)",
            "free slots that day: 10:00, 10:30, 11:00",
        ],
    );
}

#[tokio::test]
async fn no_booking_runs_into_the_lunch_break() {
    let shop = Shop::new().await;
    let err = shop
        .err(
            &customer("ana"),
            "book_appointment",
            json!({ "service": "basic-service", "location": "milan", "start": "2026-12-01T12:30" }),
        )
        .await;
    assert_error(
        &err,
        ToolErrorKind::InvalidArguments,
        &["09:30-13:00, 15:00-19:00", "11:30, 12:00, 15:00"],
    );
    let lunch = shop
        .err(
            &customer("ana"),
            "book_appointment",
            json!({ "service": "basic-service", "location": "milan", "start": "2026-12-01T13:30" }),
        )
        .await;
    assert_eq!(lunch.kind, ToolErrorKind::InvalidArguments);
    assert!(
        shop.store
            .upcoming_bookings_of("ana", shop.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn no_booking_on_a_closed_day() {
    let shop = Shop::new().await;
    let holiday = shop
        .err(&customer("ana"), "book_appointment", json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-08T10:00" }))
        .await;
    assert_error(
        &holiday,
        ToolErrorKind::InvalidArguments,
        &[
            "is closed on 2026-12-08 (public holiday)",
            "no free slot that day; the next free slot is 2026-12-09T10:00:00+01:00 (Wednesday)",
        ],
    );
    let saturday = shop
        .err(&customer("ana"), "book_appointment", json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-05T10:00" }))
        .await;
    assert_error(
        &saturday,
        ToolErrorKind::InvalidArguments,
        &["takes no bookings on Saturday 2026-12-05"],
    );
    let summer = shop
        .err(
            &customer("ana"),
            "book_appointment",
            json!({ "service": "basic-service", "location": "milan", "start": "2027-08-10T10:00" }),
        )
        .await;
    assert_eq!(summer.kind, ToolErrorKind::InvalidArguments);
}

#[tokio::test]
async fn no_booking_in_the_past_or_too_far_ahead() {
    let shop = Shop::new().await;
    let past = shop
        .err(&customer("ana"), "book_appointment", json!({ "service": "basic-service", "location": "barcelona", "start": "2026-11-27T10:00" }))
        .await;
    assert_error(
        &past,
        ToolErrorKind::InvalidArguments,
        &[
            "in the past (it is now 2026-11-30 09:00)",
            "the next free slot is 2026-11-30T10:00:00+01:00 (Monday)",
        ],
    );
    let far = shop
        .err(&customer("ana"), "book_appointment", json!({ "service": "basic-service", "location": "barcelona", "start": "2027-03-02T10:00" }))
        .await;
    assert_error(
        &far,
        ToolErrorKind::InvalidArguments,
        &["last day that can be booked now is 2027-01-29"],
    );
}

#[tokio::test]
async fn a_full_slot_is_a_conflict_that_offers_other_times() {
    let shop = Shop::new().await;
    let args = json!({ "service": "bike-fitting", "start": "2026-12-01T10:00" });
    shop.ok(&customer("ana"), "book_appointment", args.clone())
        .await;
    let err = shop.err(&customer("bruno"), "book_appointment", args).await;
    // 10:00-11:30 is taken; the next 90-minute slot clear of it starts at 11:30.
    assert_error(
        &err,
        ToolErrorKind::Conflict,
        &["fully booked", "free slots that day: 11:30, 12:00"],
    );
}

#[tokio::test]
async fn the_location_is_needed_only_when_the_service_has_several() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    let err = shop
        .err(
            &ana,
            "book_appointment",
            json!({ "service": "basic-service", "start": "2026-12-01T10:00" }),
        )
        .await;
    assert_error(
        &err,
        ToolErrorKind::InvalidArguments,
        &["offered at barcelona and milan: pass `location`"],
    );
    let fitting = shop
        .ok(
            &ana,
            "book_appointment",
            json!({ "service": "bike-fitting", "start": "2026-12-01T10:00" }),
        )
        .await;
    assert_eq!(fitting["location"], "barcelona");
    let start = shop
        .err(
            &ana,
            "book_appointment",
            json!({ "service": "bike-fitting", "start": "next tuesday" }),
        )
        .await;
    assert_error(
        &start,
        ToolErrorKind::InvalidArguments,
        &["\"2026-12-01T10:00\""],
    );
}

#[tokio::test]
async fn a_customer_cancels_an_upcoming_booking() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    shop.ok(
        &ana,
        "book_appointment",
        json!({ "service": "full-service", "location": "barcelona", "start": "2026-12-03T10:00" }),
    )
    .await;
    let cancelled = shop
        .ok(&ana, "cancel_booking", json!({ "booking_id": "B-000001" }))
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["already_cancelled"], false);
    assert_eq!(cancelled["late_cancellation"], false);
    assert!(cancelled.get("fee").is_none());
    // Cancelling again changes nothing and says so.
    let again = shop
        .ok(&ana, "cancel_booking", json!({ "booking_id": "B-000001" }))
        .await;
    assert_eq!(again["already_cancelled"], true);
    // The slot is free again.
    let list = shop.ok(&ana, "list_bookings", json!({})).await;
    assert!(list["bookings"].as_array().unwrap().is_empty());
    shop.ok(
        &customer("bruno"),
        "book_appointment",
        json!({ "service": "full-service", "location": "barcelona", "start": "2026-12-03T10:00" }),
    )
    .await;
}

#[tokio::test]
async fn a_late_cancellation_reports_the_fee() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    shop.ok(
        &ana,
        "book_appointment",
        json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-01T10:00" }),
    )
    .await;
    // Monday 12:00 in Barcelona: 22 hours before.
    shop.set_now("2026-11-30T11:00:00Z");
    let cancelled = shop
        .ok(&ana, "cancel_booking", json!({ "booking_id": "B-000001" }))
        .await;
    assert_eq!(cancelled["late_cancellation"], true);
    assert_eq!(cancelled["fee"], 15.0);
}

#[tokio::test]
async fn a_booking_that_has_started_cannot_be_cancelled() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    shop.ok(
        &ana,
        "book_appointment",
        json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-01T10:00" }),
    )
    .await;
    shop.set_now("2026-12-01T09:30:00Z");
    let err = shop
        .err(&ana, "cancel_booking", json!({ "booking_id": "B-000001" }))
        .await;
    assert_error(
        &err,
        ToolErrorKind::Conflict,
        &[
            "started at 2026-12-01T10:00:00+01:00",
            "only upcoming bookings",
        ],
    );
    let list = shop.ok(&ana, "list_bookings", json!({})).await;
    assert_eq!(
        list["bookings"][0]["status"], "confirmed",
        "still running, still listed"
    );
}

#[tokio::test]
async fn another_customers_booking_cannot_be_seen_or_cancelled() {
    let shop = Shop::new().await;
    shop.ok(
        &customer("ana"),
        "book_appointment",
        json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-01T10:00" }),
    )
    .await;
    let bruno = customer("bruno");
    let theirs = shop
        .err(
            &bruno,
            "cancel_booking",
            json!({ "booking_id": "B-000001" }),
        )
        .await;
    let missing = shop
        .err(
            &bruno,
            "cancel_booking",
            json!({ "booking_id": "B-000077" }),
        )
        .await;
    assert_eq!(theirs.kind, ToolErrorKind::NotFound);
    assert_eq!(
        theirs.message.replace("B-000001", "ID"),
        missing.message.replace("B-000077", "ID")
    );
    assert!(
        shop.ok(&bruno, "list_bookings", json!({})).await["bookings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Ana's booking is untouched.
    let ana = shop.ok(&customer("ana"), "list_bookings", json!({})).await;
    assert_eq!(ana["bookings"][0]["status"], "confirmed");
}

#[tokio::test]
async fn booking_tools_need_a_customer() {
    let shop = Shop::new().await;
    let args = json!({ "service": "bike-fitting", "start": "2026-12-01T10:00" });
    for ctx in [agent_for_nobody(), operator()] {
        assert_eq!(
            shop.err(&ctx, "book_appointment", args.clone()).await.kind,
            ToolErrorKind::NotAllowed
        );
        assert_eq!(
            shop.err(&ctx, "cancel_booking", json!({ "booking_id": "B-000001" }))
                .await
                .kind,
            ToolErrorKind::NotAllowed
        );
        assert_eq!(
            shop.err(&ctx, "list_bookings", json!({})).await.kind,
            ToolErrorKind::NotAllowed
        );
    }
    // Availability is public.
    shop.ok(
        &agent_for_nobody(),
        "check_availability",
        json!({ "service": "bike-fitting" }),
    )
    .await;
}
