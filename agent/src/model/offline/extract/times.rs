//! Exact clock times: "10:30", "10h30", "17.30", "5pm", "at 10", "a las 5 de la tarde",
//! "alle 15.30", "às 10h", "a mediodía". Ranges and vague parts of the day ("por la mañana")
//! are out of scope: they give no time.

use super::words::Words;
use jiff::civil::Time;

/// One-word cues before a time: "at 10", "alle 10", "ore 10", "pelas 10".
const CUES: &[&str] = &["at", "around", "alle", "ore", "verso", "pelas", "@"];
/// Two-word cues: "a las 10", "a la una", "verso le 10".
#[rustfmt::skip]
const TWO_WORD_CUES: &[&str] = &[
    "a las", "a la", "sobre las", "hacia las", "para las", "verso le", "per le", "alle ore",
    "volta das",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum DayPart {
    /// Before noon: 12 is midnight.
    Morning,
    /// After noon: 1..=11 become 13..=23.
    Afternoon,
    /// Evening and night: "10 de la noche" is 22:00, but "2 de la noche" stays 2:00.
    Night,
}

/// What may follow the hour and set its half of the day.
#[rustfmt::skip]
const DAY_PARTS: &[(&str, DayPart)] = &[
    ("am", DayPart::Morning), ("pm", DayPart::Afternoon), ("de la manana", DayPart::Morning),
    ("de la madrugada", DayPart::Morning), ("de la tarde", DayPart::Afternoon),
    ("de la noche", DayPart::Night), ("del mattino", DayPart::Morning),
    ("di mattina", DayPart::Morning), ("della mattina", DayPart::Morning),
    ("di notte", DayPart::Morning), ("del pomeriggio", DayPart::Afternoon),
    ("di pomeriggio", DayPart::Afternoon), ("di sera", DayPart::Night),
    ("della sera", DayPart::Night), ("da manha", DayPart::Morning), ("de manha", DayPart::Morning),
    ("da madrugada", DayPart::Morning), ("da tarde", DayPart::Afternoon),
    ("de tarde", DayPart::Afternoon), ("da noite", DayPart::Night), ("de noite", DayPart::Night),
    ("in the morning", DayPart::Morning), ("in the afternoon", DayPart::Afternoon),
    ("in the evening", DayPart::Night), ("at night", DayPart::Night),
];

/// Minutes said in words after the hour: "a las 5 y media", "alle 5 e mezza".
#[rustfmt::skip]
const MINUTE_PHRASES: &[(&str, i8)] = &[
    ("y media", 30), ("e mezza", 30), ("e mezzo", 30), ("e meia", 30), ("y cuarto", 15),
    ("e un quarto", 15), ("e quarto", 15),
];
/// "O'clock" and its sisters, consumed so they do not reach the product query.
const OCLOCK: &[&str] = &["o clock", "en punto", "in punto", "em ponto"];

#[rustfmt::skip]
const NOON: &[&str] = &[
    "noon", "midday", "mediodia", "mezzogiorno", "meio-dia", "meio dia",
];
#[rustfmt::skip]
const MIDNIGHT: &[&str] = &[
    "midnight", "medianoche", "mezzanotte", "meia-noite", "meia noite",
];

/// Hours in words, understood only after a cue: "a las cinco", "alle tre", "às duas".
#[rustfmt::skip]
const HOUR_WORDS: &[(&str, i8)] = &[
    ("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7),
    ("eight", 8), ("nine", 9), ("ten", 10), ("eleven", 11), ("twelve", 12), ("una", 1), ("uno", 1),
    ("dos", 2), ("tres", 3), ("cuatro", 4), ("cinco", 5), ("seis", 6), ("siete", 7), ("ocho", 8),
    ("nueve", 9), ("diez", 10), ("once", 11), ("doce", 12), ("due", 2), ("tre", 3), ("quattro", 4),
    ("cinque", 5), ("sei", 6), ("sette", 7), ("otto", 8), ("nove", 9), ("dieci", 10),
    ("undici", 11), ("dodici", 12), ("uma", 1), ("um", 1), ("duas", 2), ("dois", 2), ("quatro", 4),
    ("sete", 7), ("oito", 8), ("dez", 10), ("onze", 11), ("doze", 12),
];

/// How a number was written, which decides whether it needs a cue to be a time.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Written {
    /// "10:30", "10h", "10h30", "5pm": a time on its own.
    Clock,
    /// "17.30": a time on its own too, since prices have been taken before (a one-digit hour
    /// needs a cue).
    Dotted,
    /// "10": a time only after a cue or before "pm", "de la tarde"...
    Bare,
}

#[derive(Debug, Clone, Copy)]
struct Clock {
    hour: i8,
    minute: i8,
    written: Written,
    day_part: Option<DayPart>,
}

/// The first exact time in the message; its tokens, and its cue, are consumed.
pub(super) fn find_time(words: &mut Words<'_>, language: &str) -> Option<Time> {
    (0..words.len()).find_map(|i| time_at(words, i, language))
}

/// The time whose number (or "noon" word) is token `i`, consuming what it spans.
fn time_at(words: &mut Words<'_>, i: usize, language: &str) -> Option<Time> {
    if !words.is_free(i) {
        return None;
    }
    let cue_len = cue_before(words, i, language);
    let start = i.saturating_sub(cue_len);
    if let Some(len) = words.longest_phrase_at(i, NOON) {
        words.consume(start, i + len);
        return Time::new(12, 0, 0, 0).ok();
    }
    if let Some(len) = words.longest_phrase_at(i, MIDNIGHT) {
        words.consume(start, i + len);
        return Time::new(0, 0, 0, 0).ok();
    }
    let folded = words.folded(i);
    let mut clock = match parse_clock(folded) {
        Some(clock) => clock,
        None if cue_len > 0 => {
            let &(_, hour) = HOUR_WORDS.iter().find(|(word, _)| *word == folded)?;
            Clock {
                hour,
                minute: 0,
                written: Written::Bare,
                day_part: None,
            }
        }
        None => return None,
    };
    let mut end = i + 1;
    if clock.written == Written::Bare
        && clock.minute == 0
        && let Some((len, minute)) = phrase_value(words, end, MINUTE_PHRASES)
    {
        clock.minute = minute;
        end += len;
    }
    if clock.day_part.is_none()
        && let Some((len, day_part)) = phrase_value(words, end, DAY_PARTS)
    {
        clock.day_part = Some(day_part);
        end += len;
    }
    end += words.longest_phrase_at(end, OCLOCK).unwrap_or(0);
    let stands_alone = clock.written != Written::Bare || clock.day_part.is_some();
    if !stands_alone && cue_len == 0 {
        return None;
    }
    let time = to_time(clock)?;
    words.consume(start, end);
    Some(time)
}

/// How many tokens before `i` are a time cue ("at", "a las", "às").
fn cue_before(words: &Words<'_>, i: usize, language: &str) -> usize {
    let free = |back: usize| i.checked_sub(back).is_some_and(|j| words.is_free(j));
    if i >= 2 && free(2) && free(1) {
        let pair = format!("{} {}", words.folded(i - 2), words.folded(i - 1));
        if TWO_WORD_CUES.contains(&pair.as_str()) {
            return 2;
        }
    }
    if !free(1) {
        return 0;
    }
    let before = words.before(i);
    let raw_before = words.raw(i.saturating_sub(1)).to_lowercase();
    // "às"/"ás" keep their accent when written properly; "as" alone is the article in Spanish
    // and English, so it is a cue only in Portuguese. "all'una" is Italian only.
    let is_cue = CUES.contains(&before)
        || raw_before == "às"
        || raw_before == "ás"
        || (before == "as" && language == "pt")
        || (before == "all" && language == "it");
    usize::from(is_cue)
}

/// The value of the longest of `table`'s phrases at `i`.
fn phrase_value<T: Copy>(words: &Words<'_>, i: usize, table: &[(&str, T)]) -> Option<(usize, T)> {
    table
        .iter()
        .filter_map(|&(phrase, value)| words.phrase_at(i, phrase).map(|len| (len, value)))
        .max_by_key(|&(len, _)| len)
}

/// Reads "10", "10:30", "10.30", "10h", "10h30", "10:30h", "10hs", "5pm", "10:30am", "5p.m".
fn parse_clock(folded: &str) -> Option<Clock> {
    let (body, day_part) = ["a.m", "am"]
        .iter()
        .find_map(|s| folded.strip_suffix(s))
        .map(|body| (body, Some(DayPart::Morning)))
        .or_else(|| {
            ["p.m", "pm"]
                .iter()
                .find_map(|s| folded.strip_suffix(s))
                .map(|body| (body, Some(DayPart::Afternoon)))
        })
        .unwrap_or((folded, None));
    let (body, hour_mark) = match ["hrs", "hs", "h"].iter().find_map(|s| body.strip_suffix(s)) {
        Some(body) => (body, true),
        None => (body, false),
    };
    let (hour, minute, written) = if let Some((h, m)) = body.split_once(':') {
        (h, m, Written::Clock)
    } else if let Some((h, m)) = body.split_once('h') {
        (h, m, Written::Clock)
    } else if let Some((h, m)) = body.split_once('.') {
        (h, m, Written::Dotted)
    } else {
        (body, "", Written::Bare)
    };
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let hour_ok = (1..=2).contains(&hour.len()) && is_digits(hour);
    let minute_ok = (minute.is_empty() && written != Written::Dotted)
        || (minute.len() == 2 && is_digits(minute));
    if !hour_ok || !minute_ok {
        return None;
    }
    let written = match written {
        _ if hour_mark || day_part.is_some() => Written::Clock,
        // "2.50" is more often a price than ten to three; "alle 9.30" still reads, by its cue.
        Written::Dotted if hour.len() == 1 => Written::Bare,
        written => written,
    };
    let hour: i8 = hour.parse().ok()?;
    let minute: i8 = if minute.is_empty() {
        0
    } else {
        minute.parse().ok()?
    };
    Some(Clock {
        hour,
        minute,
        written,
        day_part,
    })
}

fn to_time(clock: Clock) -> Option<Time> {
    let hour = match (clock.day_part, clock.hour) {
        (_, h) if h > 23 => return None,
        (Some(DayPart::Morning), 12) => 0,
        (Some(DayPart::Afternoon), h) if (1..12).contains(&h) => h + 12,
        (Some(DayPart::Night), h) if (5..12).contains(&h) => h + 12,
        (_, h) => h,
    };
    Time::new(hour, clock.minute, 0, 0).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::test_support::{en, es, it, pt};
    use jiff::civil::time;

    fn at(h: i8, m: i8) -> Option<jiff::civil::Time> {
        Some(time(h, m, 0, 0))
    }

    #[test]
    fn clock_times_are_read_in_any_language() {
        assert_eq!(es("10:30").time, at(10, 30));
        assert_eq!(pt("10h").time, at(10, 0));
        assert_eq!(pt("10h30").time, at(10, 30));
        assert_eq!(es("a las 17:30h").time, at(17, 30));
        assert_eq!(it("17.30").time, at(17, 30));
    }

    #[test]
    fn english_times_with_am_and_pm() {
        assert_eq!(en("at 10am").time, at(10, 0));
        assert_eq!(en("10 am").time, at(10, 0));
        assert_eq!(en("5pm").time, at(17, 0));
        assert_eq!(en("5 p.m. please").time, at(17, 0));
        assert_eq!(en("12am").time, at(0, 0));
        assert_eq!(en("12pm").time, at(12, 0));
        assert_eq!(en("at 9:45pm").time, at(21, 45));
    }

    #[test]
    fn a_bare_hour_after_a_cue_is_a_time() {
        assert_eq!(en("at 10").time, at(10, 0));
        assert_eq!(es("a las 10").time, at(10, 0));
        assert_eq!(it("alle 10").time, at(10, 0));
        assert_eq!(pt("às 10").time, at(10, 0));
        assert_eq!(pt("as 10").time, at(10, 0));
    }

    #[test]
    fn a_bare_number_without_a_cue_is_not_a_time() {
        assert_eq!(es("quiero 2 cascos").time, None);
        assert_eq!(en("as 10 people").time, None);
    }

    #[test]
    fn spanish_afternoon_and_night_move_the_hour_past_noon() {
        assert_eq!(es("a las 5 de la tarde").time, at(17, 0));
        assert_eq!(es("a las 10 de la noche").time, at(22, 0));
        assert_eq!(es("a las 10 de la mañana").time, at(10, 0));
        assert_eq!(es("a las 5 y media de la tarde").time, at(17, 30));
    }

    #[test]
    fn italian_times_with_alle_and_parts_of_day() {
        assert_eq!(it("alle 15.30").time, at(15, 30));
        assert_eq!(it("alle 5 del pomeriggio").time, at(17, 0));
        assert_eq!(it("alle 9 di sera").time, at(21, 0));
        assert_eq!(it("all'una").time, at(1, 0));
    }

    #[test]
    fn portuguese_times_with_as_and_parts_of_day() {
        assert_eq!(pt("às 3 da tarde").time, at(15, 0));
        assert_eq!(pt("às 10h30").time, at(10, 30));
        assert_eq!(pt("às duas e meia").time, at(2, 30));
    }

    #[test]
    fn hours_in_words_are_times_after_a_cue() {
        assert_eq!(es("a la una").time, at(1, 0));
        assert_eq!(es("a las cinco de la tarde").time, at(17, 0));
        assert_eq!(en("at five pm").time, at(17, 0));
        assert_eq!(it("alle tre").time, at(3, 0));
    }

    #[test]
    fn noon_and_midnight_words_are_times() {
        assert_eq!(es("a mediodía").time, at(12, 0));
        assert_eq!(en("at noon").time, at(12, 0));
        assert_eq!(it("a mezzogiorno").time, at(12, 0));
        assert_eq!(pt("ao meio-dia").time, at(12, 0));
        assert_eq!(pt("ao meio dia").time, at(12, 0));
        assert_eq!(en("midnight").time, at(0, 0));
    }

    #[test]
    fn impossible_times_are_not_times() {
        assert_eq!(es("25:00").time, None);
        assert_eq!(es("10:75").time, None);
        assert_eq!(es("a las 99").time, None);
        assert_eq!(es("servicio 24h").time, None);
    }

    #[test]
    fn a_time_and_its_cue_leave_the_product_query() {
        let x = es("¿Me cambiáis la cadena a las 10:30?");
        assert_eq!(x.time, at(10, 30));
        assert_eq!(x.product_query, "cambiáis cadena");
    }

    #[test]
    fn a_price_with_decimals_is_not_a_time() {
        let x = es("algo por menos de 17.30€");
        assert_eq!(x.time, None);
        assert_eq!(x.max_price, Some(17.3));
        assert_eq!(it("il casco da 2.50").time, None);
        assert_eq!(it("alle 9.30").time, at(9, 30));
    }
}
