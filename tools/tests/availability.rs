//! `check_availability`: free slots follow workshop hours, lunch breaks, closures, the current
//! time, lead time and existing bookings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charla_tools::ToolErrorKind;
use charla_tools::builtin::CheckAvailability;
use charla_tools::business::Business;
use charla_tools::clock::Clock;
use charla_tools::{Caller, Tool, ToolContext};
use common::{Shop, assert_error, customer, slot_starts};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

fn starts_at(answer: &serde_json::Value, location: &str) -> Vec<String> {
    slot_starts(answer)
        .into_iter()
        .filter(|(l, _)| l == location)
        .map(|(_, start)| start[11..16].to_string())
        .collect()
}

#[tokio::test]
async fn barcelona_offers_hourly_services_every_half_hour_until_they_fit_before_closing() {
    let shop = Shop::new().await;
    let answer = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "basic-service", "location": "barcelona", "from": "2026-12-01", "to": "2026-12-01" }),
        )
        .await;
    let times = starts_at(&answer, "barcelona");
    assert_eq!(times.first().map(String::as_str), Some("10:00"));
    assert_eq!(
        times.last().map(String::as_str),
        Some("18:00"),
        "a 60-minute service must end by 19:00"
    );
    assert_eq!(times.len(), 17);
    let first = &answer["slots"][0];
    assert_eq!(first["start"], "2026-12-01T10:00:00+01:00");
    assert_eq!(first["weekday"], "Tuesday");
    assert_eq!(first["remaining"], 2);
    assert_eq!(answer["service"]["name"], "Revisión básica");
    assert_eq!(answer["service"]["price"], 45.0);
    assert_eq!(answer["more_available"], false);
    assert!(
        answer["cancellation_policy"]
            .as_str()
            .unwrap()
            .contains("24 hours")
    );
}

#[tokio::test]
async fn no_slot_runs_into_the_milan_lunch_break() {
    let shop = Shop::new().await;
    let answer = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "Tagliando base", "location": "Milano", "from": "2026-12-01", "to": "2026-12-01" }),
        )
        .await;
    assert_eq!(
        starts_at(&answer, "milan"),
        [
            "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "15:00", "15:30", "16:00",
            "16:30", "17:00", "17:30", "18:00"
        ]
    );
    // A two-hour service fits fewer times around the break.
    let full = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "full-service", "location": "milan", "from": "2026-12-01", "to": "2026-12-01" }),
        )
        .await;
    assert_eq!(
        starts_at(&full, "milan"),
        [
            "09:30", "10:00", "10:30", "11:00", "15:00", "15:30", "16:00", "16:30", "17:00"
        ]
    );
}

#[tokio::test]
async fn closed_days_have_no_slots_and_say_why() {
    let shop = Shop::new().await;
    let answer = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "basic-service", "from": "2026-12-08", "to": "2026-12-08" }),
        )
        .await;
    assert!(slot_starts(&answer).is_empty());
    let notes = answer["notes"].to_string();
    assert!(
        notes.contains("Velora Cycles Barcelona is closed on 2026-12-08"),
        "{notes}"
    );
    assert!(
        notes.contains("Velora Cycles Milano is closed on 2026-12-08"),
        "{notes}"
    );
    // Saturdays: the Barcelona shop opens, its workshop takes no bookings; Milan's does.
    let saturday = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "basic-service", "from": "2026-12-05", "to": "2026-12-05" }),
        )
        .await;
    assert!(starts_at(&saturday, "barcelona").is_empty());
    assert!(!starts_at(&saturday, "milan").is_empty());
}

#[tokio::test]
async fn special_hours_shorten_the_day() {
    let shop = Shop::new().await;
    let answer = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "basic-service", "location": "barcelona", "from": "2026-12-24", "to": "2026-12-24" }),
        )
        .await;
    assert_eq!(
        starts_at(&answer, "barcelona"),
        [
            "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00"
        ]
    );
}

#[tokio::test]
async fn slots_that_have_started_are_not_offered() {
    // Tuesday 1 December, 10:15 in Barcelona.
    let shop = Shop::at("2026-12-01T09:15:00Z").await;
    let answer = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "basic-service", "location": "barcelona", "to": "today" }),
        )
        .await;
    assert_eq!(answer["today"], "2026-12-01");
    assert_eq!(
        starts_at(&answer, "barcelona").first().map(String::as_str),
        Some("10:30")
    );
}

#[tokio::test]
async fn taken_capacity_is_subtracted_and_full_slots_disappear() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    // The e-bike station serves one customer at a time for 60 minutes.
    shop.ok(&ana, "book_appointment", json!({ "service": "e-bike-diagnostic", "location": "barcelona", "start": "2026-12-01T10:00" }))
        .await;
    let diagnostic = shop
        .ok(&ana, "check_availability", json!({ "service": "e-bike-diagnostic", "location": "barcelona", "from": "2026-12-01", "to": "2026-12-01" }))
        .await;
    let times = starts_at(&diagnostic, "barcelona");
    assert!(!times.contains(&"10:00".to_string()), "taken");
    assert!(
        !times.contains(&"10:30".to_string()),
        "would overlap 10:00-11:00"
    );
    assert_eq!(times.first().map(String::as_str), Some("11:00"));

    // Two mechanics do basic services: one booking leaves one place.
    shop.ok(
        &ana,
        "book_appointment",
        json!({ "service": "basic-service", "location": "barcelona", "start": "2026-12-01T10:00" }),
    )
    .await;
    let basic = shop
        .ok(&ana, "check_availability", json!({ "service": "basic-service", "location": "barcelona", "from": "2026-12-01", "to": "2026-12-01" }))
        .await;
    assert_eq!(basic["slots"][0]["start"], "2026-12-01T10:00:00+01:00");
    assert_eq!(basic["slots"][0]["remaining"], 1);
    assert_eq!(
        basic["slots"][1]["remaining"], 1,
        "10:30 overlaps the 10:00 booking"
    );
    assert_eq!(basic["slots"][2]["remaining"], 2);
}

