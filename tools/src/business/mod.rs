//! The business's configuration: the facts the agent must never guess, read from the
//! `business.toml` beside the business's knowledge.
//!
//! - `hours`: time ranges, a day's and a week's hours, dates.
//! - `load`: reading and validating the file.
//! - `error`: errors that name file, line, column and field.
//!
//! The types here are validated: a [`Business`] always has known time zones, services that
//! reference existing locations, capacities of at least one, and so on.

mod error;
mod hours;
mod load;

pub use error::{BusinessError, Position};
pub(crate) use hours::parse_date;
pub use hours::{DayHours, TimeRange, TimeRangeError, WeekHours, clock};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use std::collections::BTreeMap;
use std::fmt;

/// A business as `business.toml` describes it.
#[derive(Debug, Clone)]
pub struct Business {
    /// The name customers know it by.
    pub name: String,
    /// The registered company name.
    pub legal_name: Option<String>,
    /// The public website.
    pub website: Option<String>,
    /// ISO 4217 code of the prices in this file.
    pub currency: String,
    /// The language used when a customer's language cannot be told.
    pub default_language: String,
    /// The languages the agent answers in (ISO 639-1), the default among them.
    pub languages: Vec<String>,
    /// The business's own clock: "today" and "tomorrow" are computed in this zone.
    pub timezone: Zone,
    /// How customers reach people.
    pub contact: Contact,
    /// Shops and workshops.
    pub locations: Vec<Location>,
    /// Bookable services.
    pub services: Vec<Service>,
    /// Rules for bookings.
    pub booking: BookingRules,
    /// WhatsApp message templates.
    pub whatsapp: WhatsApp,
}

/// An IANA time zone, known to exist.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// The zone called `name` (e.g. `Europe/Madrid`).
    pub fn get(name: &str) -> Result<Self, String> {
        TimeZone::get(name)
            .map(|tz| Zone {
                name: name.to_string(),
                tz,
            })
            .map_err(|_| {
                format!("unknown time zone `{name}`: use an IANA name such as \"Europe/Madrid\"")
            })
    }

    /// Its IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone itself.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// `at` in this zone.
    pub fn at(&self, at: Timestamp) -> ZonedDateTime {
        at.to_zoned_datetime(self.tz.clone())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// How customers reach people, and when people answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// Customer service email.
    pub email: Option<String>,
    /// Customer service phone.
    pub phone: Option<String>,
    /// The WhatsApp number customers write to.
    pub whatsapp: Option<String>,
    /// Where privacy requests go.
    pub privacy_email: Option<String>,
    /// When people answer chats; handoffs outside these hours wait.
    pub human_hours: Option<WeekHours>,
}

/// A shop with its workshop.
#[derive(Debug, Clone)]
pub struct Location {
    /// Stable id, referenced by services and stored with bookings.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// How to find it.
    pub neighbourhood: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// The zone of its hours and bookings (the business's unless given).
    pub timezone: Zone,
    /// When the shop is open.
    pub hours: WeekHours,
    /// When bookable services may take place (the shop's hours unless given).
    pub workshop_hours: WeekHours,
    /// Days closed (public holidays).
    pub closed_dates: Vec<Date>,
    /// Longer closures, both ends included.
    pub closed_ranges: Vec<ClosedRange>,
    /// Days with other hours than usual.
    pub special_hours: Vec<SpecialHours>,
}

/// A closure of several days, both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedRange {
    /// First closed day.
    pub from: Date,
    /// Last closed day.
    pub to: Date,
    /// Why, for customers.
    pub note: Option<String>,
}

/// A day with other hours than usual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialHours {
    /// The day.
    pub date: Date,
    /// The shop's hours that day.
    pub hours: DayHours,
    /// The workshop's hours that day; the shop's when not given.
    pub workshop_hours: Option<DayHours>,
    /// Why, for customers.
    pub note: Option<String>,
}

impl Location {
    /// Why the location is closed all day on `date` (a closed date or range), if it is.
    /// Days closed every week are not closures: see [`Location::workshop_hours_on`].
    pub fn closure_on(&self, date: Date) -> Option<String> {
        if self.closed_dates.contains(&date) {
            return Some(format!(
                "{} is closed on {date} (public holiday)",
                self.name
            ));
        }
        self.closed_ranges
            .iter()
            .find(|r| r.from <= date && date <= r.to)
            .map(|r| match &r.note {
                Some(note) => format!(
                    "{} is closed from {} to {}: {note}",
                    self.name, r.from, r.to
                ),
                None => format!("{} is closed from {} to {}", self.name, r.from, r.to),
            })
    }

    /// The shop's hours on `date`, after closures and special hours.
    pub fn hours_on(&self, date: Date) -> &[TimeRange] {
        if self.closure_on(date).is_some() {
            return &[];
        }
        match self.special_on(date) {
            Some(special) => special.hours.ranges(),
            None => self.hours.on(date.weekday()).ranges(),
        }
    }

