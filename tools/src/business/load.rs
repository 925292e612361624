//! Reading `business.toml`: the file's shape as serde types, then the checks that span
//! several fields (ids that must exist, names in the default language, template parameters).

use super::error::{BusinessError, Source};
use super::hours::{ConfigDate, DayHours, WeekHours};
use super::{
    BookingRules, Business, ClosedRange, Contact, Location, Service, SpecialHours, Template,
    TemplateCategory, WhatsApp, Zone,
};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;
use toml::Spanned;

impl Business {
    /// Reads and validates the `business.toml` at `path`.
    pub fn load(path: &Path) -> Result<Self, BusinessError> {
        let text = std::fs::read_to_string(path).map_err(|source| BusinessError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Reads `dir/business.toml` if there is one.
    pub fn load_from_dir(dir: &Path) -> Result<Option<Self>, BusinessError> {
        let path = dir.join(Self::FILE_NAME);
        if !path.is_file() {
            return Ok(None);
        }
        Self::load(&path).map(Some)
    }

    /// Validates `text`; `path` only names the file in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, BusinessError> {
        let source = Source { text, path };
        let raw: RawBusiness = toml::from_str(text).map_err(|err| {
            let message = err.message().trim_end().to_string();
            source.error(err.span(), message)
        })?;
        raw.validate(&source)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBusiness {
    name: Spanned<String>,
    legal_name: Option<String>,
    website: Option<String>,
    currency: Spanned<String>,
    default_language: Spanned<String>,
    languages: Spanned<Vec<String>>,
    timezone: Zone,
    #[serde(default)]
    contact: RawContact,
    #[serde(default)]
    locations: Vec<RawLocation>,
    #[serde(default)]
    services: Vec<RawService>,
    #[serde(default)]
    booking: RawBooking,
    #[serde(default)]
    whatsapp: RawWhatsApp,
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Zone::get(name.trim()).map_err(serde::de::Error::custom)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawContact {
    email: Option<String>,
    phone: Option<String>,
    whatsapp: Option<String>,
    privacy_email: Option<String>,
    human_hours: Option<WeekHours>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocation {
    id: Spanned<String>,
    name: String,
    address: String,
    neighbourhood: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    timezone: Option<Zone>,
    hours: RawWeekHours,
    workshop_hours: Option<RawWeekHours>,
    #[serde(default)]
    closed_dates: Vec<ConfigDate>,
    #[serde(default)]
    closed_ranges: Vec<Spanned<RawClosedRange>>,
    #[serde(default)]
    special_hours: Vec<Spanned<RawSpecialHours>>,
}

/// A location's weekly hours. `closed_dates` may also sit here: a `closed_dates = [...]` line
/// written after a `[locations.hours]` or `[locations.workshop_hours]` header belongs to that
/// table in TOML, though it means the whole location (the example business writes it so).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawWeekHours {
    monday: DayHours,
    tuesday: DayHours,
    wednesday: DayHours,
    thursday: DayHours,
    friday: DayHours,
    saturday: DayHours,
    sunday: DayHours,
    closed_dates: Vec<ConfigDate>,
}

impl RawWeekHours {
    fn split(self) -> (WeekHours, Vec<ConfigDate>) {
        let week = WeekHours {
            monday: self.monday,
            tuesday: self.tuesday,
            wednesday: self.wednesday,
            thursday: self.thursday,
            friday: self.friday,
            saturday: self.saturday,
            sunday: self.sunday,
        };
        (week, self.closed_dates)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosedRange {
    from: ConfigDate,
    to: ConfigDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpecialHours {
    date: ConfigDate,
    hours: DayHours,
    workshop_hours: Option<DayHours>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: Spanned<String>,
    name: Spanned<BTreeMap<String, String>>,
    duration_minutes: Spanned<u32>,
    price: Spanned<f64>,
    capacity: Spanned<u32>,
    locations: Spanned<Vec<Spanned<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBooking {
    cancellation_notice_hours: Option<u32>,
    no_show_fee: Option<Spanned<f64>>,
    max_days_ahead: Option<Spanned<u32>>,
    slot_start_minutes: Option<Spanned<Vec<u8>>>,
    min_lead_minutes: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWhatsApp {
    #[serde(default)]
    templates: Vec<RawTemplate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: Spanned<String>,
    language: String,
    category: TemplateCategory,
    #[serde(default)]
    parameters: Vec<String>,
    body: Spanned<String>,
}

impl RawBusiness {
    fn validate(self, source: &Source<'_>) -> Result<Business, BusinessError> {
        if self.name.get_ref().trim().is_empty() {
            return Err(source.at(&self.name, "the business needs a name"));
        }
        let currency = self.currency.get_ref().trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(source.at(
                &self.currency,
                "expected an ISO 4217 currency code such as \"EUR\"",
            ));
        }
        let languages: Vec<String> = self
            .languages
            .get_ref()
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect();
        if languages.is_empty() || languages.iter().any(String::is_empty) {
            return Err(source.at(
                &self.languages,
                "list at least one language code, e.g. [\"es\", \"en\"]",
            ));
        }
        let default_language = self.default_language.get_ref().trim().to_lowercase();
        if !languages.contains(&default_language) {
            return Err(source.at(
                &self.default_language,
                format!(
                    "`{default_language}` is not among `languages` ({})",
                    languages.join(", ")
                ),
            ));
        }

        let mut location_ids = HashSet::new();
        let mut locations = Vec::with_capacity(self.locations.len());
        for raw in self.locations {
            if !location_ids.insert(raw.id.get_ref().clone()) {
                return Err(source.at(
                    &raw.id,
                    format!(
                        "a location with id `{}` is already defined",
                        raw.id.get_ref()
                    ),
                ));
            }
            locations.push(raw.validate(&self.timezone, source)?);
        }

        let mut service_ids = HashSet::new();
        let mut services = Vec::with_capacity(self.services.len());
        for raw in self.services {
            if !service_ids.insert(raw.id.get_ref().clone()) {
                return Err(source.at(
                    &raw.id,
                    format!(
                        "a service with id `{}` is already defined",
                        raw.id.get_ref()
                    ),
                ));
            }
            services.push(raw.validate(&location_ids, &default_language, source)?);
        }

        let booking = self.booking.validate(source)?;
        let whatsapp = WhatsApp {
            templates: self
                .whatsapp
                .templates
                .into_iter()
                .map(|t| t.validate(source))
                .collect::<Result<_, _>>()?,
        };
        let contact = Contact {
            email: self.contact.email,
            phone: self.contact.phone,
            whatsapp: self.contact.whatsapp,
            privacy_email: self.contact.privacy_email,
            human_hours: self.contact.human_hours,
        };
        Ok(Business {
            name: self.name.into_inner().trim().to_string(),
            legal_name: self.legal_name,
            website: self.website,
            currency,
            default_language,
            languages,
            timezone: self.timezone,
            contact,
            locations,
            services,
            booking,
            whatsapp,
        })
    }
}

impl RawLocation {
    fn validate(
        self,
        business_zone: &Zone,
        source: &Source<'_>,
    ) -> Result<Location, BusinessError> {
        if self.id.get_ref().trim().is_empty() {
            return Err(source.at(&self.id, "a location needs an id"));
        }
        let mut closed_ranges = Vec::with_capacity(self.closed_ranges.len());
        for spanned in &self.closed_ranges {
            let raw = spanned.get_ref();
            if raw.to.0 < raw.from.0 {
                return Err(source.at(
                    spanned,
                    format!("`to` ({}) is before `from` ({})", raw.to.0, raw.from.0),
                ));
            }
            closed_ranges.push(ClosedRange {
                from: raw.from.0,
                to: raw.to.0,
                note: raw.note.clone(),
            });
        }
        let mut special_dates = HashSet::new();
        let mut special_hours = Vec::with_capacity(self.special_hours.len());
        for spanned in &self.special_hours {
            let raw = spanned.get_ref();
            if !special_dates.insert(raw.date.0) {
                return Err(source.at(
                    spanned,
                    format!("special hours for {} are already given", raw.date.0),
                ));
            }
            special_hours.push(SpecialHours {
                date: raw.date.0,
                hours: raw.hours.clone(),
                workshop_hours: raw.workshop_hours.clone(),
                note: raw.note.clone(),
            });
        }
        let (hours, mut closed_dates) = self.hours.split();
        let workshop_hours = match self.workshop_hours.map(RawWeekHours::split) {
            Some((week, dates)) => {
                closed_dates.extend(dates);
                week
            }
            None => hours.clone(),
        };
        closed_dates.extend(self.closed_dates);
        let mut closed_dates: Vec<_> = closed_dates.into_iter().map(|d| d.0).collect();
        closed_dates.sort_unstable();
        closed_dates.dedup();
        Ok(Location {
            id: self.id.into_inner().trim().to_string(),
            name: self.name,
            address: self.address,
            neighbourhood: self.neighbourhood,
            phone: self.phone,
            email: self.email,
            timezone: self.timezone.unwrap_or_else(|| business_zone.clone()),
            hours,
            workshop_hours,
            closed_dates,
            closed_ranges,
            special_hours,
        })
    }
}

impl RawService {
    fn validate(
        self,
        location_ids: &HashSet<String>,
        default_language: &str,
        source: &Source<'_>,
    ) -> Result<Service, BusinessError> {
        let id = self.id.get_ref().trim().to_string();
        if id.is_empty() {
            return Err(source.at(&self.id, "a service needs an id"));
        }
        let names: BTreeMap<String, String> = self
            .name
            .get_ref()
            .iter()
            .map(|(language, name)| (language.trim().to_lowercase(), name.trim().to_string()))
            .collect();
        if names.get(default_language).is_none_or(String::is_empty) {
            return Err(source.at(
                &self.name,
                format!("service `{id}` needs a name in the default language `{default_language}`"),
            ));
        }
        let duration_minutes = *self.duration_minutes.get_ref();
        if duration_minutes == 0 || duration_minutes > 24 * 60 {
            return Err(source.at(
                &self.duration_minutes,
                "a duration must be between 1 and 1440 minutes",
            ));
        }
        let price = *self.price.get_ref();
        if !price.is_finite() || price < 0.0 {
            return Err(source.at(&self.price, "a price must be zero or more"));
        }
        let capacity = *self.capacity.get_ref();
        if capacity == 0 {
            return Err(source.at(
                &self.capacity,
                "capacity must be at least 1 (how many bookings of the service can run at once at one location)",
            ));
        }
        if self.locations.get_ref().is_empty() {
            return Err(source.at(
                &self.locations,
                format!("service `{id}` is offered at no location"),
            ));
        }
        let mut locations = Vec::new();
        for location in self.locations.get_ref() {
            let name = location.get_ref().trim();
            if !location_ids.contains(name) {
                let mut known: Vec<&str> = location_ids.iter().map(String::as_str).collect();
                known.sort_unstable();
                return Err(source.at(
                    location,
                    format!(
                        "no location has id `{name}`; the locations are: {}",
                        known.join(", ")
                    ),
                ));
            }
            if !locations.iter().any(|l| l == name) {
                locations.push(name.to_string());
            }
        }
        Ok(Service {
            id,
            names,
            duration_minutes,
            price,
            capacity,
            locations,
            fallback_language: default_language.to_string(),
        })
    }
}

impl RawBooking {
    fn validate(self, source: &Source<'_>) -> Result<BookingRules, BusinessError> {
        let defaults = BookingRules::default();
        if let Some(fee) = &self.no_show_fee
            && (!fee.get_ref().is_finite() || *fee.get_ref() < 0.0)
        {
            return Err(source.at(fee, "a fee must be zero or more"));
        }
        let max_days_ahead = match &self.max_days_ahead {
            Some(days) if *days.get_ref() == 0 => {
                return Err(source.at(days, "customers must be able to book at least 1 day ahead"));
            }
            Some(days) => *days.get_ref(),
            None => defaults.max_days_ahead,
        };
        let slot_start_minutes = match &self.slot_start_minutes {
            Some(minutes) => {
                let mut list = minutes.get_ref().clone();
                if list.is_empty() || list.iter().any(|m| *m >= 60) {
                    return Err(source.at(
                        minutes,
                        "list the minutes of the hour slots start on, each 0-59, e.g. [0, 30]",
                    ));
                }
                list.sort_unstable();
                list.dedup();
                list
            }
            None => defaults.slot_start_minutes,
        };
        Ok(BookingRules {
            cancellation_notice_hours: self.cancellation_notice_hours,
            no_show_fee: self.no_show_fee.map(Spanned::into_inner),
            max_days_ahead,
            slot_start_minutes,
            min_lead_minutes: self.min_lead_minutes.unwrap_or(defaults.min_lead_minutes),
        })
    }
}

impl RawTemplate {
    fn validate(self, source: &Source<'_>) -> Result<Template, BusinessError> {
        if self.name.get_ref().trim().is_empty() {
            return Err(source.at(
                &self.name,
                "a template needs its name from WhatsApp Manager",
            ));
        }
        let used = placeholders(self.body.get_ref());
        let expected: Vec<usize> = (1..=self.parameters.len()).collect();
        if used != expected {
            return Err(source.at(
                &self.body,
                format!(
                    "the body uses {} but `parameters` describes {} value(s); number placeholders {{{{1}}}}, {{{{2}}}}... once per parameter",
                    Placeholders(&used),
                    self.parameters.len()
                ),
            ));
        }
        Ok(Template {
            name: self.name.into_inner(),
            language: self.language,
            category: self.category,
            parameters: self.parameters,
            body: self.body.into_inner(),
        })
    }
}

/// The distinct `{{n}}` numbers of a template body, in order.
fn placeholders(body: &str) -> Vec<usize> {
    let mut found: Vec<usize> = body
        .split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .filter_map(|(inside, _)| inside.trim().parse().ok())
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

struct Placeholders<'a>(&'a [usize]);

impl fmt::Display for Placeholders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no placeholder");
        }
        let list: Vec<String> = self.0.iter().map(|n| format!("{{{{{n}}}}}")).collect();
        f.write_str(&list.join(", "))
    }
}