#[tokio::test]
async fn the_default_range_is_the_next_seven_days_and_long_answers_are_capped() {
    let shop = Shop::new().await;
    let answer = shop
        .ok(
            &customer("ana"),
            "check_availability",
            json!({ "service": "basic-service" }),
        )
        .await;
    assert_eq!(answer["from"], "2026-11-30");
    assert_eq!(answer["to"], "2026-12-06");
    assert_eq!(answer["slots"].as_array().unwrap().len(), 60);
    assert_eq!(answer["more_available"], true);
    // Earliest first across both locations.
    let starts: Vec<String> = slot_starts(&answer).into_iter().map(|(_, s)| s).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
}

#[tokio::test]
async fn ranges_are_capped_at_31_days_and_at_how_far_bookings_open() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    let long = shop
        .ok(
            &ana,
            "check_availability",
            json!({ "service": "bike-fitting", "from": "2026-12-01", "to": "2027-06-01" }),
        )
        .await;
    assert_eq!(long["to"], "2026-12-31");
    assert!(
        long["notes"]
            .to_string()
            .contains("only 31 days are searched")
    );
    let far = shop
        .ok(
            &ana,
            "check_availability",
            json!({ "service": "bike-fitting", "from": "2027-01-20", "to": "2027-02-10" }),
        )
        .await;
    assert_eq!(far["to"], "2027-01-29", "60 days after 2026-11-30");
    let beyond = shop
        .err(
            &ana,
            "check_availability",
            json!({ "service": "bike-fitting", "from": "2027-03-01" }),
        )
        .await;
    assert_error(
        &beyond,
        ToolErrorKind::InvalidArguments,
        &["last day that can be booked now is 2027-01-29"],
    );
}

#[tokio::test]
async fn bad_arguments_list_what_would_be_valid() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    let service = shop
        .err(
            &ana,
            "check_availability",
            json!({ "service": "oil change" }),
        )
        .await;
    assert_error(
        &service,
        ToolErrorKind::InvalidArguments,
        &[
            "no service \"oil change\"",
            "basic-service (Revisión básica)",
            "bike-fitting",
        ],
    );
    let location = shop
        .err(
            &ana,
            "check_availability",
            json!({ "service": "bike-fitting", "location": "milan" }),
        )
        .await;
    assert_error(
        &location,
        ToolErrorKind::InvalidArguments,
        &[
            "not offered at Velora Cycles Milano",
            "barcelona (Velora Cycles Barcelona)",
        ],
    );
    let order = shop
        .err(
            &ana,
            "check_availability",
            json!({ "service": "basic-service", "from": "2026-12-10", "to": "2026-12-01" }),
        )
        .await;
    assert_error(
        &order,
        ToolErrorKind::InvalidArguments,
        &["`to` (2026-12-01) is before `from` (2026-12-10)"],
    );
    let date = shop
        .err(
            &ana,
            "check_availability",
            json!({ "service": "basic-service", "from": "01/12/2026" }),
        )
        .await;
    assert_error(
        &date,
        ToolErrorKind::InvalidArguments,
        &["`from`", "YYYY-MM-DD"],
    );
    let past = shop
        .err(
            &ana,
            "check_availability",
            json!({ "service": "basic-service", "from": "2026-11-01", "to": "2026-11-20" }),
        )
        .await;
    assert_error(
        &past,
        ToolErrorKind::InvalidArguments,
        &["in the past", "today is 2026-11-30"],
    );
}

#[tokio::test]
async fn a_minimum_lead_time_hides_slots_too_soon() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/velora/business.toml"),
    )
    .unwrap()
    .replace(
        "max_days_ahead = 60",
        "max_days_ahead = 60\nmin_lead_minutes = 120",
    );
    let business = Arc::new(Business::from_toml(&text, Path::new("business.toml")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let store = charla_tools::store::Store::open(dir.path()).await.unwrap();
    // Monday 09:00 in Barcelona: with two hours' notice the first slot is 11:00.
    let clock = Clock::fixed(common::MONDAY_MORNING.parse().unwrap());
    let tool = CheckAvailability::new(business, store, clock);
    let ctx = ToolContext::new(Caller::Customer {
        contact_id: "ana".into(),
    });
    let args = serde_json::from_value(
        json!({ "service": "basic-service", "location": "barcelona", "to": "today" }),
    )
    .unwrap();
    let answer = serde_json::to_value(tool.call(&ctx, args).await.unwrap()).unwrap();
    assert_eq!(answer["slots"][0]["start"], "2026-11-30T11:00:00+01:00");
}
