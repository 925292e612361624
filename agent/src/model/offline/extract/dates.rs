//! Dates a message asks about, relative to the business's local `today`: today, tomorrow and
//! the day after; weekdays; this week, next week and the weekend; dates written with numbers
//! ("15/03", "2026-03-15") or month names ("15 de marzo", "March 15th"). Numbers are read
//! day first, as in Europe; a date without a year that has already passed means next year.

use super::DateAsk;
use super::words::Words;
use jiff::civil::{Date, Weekday};

#[rustfmt::skip]
const TODAY: &[&str] = &[
    "today", "hoy", "oggi", "hoje", "tonight", "stasera", "stamattina",
];
/// Parts of today: "¿puedo pasar esta tarde?" asks about today.
#[rustfmt::skip]
const PARTS_OF_TODAY: &[&str] = &[
    "this morning", "this afternoon", "this evening", "esta manana", "esta tarde", "esta noche",
    "esta noite", "oggi pomeriggio",
];
const TOMORROW: &[&str] = &["tomorrow", "tmrw", "tmr", "manana", "domani", "amanha"];
/// Words before "mañana" that make it "morning": "por la mañana", "cada mañana".
#[rustfmt::skip]
const MORNING_NOT_TOMORROW: &[&str] = &[
    "la", "esta", "cada", "toda", "una", "media", "las",
];
#[rustfmt::skip]
const DAY_AFTER_TOMORROW: &[&str] = &[
    "day after tomorrow", "pasado manana", "dopodomani", "dopo domani", "depois de amanha",
];
#[rustfmt::skip]
const THIS_WEEK: &[&str] = &[
    "this week", "esta semana", "questa settimana", "nesta semana", "essa semana",
];
#[rustfmt::skip]
const NEXT_WEEK: &[&str] = &[
    "next week", "semana que viene", "proxima semana", "semana proxima", "prossima settimana",
    "settimana prossima", "semana que vem",
];
#[rustfmt::skip]
const WEEKEND: &[&str] = &[
    "weekend", "week-end", "fin de semana", "finde", "fine settimana", "fim de semana",
];
/// Words that make a weekday mean today when today is that weekday: "este lunes" said on a
/// Monday.
#[rustfmt::skip]
const THIS: &[&str] = &[
    "this", "este", "esta", "questo", "questa", "nesta", "neste", "essa",
];
/// "Next Monday", "el lunes que viene": the next such day, as a bare weekday already is.
#[rustfmt::skip]
const NEXT: &[&str] = &[
    "next", "coming", "proximo", "proxima", "prossimo", "prossima",
];
#[rustfmt::skip]
const NEXT_AFTER: &[&str] = &[
    "que viene", "que vem", "prossimo", "prossima", "proximo", "proxima",
];

#[rustfmt::skip]
const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Monday), ("tuesday", Weekday::Tuesday), ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday), ("friday", Weekday::Friday), ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday), ("lunes", Weekday::Monday), ("martes", Weekday::Tuesday),
    ("miercoles", Weekday::Wednesday), ("jueves", Weekday::Thursday), ("viernes", Weekday::Friday),
    ("sabado", Weekday::Saturday), ("domingo", Weekday::Sunday), ("lunedi", Weekday::Monday),
    ("martedi", Weekday::Tuesday), ("mercoledi", Weekday::Wednesday),
    ("giovedi", Weekday::Thursday), ("venerdi", Weekday::Friday), ("sabato", Weekday::Saturday),
    ("domenica", Weekday::Sunday), ("segunda-feira", Weekday::Monday),
    ("terca-feira", Weekday::Tuesday), ("quarta-feira", Weekday::Wednesday),
    ("quinta-feira", Weekday::Thursday), ("sexta-feira", Weekday::Friday),
];

/// Portuguese weekdays written without "-feira" are also ordinals ("a segunda" = the second
/// one), so they count as days only next to "feira" or after one of [`PT_DAY_CUES`].
const PT_SHORT_WEEKDAYS: &[(&str, Weekday)] = &[
    ("segunda", Weekday::Monday),
    ("terca", Weekday::Tuesday),
    ("quarta", Weekday::Wednesday),
    ("quinta", Weekday::Thursday),
    ("sexta", Weekday::Friday),
];
#[rustfmt::skip]
const PT_DAY_CUES: &[&str] = &[
    "na", "para", "pra", "dia", "nesta", "esta", "proxima", "ate",
];

