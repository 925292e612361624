//! `business.toml`: the example business loads with every part of its shape, and mistakes are
//! reported with file, line, column and field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_tools::business::{Business, BusinessError, Position, TemplateCategory};
use jiff::civil::date;
use std::path::{Path, PathBuf};

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/velora/business.toml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).unwrap()
}

/// The example with `from` replaced by `to` (exactly once).
fn example_with(from: &str, to: &str) -> String {
    let text = example_text();
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur once in the example"
    );
    text.replace(from, to)
}

fn invalid(text: &str) -> (Option<Position>, Option<String>, String, String) {
    let err = Business::from_toml(text, Path::new("shop/business.toml")).unwrap_err();
    let display = err.to_string();
    match err {
        BusinessError::Invalid {
            position,
            field,
            message,
            ..
        } => (position, field, message, display),
        other => panic!("expected an invalid-file error, got {other:?}"),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_example_business_loads_with_all_its_parts() {
    let business = Business::load(&example_path()).unwrap();
    assert_eq!(business.name, "Velora Cycles");
    assert_eq!(business.currency, "EUR");
    assert_eq!(business.default_language, "es");
    assert_eq!(business.languages, ["es", "en", "it", "pt"]);
    assert_eq!(business.timezone.name(), "Europe/Madrid");
    assert_eq!(
        business.contact.whatsapp.as_deref(),
        Some("+34 600 000 118")
    );
    let human = business.contact.human_hours.as_ref().unwrap();
    assert_eq!(human.monday.to_string(), "09:00-18:00");
    assert!(human.sunday.is_closed());

    let milan = business.location("milan").unwrap();
    assert_eq!(milan.timezone.name(), "Europe/Rome");
    // A Tuesday: open with a lunch break.
    let tuesday = date(2026, 12, 1);
    assert_eq!(milan.workshop_hours_on(tuesday).len(), 2);
    assert_eq!(
        milan.workshop_hours_on(tuesday)[0].to_string(),
        "09:30-13:00"
    );
    assert!(
        milan.workshop_hours_on(date(2026, 11, 30)).is_empty(),
        "closed on Mondays"
    );
    assert!(
        milan
            .closure_on(date(2027, 8, 15))
            .unwrap()
            .contains("Summer holidays")
    );
    assert!(milan.closure_on(date(2026, 12, 8)).is_some());
    // Christmas Eve replaces both the shop's and the workshop's hours.
    assert_eq!(milan.workshop_hours_on(date(2026, 12, 24)).len(), 1);
    assert_eq!(
        milan
            .special_on(date(2026, 12, 24))
            .unwrap()
            .note
            .as_deref(),
        Some("Vigilia di Natale")
    );

    let barcelona = business.location("Barcelona").unwrap();
    assert!(
        barcelona.workshop_hours_on(date(2026, 12, 5)).is_empty(),
        "no workshop bookings on Saturdays"
    );
    assert_eq!(
        barcelona.hours_on(date(2026, 12, 5))[0].to_string(),
        "10:00-14:00"
    );
    assert_eq!(
        business.location("Milano").unwrap().id,
        "milan",
        "found by a word of its name"
    );

    let fitting = business.service("bike-fitting").unwrap();
    assert_eq!(fitting.capacity, 1);
    assert_eq!(fitting.locations, ["barcelona"]);
    assert_eq!(
        business.service("revisión BÁSICA").unwrap().id,
        "basic-service",
        "localized, any case"
    );
    assert_eq!(
        business.service("Tagliando completo").unwrap().id,
        "full-service"
    );
    assert_eq!(
        business.service("basic-service").unwrap().name("it"),
        "Tagliando base"
    );
    assert_eq!(
        business.service("basic-service").unwrap().name("de"),
        "Revisión básica",
        "falls back to es"
    );

    assert_eq!(business.booking.cancellation_notice_hours, Some(24));
    assert_eq!(business.booking.no_show_fee, Some(15.0));
    assert_eq!(business.booking.max_days_ahead, 60);
    assert_eq!(business.booking.slot_start_minutes, [0, 30]);

    let promo = business
        .whatsapp
        .templates
        .iter()
        .find(|t| t.name == "promo_en")
        .unwrap();
    assert_eq!(promo.category, TemplateCategory::Marketing);
    assert_eq!(promo.parameters.len(), 3);
    assert_eq!(business.whatsapp.templates.len(), 13);
}

#[test]
fn a_missing_file_is_none_when_looked_for_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Business::load_from_dir(dir.path()).unwrap().is_none());
    std::fs::copy(example_path(), dir.path().join("business.toml")).unwrap();
    assert!(Business::load_from_dir(dir.path()).unwrap().is_some());
}

#[test]
fn an_unknown_time_zone_is_reported_with_its_line_and_field() {
    let text = example_with("timezone = \"Europe/Rome\"", "timezone = \"Europe/Milano\"");
    let (position, field, message, display) = invalid(&text);
    assert_eq!(position.unwrap().line, line_of(&text, "Europe/Milano"));
    assert_eq!(field.as_deref(), Some("locations[1].timezone"));
    assert!(
        message.contains("unknown time zone `Europe/Milano`"),
        "{message}"
    );
    assert!(
        display.starts_with(&format!(
            "shop/business.toml:{}:",
            line_of(&text, "Europe/Milano")
        )),
        "{display}"
    );
}

