//! When a service can be booked: slot starts from workshop hours (lunch breaks, closed days
//! and ranges, special hours), the service's duration and the slot grid, filtered by "now",
//! the minimum lead time and how far ahead bookings open; free capacity from existing
//! bookings. Pure: the store supplies the bookings, the caller the time.

use crate::business::{BookingRules, Location, Service, TimeRange, clock};
use crate::store::peak_concurrency;
use jiff::civil::{Date, DateTime, Time};
use jiff::{SignedDuration, Timestamp, ZonedDateTime};
use std::fmt;

/// One possible booking: where it starts and ends, in the location's zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Start.
    pub start: ZonedDateTime,
    /// End (start plus the service's duration).
    pub end: ZonedDateTime,
}

/// A window with free capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// When and how long.
    pub window: Window,
    /// How many more bookings of the service fit in it.
    pub remaining: u32,
}

/// Why a start time cannot be booked, whatever the bookings.
#[derive(Debug, Clone, PartialEq)]
pub enum Unbookable {
    /// It has passed.
    Past {
        /// The current local time.
        now: ZonedDateTime,
    },
    /// It is sooner than the minimum lead time allows.
    TooSoon {
        /// The lead time.
        lead_minutes: u32,
    },
    /// It is further ahead than bookings open.
    TooFarAhead {
        /// The last day that can be booked.
        last_day: Date,
        /// How many days ahead bookings open.
        max_days_ahead: u32,
    },
    /// The location is closed that day (holiday or closure).
    Closed(String),
    /// The workshop has no hours that weekday or day.
    NoHours {
        /// The day.
        date: Date,
    },
    /// The time is not on the slot grid, or the service would not fit before a break or
    /// closing.
    NotAStart {
        /// The workshop's hours that day.
        hours: Vec<TimeRange>,
        /// The minutes slots start on.
        grid: Vec<u8>,
        /// How long the service takes.
        duration_minutes: u32,
    },
}

impl fmt::Display for Unbookable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unbookable::Past { now } => write!(f, "it is in the past (it is now {})", local(now)),
            Unbookable::TooSoon { lead_minutes } => {
                write!(
                    f,
                    "bookings must be made at least {lead_minutes} minutes before they start"
                )
            }
            Unbookable::TooFarAhead {
                last_day,
                max_days_ahead,
            } => {
                write!(
                    f,
                    "bookings open {max_days_ahead} days ahead, so the last day that can be booked now is {last_day}"
                )
            }
            Unbookable::Closed(reason) => f.write_str(reason),
            Unbookable::NoHours { date } => {
                write!(
                    f,
                    "the workshop takes no bookings on {} {date}",
                    date.strftime("%A")
                )
            }
            Unbookable::NotAStart {
                hours,
                grid,
                duration_minutes,
            } => {
                let hours: Vec<String> = hours.iter().map(ToString::to_string).collect();
                let grid: Vec<String> = grid.iter().map(|m| format!(":{m:02}")).collect();
                write!(
                    f,
                    "slots start at {} past the hour and take {duration_minutes} minutes, which must fit within the \
                     workshop hours ({})",
                    grid.join(" and "),
                    hours.join(", ")
                )
            }
        }
    }
}

/// `YYYY-MM-DD HH:MM` in the value's own zone.
pub fn local(at: &ZonedDateTime) -> String {
    at.strftime("%Y-%m-%d %H:%M").to_string()
}

/// RFC 3339 with the zone's offset, e.g. `2026-12-01T10:00:00+01:00`.
pub fn rfc3339(at: &ZonedDateTime) -> String {
    at.timestamp().display_with_offset(at.offset()).to_string()
}

/// Slot planning for one service at one location at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Planner<'a> {
    /// Where.
    pub location: &'a Location,
    /// What.
    pub service: &'a Service,
    /// The business's booking rules.
    pub rules: &'a BookingRules,
    /// The current time.
    pub now: Timestamp,
}