#[rustfmt::skip]
const MONTHS: &[(&str, i8)] = &[
    ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3), ("april", 4),
    ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7), ("august", 8),
    ("aug", 8), ("september", 9), ("sep", 9), ("sept", 9), ("october", 10), ("oct", 10),
    ("november", 11), ("nov", 11), ("december", 12), ("dec", 12), ("enero", 1), ("febrero", 2),
    ("marzo", 3), ("abril", 4), ("mayo", 5), ("junio", 6), ("julio", 7), ("agosto", 8),
    ("septiembre", 9), ("setiembre", 9), ("octubre", 10), ("noviembre", 11), ("diciembre", 12),
    ("gennaio", 1), ("febbraio", 2), ("aprile", 4), ("maggio", 5), ("giugno", 6), ("luglio", 7),
    ("settembre", 9), ("ottobre", 10), ("dicembre", 12), ("janeiro", 1), ("fevereiro", 2),
    ("marco", 3), ("maio", 5), ("junho", 6), ("julho", 7), ("setembro", 9), ("outubro", 10),
    ("dezembro", 12),
];
/// Between a day and its month or year: "15 de marzo de 2026", "the 15th of March".
const DATE_LINKS: &[&str] = &["de", "del", "of", "di"];
/// "El día 15", "il giorno 15": a day of this month (or the next, once it has passed).
const DAY_OF_MONTH_CUES: &[&str] = &["dia", "giorno"];

/// A date found at some tokens: `start..end` are consumed. Part-of-day phrases such as "por la
/// mañana" are left to the stopwords: they are not a date.
struct Found {
    ask: DateAsk,
    start: usize,
    end: usize,
}

/// The date the message asks about: the first one written out ("el martes 10 de marzo" is
/// the 10th whatever "martes" says), else the first relative one. Every date phrase is
/// consumed, so none of them reaches the product query.
pub(super) fn find_date(words: &mut Words<'_>, today: Date) -> Option<DateAsk> {
    let says_today = words.contains_any(TODAY);
    let written = consume_all(words, |words, i| written_date_at(words, i, today));
    let relative = consume_all(words, |words, i| {
        relative_date_at(words, i, today, says_today)
    });
    written.or(relative)
}