#[test]
fn hours_that_end_before_they_start_are_refused() {
    let text = example_with(
        "friday = [\"09:30-13:00\", \"15:00-19:00\"]\nsaturday = [\"09:30-13:00\", \"15:00-19:00\"]\nsunday = []\n\n[locations.workshop_hours]",
        "friday = [\"09:30-13:00\", \"19:00-15:00\"]\nsaturday = [\"09:30-13:00\", \"15:00-19:00\"]\nsunday = []\n\n[locations.workshop_hours]",
    );
    let (position, field, message, _) = invalid(&text);
    assert_eq!(position.unwrap().line, line_of(&text, "19:00-15:00"));
    assert_eq!(field.as_deref(), Some("locations[1].hours.friday"));
    assert!(message.contains("ends before it starts"), "{message}");
}

#[test]
fn a_service_at_an_unknown_location_names_the_known_ones() {
    let text = example_with(
        "capacity = 1\nlocations = [\"barcelona\"]",
        "capacity = 1\nlocations = [\"barcelona\", \"madrid\"]",
    );
    let (position, field, message, _) = invalid(&text);
    assert_eq!(position.unwrap().line, line_of(&text, "\"madrid\""));
    assert_eq!(field.as_deref(), Some("services[3].locations[1]"));
    assert!(
        message.contains("no location has id `madrid`; the locations are: barcelona, milan"),
        "{message}"
    );
}

#[test]
fn a_capacity_of_zero_is_refused() {
    let text = example_with(
        "capacity = 1\nlocations = [\"barcelona\"]",
        "capacity = 0\nlocations = [\"barcelona\"]",
    );
    let (position, field, message, _) = invalid(&text);
    assert_eq!(position.unwrap().line, line_of(&text, "capacity = 0"));
    assert_eq!(field.as_deref(), Some("services[3].capacity"));
    assert!(message.contains("at least 1"), "{message}");
}

#[test]
fn a_misspelt_field_is_named() {
    let text = example_with("max_days_ahead = 60", "max_day_ahead = 60");
    let (position, field, message, _) = invalid(&text);
    assert_eq!(position.unwrap().line, line_of(&text, "max_day_ahead"));
    assert_eq!(field.as_deref(), Some("booking.max_day_ahead"));
    assert!(
        message.contains("unknown field `max_day_ahead`"),
        "{message}"
    );
}

#[test]
fn a_closed_range_that_ends_before_it_starts_is_refused() {
    let text = example_with("to = \"2027-08-23\"", "to = \"2027-08-01\"");
    let (_, field, message, _) = invalid(&text);
    assert_eq!(field.as_deref(), Some("locations[1].closed_ranges[0]"));
    assert!(message.contains("is before `from`"), "{message}");
}

#[test]
fn a_malformed_date_is_reported_where_it_is() {
    let text = example_with("\"2027-06-24\", # Sant Joan", "\"24/06/2027\", # Sant Joan");
    let (position, field, message, _) = invalid(&text);
    assert_eq!(position.unwrap().line, line_of(&text, "24/06/2027"));
    // In TOML the example's `closed_dates` line belongs to the `[locations.workshop_hours]`
    // table above it; the path says so, and the dates still close the whole location.
    assert_eq!(
        field.as_deref(),
        Some("locations[0].workshop_hours.closed_dates[9]")
    );
    assert!(message.contains("expected YYYY-MM-DD"), "{message}");
}

#[test]
fn a_template_body_must_use_each_parameter() {
    let text = example_with(
        "parameters = [\"customer first name\", \"order number\", \"location name\"]\nbody = \"Hola {{1}}",
        "parameters = [\"customer first name\", \"order number\"]\nbody = \"Hola {{1}}",
    );
    let (_, field, message, _) = invalid(&text);
    assert_eq!(field.as_deref(), Some("whatsapp.templates[8].body"));
    assert!(
        message.contains("{{1}}, {{2}}, {{3}}") && message.contains("2 value(s)"),
        "{message}"
    );
}

#[test]
fn the_default_language_must_be_one_of_the_languages() {
    let text = example_with("default_language = \"es\"", "default_language = \"fr\"");
    let (_, field, message, _) = invalid(&text);
    assert_eq!(field.as_deref(), Some("default_language"));
    assert!(
        message.contains("`fr` is not among `languages`"),
        "{message}"
    );
}

#[test]
fn bare_toml_dates_are_accepted_too() {
    let text = example_with(
        "date = \"2026-12-31\"\nhours = [\"10:00-14:00\"]",
        "date = 2026-12-31\nhours = [\"10:00-14:00\"]",
    );
    let business = Business::from_toml(&text, Path::new("business.toml")).unwrap();
    let barcelona = business.location_by_id("barcelona").unwrap();
    assert!(barcelona.special_on(date(2026, 12, 31)).is_some());
}

#[test]
fn a_file_that_is_not_toml_says_where() {
    let (position, _, _, display) = invalid("name = \"Velora\"\ncurrency = \n");
    assert_eq!(position.unwrap().line, 2);
    assert!(display.starts_with("shop/business.toml:2:"), "{display}");
}