impl Planner<'_> {
    /// Today at the location.
    pub fn today(&self) -> Date {
        self.location.timezone.at(self.now).date()
    }

    /// The last day bookings are open for.
    pub fn last_day(&self) -> Date {
        add_days(self.today(), i64::from(self.rules.max_days_ahead))
    }

    /// Every window the schedule offers on `date`, ignoring the current time and bookings.
    pub fn windows_on(&self, date: Date) -> Vec<Window> {
        let duration = i64::from(self.service.duration_minutes);
        let mut windows = Vec::new();
        for range in self.location.workshop_hours_on(date) {
            let (open, close) = (minute_of_day(range.start), minute_of_day(range.end));
            for hour in 0..24i64 {
                for &minute in &self.rules.slot_start_minutes {
                    let start = hour * 60 + i64::from(minute);
                    if start < open || start + duration > close {
                        continue;
                    }
                    if let Some(window) = self.window(date, start) {
                        windows.push(window);
                    }
                }
            }
        }
        windows
    }

    /// The windows of `date` that can still be booked and have free capacity, given the
    /// `taken` intervals of existing bookings of the service at the location.
    pub fn free_on(&self, date: Date, taken: &[(Timestamp, Timestamp)]) -> Vec<Slot> {
        if date > self.last_day() {
            return Vec::new();
        }
        self.windows_on(date)
            .into_iter()
            .filter(|window| self.timing(window).is_ok())
            .filter_map(|window| {
                let peak =
                    peak_concurrency(taken, window.start.timestamp(), window.end.timestamp());
                let remaining = self.service.capacity.saturating_sub(peak);
                (remaining > 0).then_some(Slot { window, remaining })
            })
            .collect()
    }

    /// The window starting at local `start`, if the schedule offers it now.
    pub fn check(&self, start: DateTime) -> Result<Window, Unbookable> {
        let date = start.date();
        if let Some(reason) = self.location.closure_on(date) {
            return Err(Unbookable::Closed(reason));
        }
        let hours = self.location.workshop_hours_on(date);
        if hours.is_empty() {
            return Err(Unbookable::NoHours { date });
        }
        let on_grid = start.second() == 0 && start.subsec_nanosecond() == 0;
        let window = self
            .windows_on(date)
            .into_iter()
            .find(|w| on_grid && w.start.datetime() == start)
            .ok_or_else(|| Unbookable::NotAStart {
                hours: hours.to_vec(),
                grid: self.rules.slot_start_minutes.clone(),
                duration_minutes: self.service.duration_minutes,
            })?;
        if date > self.last_day() {
            return Err(Unbookable::TooFarAhead {
                last_day: self.last_day(),
                max_days_ahead: self.rules.max_days_ahead,
            });
        }
        self.timing(&window)?;
        Ok(window)
    }

    /// Whether `window` is far enough in the future.
    fn timing(&self, window: &Window) -> Result<(), Unbookable> {
        let start = window.start.timestamp();
        if start <= self.now {
            return Err(Unbookable::Past {
                now: self.location.timezone.at(self.now),
            });
        }
        let lead = SignedDuration::from_mins(i64::from(self.rules.min_lead_minutes));
        if self.now.duration_until(start) < lead {
            return Err(Unbookable::TooSoon {
                lead_minutes: self.rules.min_lead_minutes,
            });
        }
        Ok(())
    }

    fn window(&self, date: Date, start_minute: i64) -> Option<Window> {
        let time = Time::new(
            i8::try_from(start_minute / 60).ok()?,
            i8::try_from(start_minute % 60).ok()?,
            0,
            0,
        )
        .ok()?;
        let start = date
            .to_datetime(time)
            .to_zoned_datetime(self.location.timezone.time_zone().clone())
            .ok()?;
        let end = start
            .timestamp()
            .checked_add(SignedDuration::from_mins(i64::from(
                self.service.duration_minutes,
            )))
            .ok()?;
        let end = end.to_zoned_datetime(self.location.timezone.time_zone().clone());
        Some(Window { start, end })
    }
}

/// Minutes since midnight, with the end of the day as 1440.
fn minute_of_day(time: Time) -> i64 {
    if time == Time::MAX {
        24 * 60
    } else {
        i64::from(time.hour()) * 60 + i64::from(time.minute())
    }
}

/// `date` plus `days` days.
pub fn add_days(date: Date, days: i64) -> Date {
    date.saturating_add(SignedDuration::from_hours(24 * days))
}

/// When `date` starts at `location`.
pub fn day_start(location: &Location, date: Date) -> Timestamp {
    location
        .timezone
        .time_zone()
        .to_timestamp(date.to_datetime(Time::midnight()))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// `HH:MM` of each slot, for messages.
pub fn times(slots: &[Slot]) -> String {
    let list: Vec<String> = slots.iter().map(|s| clock(s.window.start.time())).collect();
    list.join(", ")
}