/// Consumes every date `date_at` finds, left to right, and returns the first.
fn consume_all(
    words: &mut Words<'_>,
    date_at: impl Fn(&Words<'_>, usize) -> Option<Found>,
) -> Option<DateAsk> {
    let mut first = None;
    let mut i = 0;
    while i < words.len() {
        let found = if words.is_free(i) {
            date_at(words, i)
        } else {
            None
        };
        match found {
            Some(found) => {
                words.consume(found.start, found.end);
                first = first.or(Some(found.ask));
                i = found.end;
            }
            None => i += 1,
        }
    }
    first
}

/// A date written with numbers or a month name that starts at token `i`.
fn written_date_at(words: &Words<'_>, i: usize, today: Date) -> Option<Found> {
    let span = |day: Date, len: usize| Found {
        ask: DateAsk::Day(day),
        start: i,
        end: i + len,
    };
    if let Some(day) = numeric_date(words.folded(i), today) {
        return Some(span(day, 1));
    }
    if let Some((day, len)) = month_name_date(words, i, today) {
        return Some(span(day, len));
    }
    day_of_month(words, i, today)
}

/// The most specific relative date phrase ("tomorrow", "next week", "el lunes") that starts
/// at token `i`.
fn relative_date_at(words: &Words<'_>, i: usize, today: Date, says_today: bool) -> Option<Found> {
    let span = |ask: DateAsk, len: usize| Found {
        ask,
        start: i,
        end: i + len,
    };
    if let Some(len) = words.longest_phrase_at(i, DAY_AFTER_TOMORROW) {
        return Some(span(
            DateAsk::Day(today.tomorrow().ok()?.tomorrow().ok()?),
            len,
        ));
    }
    if let Some(len) = words.longest_phrase_at(i, WEEKEND) {
        let len = len + words.longest_phrase_at(i + len, NEXT_AFTER).unwrap_or(0);
        return Some(span(weekend(today)?, len));
    }
    if let Some(len) = words.longest_phrase_at(i, NEXT_WEEK) {
        let monday = today.nth_weekday(1, Weekday::Monday).ok()?;
        let sunday = monday.nth_weekday(1, Weekday::Sunday).ok()?;
        return Some(span(
            DateAsk::Range {
                from: monday,
                to: sunday,
            },
            len,
        ));
    }
    if let Some(len) = words.longest_phrase_at(i, THIS_WEEK) {
        return Some(span(
            DateAsk::Range {
                from: today,
                to: end_of_week(today)?,
            },
            len,
        ));
    }
    if let Some(len) = words.longest_phrase_at(i, PARTS_OF_TODAY) {
        return Some(span(DateAsk::Day(today), len));
    }
    let folded = words.folded(i);
    if TODAY.contains(&folded) {
        return Some(span(DateAsk::Day(today), 1));
    }
    if TOMORROW.contains(&folded) && !MORNING_NOT_TOMORROW.contains(&words.before(i)) {
        return Some(span(DateAsk::Day(today.tomorrow().ok()?), 1));
    }
    weekday_at(words, i, today, says_today)
}

/// "El lunes", "next Friday", "lunedì prossimo", "na segunda-feira": the next such day after
/// today, or today itself when today is that day and the message says "today" or "this".
fn weekday_at(words: &Words<'_>, i: usize, today: Date, says_today: bool) -> Option<Found> {
    let folded = words.folded(i);
    let mut len = 1;
    let weekday = match WEEKDAYS.iter().find(|(name, _)| *name == folded) {
        Some(&(_, weekday)) => weekday,
        None => {
            let &(_, weekday) = PT_SHORT_WEEKDAYS.iter().find(|(name, _)| *name == folded)?;
            if words.folded(i + 1) == "feira" && words.is_free(i + 1) {
                len = 2;
            } else if !PT_DAY_CUES.contains(&words.before(i)) {
                return None;
            }
            weekday
        }
    };
    let before = words.before(i);
    let start =
        if i > 0 && words.is_free(i - 1) && (THIS.contains(&before) || NEXT.contains(&before)) {
            i - 1
        } else {
            i
        };
    len += words.longest_phrase_at(i + len, NEXT_AFTER).unwrap_or(0);
    let means_today = today.weekday() == weekday && (says_today || THIS.contains(&before));
    let day = if means_today {
        today
    } else {
        today.nth_weekday(1, weekday).ok()?
    };
    Some(Found {
        ask: DateAsk::Day(day),
        start,
        end: i + len,
    })
}

/// This coming weekend: Saturday and Sunday, or what is left of it.
fn weekend(today: Date) -> Option<DateAsk> {
    let from = match today.weekday() {
        Weekday::Saturday | Weekday::Sunday => today,
        _ => today.nth_weekday(1, Weekday::Saturday).ok()?,
    };
    Some(DateAsk::Range {
        from,
        to: end_of_week(from)?,
    })
}

/// The Sunday that ends `day`'s week (weeks start on Monday, as in Europe).
fn end_of_week(day: Date) -> Option<Date> {
    match day.weekday() {
        Weekday::Sunday => Some(day),
        _ => day.nth_weekday(1, Weekday::Sunday).ok(),
    }
}

/// "15/03", "15/3/2026", "15-03-2026", "15.03.2026", "2026-03-15". Two parts only with a slash:
/// "10-12" is more often an age or a size, "17.30" a time or a price.
fn numeric_date(token: &str, today: Date) -> Option<Date> {
    let separator = ['/', '-', '.'].into_iter().find(|&s| token.contains(s))?;
    let parts: Vec<&str> = token.split(separator).collect();
    let all_digits = parts
        .iter()
        .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    if !all_digits {
        return None;
    }
    match parts.as_slice() {
        [year, month, day] if year.len() == 4 => {
            Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()
        }
        [day, month, year] if day.len() <= 2 && month.len() <= 2 => {
            let year: i16 = match year.len() {
                2 => 2000 + year.parse::<i16>().ok()?,
                4 => year.parse().ok()?,
                _ => return None,
            };
            Date::new(year, month.parse().ok()?, day.parse().ok()?).ok()
        }
        [day, month] if separator == '/' && day.len() <= 2 && month.len() <= 2 => {
            upcoming(day.parse().ok()?, month.parse().ok()?, today)
        }
        _ => None,
    }
}

/// "15 de marzo (de 2026)", "15 marzo", "15th of March", "March 15(th)(, 2026)", "1º de maio":
/// the date and how many tokens it spans.
fn month_name_date(words: &Words<'_>, i: usize, today: Date) -> Option<(Date, usize)> {
    let free_link = |at: usize| words.is_free(at) && DATE_LINKS.contains(&words.folded(at));
    let (day, month, mut len) = if let Some(day) = day_number(words.folded(i)) {
        let at = if free_link(i + 1) { i + 2 } else { i + 1 };
        let month = month_number(words, at)?;
        (day, month, at + 1 - i)
    } else {
        let month = month_number(words, i)?;
        let at = if words.folded(i + 1) == "the" {
            i + 2
        } else {
            i + 1
        };
        let day = day_number(words.folded(at)).filter(|_| words.is_free(at))?;
        (day, month, at + 1 - i)
    };
    let year_at = if free_link(i + len) {
        i + len + 1
    } else {
        i + len
    };
    let year = year_number(words.folded(year_at)).filter(|_| words.is_free(year_at));
    let date = match year {
        Some(year) => {
            len = year_at + 1 - i;
            Date::new(year, month, day).ok()?
        }
        None => upcoming(day, month, today)?,
    };
    Some((date, len))
}

/// "El día 15", "il giorno 15": this month's day, or next month's once it has passed.
fn day_of_month(words: &Words<'_>, i: usize, today: Date) -> Option<Found> {
    if !DAY_OF_MONTH_CUES.contains(&words.folded(i)) {
        return None;
    }
    if let Some((date, len)) = month_name_date(words, i + 1, today) {
        return Some(Found {
            ask: DateAsk::Day(date),
            start: i,
            end: i + 1 + len,
        });
    }
    if !words.is_free(i + 1) {
        return None;
    }
    let day = day_number(words.folded(i + 1))?;
    let this_month = Date::new(today.year(), today.month(), day)
        .ok()
        .filter(|d| *d >= today);
    let date = match this_month {
        Some(date) => date,
        None => {
            let next_month = today
                .first_of_month()
                .checked_add(jiff::Span::new().months(1))
                .ok()?;
            Date::new(next_month.year(), next_month.month(), day).ok()?
        }
    };
    Some(Found {
        ask: DateAsk::Day(date),
        start: i,
        end: i + 2,
    })
}

/// The month named by the free token at `i`.
fn month_number(words: &Words<'_>, i: usize) -> Option<i8> {
    if !words.is_free(i) {
        return None;
    }
    let folded = words.folded(i);
    MONTHS
        .iter()
        .find(|(name, _)| *name == folded)
        .map(|&(_, month)| month)
}

/// A day of the month as written before or after a month name: "15", "15th", "1st", "1º".
fn day_number(folded: &str) -> Option<i8> {
    let digits = ["st", "nd", "rd", "th", "º", "°", "ª", "o"]
        .iter()
        .find_map(|suffix| folded.strip_suffix(suffix))
        .unwrap_or(folded);
    if !(1..=2).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|day| (1..=31).contains(day))
}

