//! Opening hours as `business.toml` writes them: `"HH:MM-HH:MM"` ranges ([`TimeRange`]), a
//! day's ranges ([`DayHours`]), a week ([`WeekHours`]); plus dates written as `"YYYY-MM-DD"`
//! or as TOML dates ([`ConfigDate`]).
//!
//! Parsing happens while deserialising, so a malformed value is reported by the TOML reader
//! with its line and column.

use jiff::civil::{Date, Time, Weekday};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A range of local time within one day, start included, end excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// When it starts.
    pub start: Time,
    /// When it ends; `24:00` is read as the last instant of the day.
    pub end: Time,
}

impl TimeRange {
    /// Whether `[start, end)` lies entirely within this range.
    pub fn contains(&self, start: Time, end: Time) -> bool {
        self.start <= start && end <= self.end && start < end
    }
}

/// Why a time range could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeRangeError(String);

fn parse_clock(text: &str, whole: &str) -> Result<Time, TimeRangeError> {
    let bad = || {
        TimeRangeError(format!(
            "`{whole}` is not a time range: expected \"HH:MM-HH:MM\", e.g. \"09:30-13:00\""
        ))
    };
    let (hour, minute) = text.trim().split_once(':').ok_or_else(bad)?;
    let hour: i8 = hour.parse().map_err(|_| bad())?;
    let minute: i8 = minute.parse().map_err(|_| bad())?;
    if hour == 24 && minute == 0 {
        return Ok(Time::MAX);
    }
    Time::new(hour, minute, 0, 0)
        .map_err(|_| TimeRangeError(format!("`{text}` in `{whole}` is not a time of day")))
}

impl FromStr for TimeRange {
    type Err = TimeRangeError;

    fn from_str(whole: &str) -> Result<Self, Self::Err> {
        // People paste en dashes from documents.
        let normalised = whole.replace(['–', '—'], "-");
        let (start, end) = normalised.split_once('-').ok_or_else(|| {
            TimeRangeError(format!(
                "`{whole}` is not a time range: expected \"HH:MM-HH:MM\", e.g. \"09:30-13:00\""
            ))
        })?;
        let start = parse_clock(start, whole)?;
        if start == Time::MAX {
            return Err(TimeRangeError(format!(
                "`{whole}` starts at 24:00; a day's ranges end there"
            )));
        }
        let end = parse_clock(end, whole)?;
        if end <= start {
            return Err(TimeRangeError(format!(
                "`{whole}` ends before it starts; write ranges as \"start-end\" within one day"
            )));
        }
        Ok(TimeRange { start, end })
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", clock(self.start), clock(self.end))
    }
}

/// `HH:MM`, with the end of the day written `24:00`.
pub fn clock(time: Time) -> String {
    if time == Time::MAX {
        "24:00".to_string()
    } else {
        format!("{:02}:{:02}", time.hour(), time.minute())
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The ranges of one day, in order and not overlapping; empty means closed. Several ranges
/// mean breaks between them (a lunch break).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<TimeRange>", into = "Vec<TimeRange>")]
pub struct DayHours(Vec<TimeRange>);

impl DayHours {
    /// The ranges, earliest first.
    pub fn ranges(&self) -> &[TimeRange] {
        &self.0
    }

    /// Whether the day has no range at all.
    pub fn is_closed(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<TimeRange>> for DayHours {
    type Error = TimeRangeError;

    fn try_from(mut ranges: Vec<TimeRange>) -> Result<Self, Self::Error> {
        ranges.sort_by_key(|r| r.start);
        for pair in ranges.windows(2) {
            if let [a, b] = pair
                && b.start < a.end
            {
                return Err(TimeRangeError(format!("ranges {a} and {b} overlap")));
            }
        }
        Ok(DayHours(ranges))
    }
}

impl From<DayHours> for Vec<TimeRange> {
    fn from(hours: DayHours) -> Self {
        hours.0
    }
}

impl fmt::Display for DayHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("closed");
        }
        let ranges: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&ranges.join(", "))
    }
}

/// Hours for each day of the week; a day left out is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeekHours {
    /// Monday.
    pub monday: DayHours,
    /// Tuesday.
    pub tuesday: DayHours,
    /// Wednesday.
    pub wednesday: DayHours,
    /// Thursday.
    pub thursday: DayHours,
    /// Friday.
    pub friday: DayHours,
    /// Saturday.
    pub saturday: DayHours,
    /// Sunday.
    pub sunday: DayHours,
}

impl WeekHours {
    /// The hours of `weekday`.
    pub fn on(&self, weekday: Weekday) -> &DayHours {
        match weekday {
            Weekday::Monday => &self.monday,
            Weekday::Tuesday => &self.tuesday,
            Weekday::Wednesday => &self.wednesday,
            Weekday::Thursday => &self.thursday,
            Weekday::Friday => &self.friday,
            Weekday::Saturday => &self.saturday,
            Weekday::Sunday => &self.sunday,
        }
    }
}

/// A date in `business.toml`: a quoted `"2026-12-08"` or a bare TOML date `2026-12-08`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConfigDate(pub(crate) Date);

impl<'de> Deserialize<'de> for ConfigDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ConfigDateVisitor)
    }
}

struct ConfigDateVisitor;

impl<'de> Visitor<'de> for ConfigDateVisitor {
    type Value = ConfigDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date like \"2026-12-08\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ConfigDate, E> {
        parse_date(text).map(ConfigDate).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ConfigDate, A::Error> {
        // The TOML reader hands native dates over as a one-entry map.
        let datetime =
            toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match (datetime.date, datetime.time, datetime.offset) {
            (Some(date), None, None) => parse_date(&date.to_string())
                .map(ConfigDate)
                .map_err(de::Error::custom),
            _ => Err(de::Error::custom(format!(
                "`{datetime}` is not a date: expected only a date like 2026-12-08"
            ))),
        }
    }
}

/// Reads `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    let shaped = text.len() == 10
        && text.as_bytes().get(4) == Some(&b'-')
        && text.as_bytes().get(7) == Some(&b'-');
    if !shaped {
        return Err(format!(
            "`{text}` is not a date: expected YYYY-MM-DD, e.g. 2026-12-08"
        ));
    }
    text.parse::<Date>()
        .map_err(|_| format!("`{text}` is not a date of the calendar"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_back_as_written() {
        let range: TimeRange = "09:30-13:00".parse().unwrap();
        assert_eq!(range.to_string(), "09:30-13:00");
        let late: TimeRange = "20:00-24:00".parse().unwrap();
        assert_eq!(late.to_string(), "20:00-24:00");
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        let err = "14:00-10:00".parse::<TimeRange>().unwrap_err().to_string();
        assert!(err.contains("ends before it starts"), "{err}");
        assert!("9-13".parse::<TimeRange>().is_err());
        assert!("25:00-26:00".parse::<TimeRange>().is_err());
    }

    #[test]
    fn overlapping_ranges_in_one_day_are_refused() {
        let ranges = vec![
            "10:00-14:00".parse().unwrap(),
            "13:00-15:00".parse().unwrap(),
        ];
        assert!(DayHours::try_from(ranges).is_err());
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(parse_date("2026-12-08").is_ok());
        assert!(parse_date("08/12/2026").is_err());
        assert!(parse_date("2026-02-30").is_err());
    }
}