    /// The workshop's hours on `date`, after closures and special hours: when bookings may
    /// take place.
    pub fn workshop_hours_on(&self, date: Date) -> &[TimeRange] {
        if self.closure_on(date).is_some() {
            return &[];
        }
        match self.special_on(date) {
            Some(special) => special
                .workshop_hours
                .as_ref()
                .unwrap_or(&special.hours)
                .ranges(),
            None => self.workshop_hours.on(date.weekday()).ranges(),
        }
    }

    /// The special hours of `date`, if any.
    pub fn special_on(&self, date: Date) -> Option<&SpecialHours> {
        self.special_hours.iter().find(|s| s.date == date)
    }

    fn matches(&self, query: &str) -> bool {
        let query = fold(query);
        fold(&self.id) == query || fold(&self.name) == query
    }
}

/// A bookable service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Stable id, stored with bookings.
    pub id: String,
    /// Its name by language (ISO 639-1).
    pub names: BTreeMap<String, String>,
    /// How long it takes.
    pub duration_minutes: u32,
    /// What the customer pays for the labour.
    pub price: f64,
    /// How many bookings of it can run at the same time at one location.
    pub capacity: u32,
    /// Ids of the locations that offer it.
    pub locations: Vec<String>,
    /// The business's default language, for names missing in a language.
    fallback_language: String,
}

impl Service {
    /// Its name in `language`, or in the business's default language.
    pub fn name(&self, language: &str) -> &str {
        self.names
            .get(language)
            .or_else(|| self.names.get(&self.fallback_language))
            .map_or(self.id.as_str(), String::as_str)
    }

    /// Whether `location_id` offers it.
    pub fn offered_at(&self, location_id: &str) -> bool {
        self.locations.iter().any(|l| l == location_id)
    }

    /// Whether `query` is its id or one of its names, ignoring case and surrounding space.
    pub fn matches(&self, query: &str) -> bool {
        let query = fold(query);
        fold(&self.id) == query || self.names.values().any(|name| fold(name) == query)
    }
}

/// Rules for bookings.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRules {
    /// Cancel at least this many hours ahead, or `no_show_fee` may apply.
    pub cancellation_notice_hours: Option<u32>,
    /// What a late cancellation or a no-show costs.
    pub no_show_fee: Option<f64>,
    /// How many days ahead customers can book.
    pub max_days_ahead: u32,
    /// The minutes of the hour on which slots start, in order.
    pub slot_start_minutes: Vec<u8>,
    /// How long before its start a slot can still be booked.
    pub min_lead_minutes: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            cancellation_notice_hours: None,
            no_show_fee: None,
            max_days_ahead: 60,
            slot_start_minutes: vec![0, 30],
            min_lead_minutes: 0,
        }
    }
}

/// WhatsApp settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WhatsApp {
    /// Approved message templates.
    pub templates: Vec<Template>,
}

/// A WhatsApp message template as approved by Meta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its name in WhatsApp Manager.
    pub name: String,
    /// Its locale as registered (e.g. `es_ES`).
    pub language: String,
    /// What it may be used for.
    pub category: TemplateCategory,
    /// What `{{1}}`, `{{2}}`... are filled with, in order.
    pub parameters: Vec<String>,
    /// Its text.
    pub body: String,
}

/// The category of a [`Template`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateCategory {
    /// About something the customer started.
    Utility,
    /// Promotions: only to contacts who opted in.
    Marketing,
    /// One-time codes.
    Authentication,
}

impl Business {
    /// The file name looked for beside the knowledge.
    pub const FILE_NAME: &'static str = "business.toml";

    /// The service whose id or name (in any language) is `query`, ignoring case.
    pub fn service(&self, query: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.matches(query))
    }

    /// The location whose id or name is `query`, ignoring case; failing that, the only one
    /// whose name or address contains it ("Milano", "Barcelona").
    pub fn location(&self, query: &str) -> Option<&Location> {
        if let Some(location) = self.locations.iter().find(|l| l.matches(query)) {
            return Some(location);
        }
        let needle = fold(query);
        if needle.len() < 3 {
            return None;
        }
        let mut found = self
            .locations
            .iter()
            .filter(|l| fold(&l.name).contains(&needle) || fold(&l.address).contains(&needle));
        match (found.next(), found.next()) {
            (Some(location), None) => Some(location),
            _ => None,
        }
    }

    /// The location with id `id`.
    pub fn location_by_id(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }

    /// The business's date at `now`.
    pub fn today(&self, now: Timestamp) -> Date {
        self.timezone.at(now).date()
    }
}

/// Lowercased and trimmed, for matching what a model typed against configured names.
fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}