fn year_number(folded: &str) -> Option<i16> {
    if folded.len() != 4 || !folded.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    folded.parse().ok()
}

/// The next `day`/`month` from today on: this year's, or next year's once it has passed.
fn upcoming(day: i8, month: i8, today: Date) -> Option<Date> {
    match Date::new(today.year(), month, day) {
        Ok(date) if date >= today => Some(date),
        _ => Date::new(today.year().checked_add(1)?, month, day).ok(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::test_support::{Lang, TODAY, en, es, it, pt};
    use super::super::{DateAsk, extract};
    use jiff::civil::date;

    fn day(y: i16, m: i8, d: i8) -> Option<DateAsk> {
        Some(DateAsk::Day(date(y, m, d)))
    }

    fn range(from: (i16, i8, i8), to: (i16, i8, i8)) -> Option<DateAsk> {
        Some(DateAsk::Range {
            from: date(from.0, from.1, from.2),
            to: date(to.0, to.1, to.2),
        })
    }

    #[test]
    fn today_in_each_language_is_todays_date() {
        for (text, x) in [
            ("today", en as Lang),
            ("hoy", es),
            ("oggi", it),
            ("hoje", pt),
        ] {
            assert_eq!(x(text).date, day(2026, 3, 2), "{text}");
        }
    }

    #[test]
    fn tomorrow_in_each_language_is_the_next_day() {
        for (text, x) in [
            ("tomorrow please", en as Lang),
            ("mañana", es),
            ("domani", it),
            ("amanhã", pt),
            ("amanha", pt),
        ] {
            assert_eq!(x(text).date, day(2026, 3, 3), "{text}");
        }
    }

    #[test]
    fn por_la_manana_is_a_time_of_day_not_tomorrow() {
        let x = es("¿Puedo pasar por la mañana?");
        assert_eq!(x.date, None);
        assert_eq!(x.time, None);
        assert_eq!(x.product_query, "");
    }

    #[test]
    fn manana_por_la_manana_is_tomorrow() {
        assert_eq!(es("mañana por la mañana").date, day(2026, 3, 3));
    }

    #[test]
    fn esta_tarde_is_today() {
        assert_eq!(es("¿tenéis hueco esta tarde?").date, day(2026, 3, 2));
        assert_eq!(en("can I come this afternoon").date, day(2026, 3, 2));
    }

    #[test]
    fn day_after_tomorrow_in_each_language_is_two_days_ahead() {
        for (text, x) in [
            ("the day after tomorrow", en as Lang),
            ("pasado mañana", es),
            ("dopodomani", it),
            ("depois de amanhã", pt),
        ] {
            let got = x(text);
            assert_eq!(got.date, day(2026, 3, 4), "{text}");
            assert_eq!(got.product_query, "", "{text}");
        }
    }

    #[test]
    fn a_weekday_is_the_next_such_day_after_today() {
        for (text, x) in [
            ("on friday", en as Lang),
            ("el viernes", es),
            ("venerdì", it),
            ("venerdi", it),
            ("na sexta-feira", pt),
            ("sexta feira", pt),
        ] {
            assert_eq!(x(text).date, day(2026, 3, 6), "{text}");
        }
        assert_eq!(es("el sábado").date, day(2026, 3, 7));
        assert_eq!(pt("no sábado").date, day(2026, 3, 7));
        assert_eq!(it("domenica").date, day(2026, 3, 8));
        assert_eq!(es("el miércoles").date, day(2026, 3, 4));
    }

    #[test]
    fn todays_weekday_means_next_week_unless_the_message_says_this_or_today() {
        assert_eq!(es("el lunes").date, day(2026, 3, 9));
        assert_eq!(en("next monday").date, day(2026, 3, 9));
        assert_eq!(es("este lunes").date, day(2026, 3, 2));
        assert_eq!(es("hoy lunes").date, day(2026, 3, 2));
        assert_eq!(en("this monday").date, day(2026, 3, 2));
    }

    #[test]
    fn portuguese_segunda_is_monday_only_with_feira_or_a_day_cue() {
        assert_eq!(pt("segunda-feira").date, day(2026, 3, 9));
        assert_eq!(pt("pode ser na segunda?").date, day(2026, 3, 9));
        assert_eq!(pt("para quinta").date, day(2026, 3, 5));
        let second = pt("a segunda");
        assert_eq!(second.date, None);
        assert_eq!(second.choice, Some(2));
    }

    #[test]
    fn weekday_with_que_viene_or_prossimo_consumes_the_whole_phrase() {
        let x = es("el jueves que viene");
        assert_eq!(x.date, day(2026, 3, 5));
        assert_eq!(x.product_query, "");
        assert_eq!(it("giovedì prossimo").date, day(2026, 3, 5));
    }

    #[test]
    fn next_week_in_each_language_is_next_monday_to_sunday() {
        for (text, x) in [
            ("next week", en as Lang),
            ("la semana que viene", es),
            ("la próxima semana", es),
            ("la prossima settimana", it),
            ("a próxima semana", pt),
            ("semana que vem", pt),
        ] {
            assert_eq!(x(text).date, range((2026, 3, 9), (2026, 3, 15)), "{text}");
        }
    }

    #[test]
    fn this_week_runs_from_today_to_sunday() {
        for (text, x) in [
            ("this week", en as Lang),
            ("esta semana", es),
            ("questa settimana", it),
            ("nesta semana", pt),
        ] {
            assert_eq!(x(text).date, range((2026, 3, 2), (2026, 3, 8)), "{text}");
        }
        let sunday = extract("this week", "en", date(2026, 3, 8));
        assert_eq!(sunday.date, range((2026, 3, 8), (2026, 3, 8)));
    }

    #[test]
    fn the_weekend_is_the_coming_saturday_and_sunday() {
        for (text, x) in [
            ("this weekend", en as Lang),
            ("el fin de semana", es),
            ("il fine settimana", it),
            ("no fim de semana", pt),
        ] {
            assert_eq!(x(text).date, range((2026, 3, 7), (2026, 3, 8)), "{text}");
        }
        let saturday = extract("el finde", "es", date(2026, 3, 7));
        assert_eq!(saturday.date, range((2026, 3, 7), (2026, 3, 8)));
    }

    #[test]
    fn numeric_dates_are_read_day_first() {
        assert_eq!(es("el 15/03").date, day(2026, 3, 15));
        assert_eq!(es("15/3/2026").date, day(2026, 3, 15));
        assert_eq!(it("15-03-2026").date, day(2026, 3, 15));
        assert_eq!(pt("15.03.2026").date, day(2026, 3, 15));
        assert_eq!(en("2026-03-15").date, day(2026, 3, 15));
        assert_eq!(es("15/03/27").date, day(2027, 3, 15));
    }

    #[test]
    fn a_date_without_year_already_past_means_next_year() {
        assert_eq!(es("el 10/01").date, day(2027, 1, 10));
        assert_eq!(en("1 March").date, day(2027, 3, 1));
        assert_eq!(en("2 March").date, day(2026, 3, 2));
    }

    #[test]
    fn month_names_in_each_language_give_the_date() {
        for (text, x) in [
            ("March 15", en as Lang),
            ("15 March", en),
            ("the 15th of March", en),
            ("Mar 15th, 2026", en),
            ("15 de marzo", es),
            ("el 15 de marzo de 2026", es),
            ("15 marzo", it),
            ("il 15 marzo 2026", it),
            ("15 de março", pt),
            ("dia 15 de marco", pt),
        ] {
            let got = x(text);
            assert_eq!(got.date, day(2026, 3, 15), "{text}");
            assert_eq!(got.product_query, "", "{text}");
        }
        assert_eq!(pt("1º de maio").date, day(2026, 5, 1));
        assert_eq!(it("2 giugno").date, day(2026, 6, 2));
        assert_eq!(es("24 de diciembre").date, day(2026, 12, 24));
    }

    #[test]
    fn dia_with_a_number_is_a_day_of_this_or_next_month() {
        assert_eq!(es("el día 20").date, day(2026, 3, 20));
        assert_eq!(pt("dia 1").date, day(2026, 4, 1));
        assert_eq!(it("il giorno 31").date, day(2026, 3, 31));
    }

    #[test]
    fn impossible_dates_are_not_dates() {
        assert_eq!(es("31/02").date, None);
        assert_eq!(en("30 February").date, None);
        assert_eq!(es("2026-13-45").date, None);
    }

    #[test]
    fn a_number_range_with_a_hyphen_is_not_a_date() {
        assert_eq!(es("bicis para niños de 10-12 años").date, None);
    }

    #[test]
    fn a_written_date_wins_over_a_weekday_next_to_it() {
        let x = es("el martes 10 de marzo a las 17h");
        assert_eq!(x.date, day(2026, 3, 10));
        assert_eq!(x.product_query, "");
        assert_eq!(en("tomorrow or 20/03").date, day(2026, 3, 20));
    }

    #[test]
    fn the_first_date_mentioned_wins_and_all_are_consumed() {
        let x = es("mañana o el viernes");
        assert_eq!(x.date, day(2026, 3, 3));
        assert_eq!(x.product_query, "");
    }

    #[test]
    fn text_without_a_date_has_none() {
        assert_eq!(en("do you sell helmets").date, None);
        assert_eq!(it("avete caschi rossi?").date, None);
        assert_eq!(TODAY.weekday(), jiff::civil::Weekday::Monday);
    }
}
