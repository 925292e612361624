//! The booking dialogue of the offline model: which service and shop a customer means (from
//! the business's own names, in any of its languages), which slots to offer, and which
//! offered slot a later "the second one" or "at 10:30" picks.

use super::outputs::{self, AvailabilityOutput, FreeSlot};
use super::{Ran, Turn};
use crate::model::{ChatMessage, Role};
use charla_tools::Business;

/// Slots offered at once (WhatsApp lists hold 10 rows; five are easy to read in a text).
pub(super) const OFFERED_SLOTS: usize = 5;

/// Words too common in service and shop names to tell them apart.
const NAME_NOISE: &[&str] = &[
    "service", "servicio", "servizio", "serviço", "servico", "de", "del", "la", "el", "the", "of",
    "da", "do", "di", "and", "y", "e",
];

/// Lower case without accents, for matching names in messages.
pub(super) fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// How a message names a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ServiceMatch {
    /// Exactly one service fits best.
    One(String),
    /// Several fit equally (e.g. "revisión" for basic and full service): ask which.
    Several(Vec<String>),
    /// None is named.
    None,
}

/// The service `text` names: the one whose name (in any language) or id shares the most
/// distinctive words with it. A word counts when it is a name word of 4+ letters or the
/// message contains it as a prefix ("revisión completa" ~ "completa").
pub(super) fn match_service(business: &Business, text: &str) -> ServiceMatch {
    let message: Vec<String> = words(text);
    let mut scored: Vec<(usize, &str)> = business
        .services
        .iter()
        .map(|service| {
            let mut names: Vec<&str> = service.names.values().map(String::as_str).collect();
            let id_words = service.id.replace('-', " ");
            names.push(&id_words);
            let best = names
                .iter()
                .map(|name| overlap(name, &message))
                .max()
                .unwrap_or(0);
            (best, service.id.as_str())
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    match scored.as_slice() {
        [] => ServiceMatch::None,
        [(best, id), rest @ ..] => {
            let tied: Vec<String> = rest
                .iter()
                .filter(|(s, _)| s == best)
                .map(|(_, id)| id.to_string())
                .collect();
            if tied.is_empty() {
                ServiceMatch::One(id.to_string())
            } else {
                ServiceMatch::Several(std::iter::once(id.to_string()).chain(tied).collect())
            }
        }
    }
}

/// Distinctive words of `name` found in `message`.
fn overlap(name: &str, message: &[String]) -> usize {
    words(name)
        .iter()
        .filter(|w| w.chars().count() >= 4 && !NAME_NOISE.contains(&w.as_str()))
        .filter(|w| {
            message
                .iter()
                .any(|m| m == *w || (m.chars().count() >= 5 && w.starts_with(m.as_str())))
        })
        .count()
}

/// The location `text` names among `allowed` (ids), by id or by a word of its name that the
/// other locations' names do not share ("Barcelona", "Milano"; "Milán" and "Milan" too, as
/// folded prefixes; "Milão" and "Barcellona" as the same word spelt in another language, see
/// [`same_place_name`]).
pub(super) fn match_location(
    business: &Business,
    allowed: &[String],
    text: &str,
) -> Option<String> {
    let message = words(text);
    let candidates: Vec<_> = business
        .locations
        .iter()
        .filter(|l| allowed.contains(&l.id))
        .collect();
    let shared = |word: &str| {
        candidates
            .iter()
            .filter(|l| words(&l.name).iter().any(|w| w == word))
            .count()
            > 1
    };
    candidates
        .iter()
        .find(|location| {
            let mut keys = words(&location.name);
            keys.push(fold(&location.id));
            keys.extend(
                words(&location.address)
                    .into_iter()
                    .filter(|w| w.chars().count() >= 5 && w.chars().all(char::is_alphabetic)),
            );
            keys.iter()
                .filter(|k| k.chars().count() >= 4 && !shared(k))
                .any(|key| message.iter().any(|m| same_place_name(m, key)))
        })
        .map(|l| l.id.clone())
}

/// Whether `word` of a message names the place `key` (both folded): the same word, one a
/// prefix of the other ("milan" ~ "milano"), or, for names of five letters or more, one letter
/// changed, added or dropped, which is how city names differ between the languages customers
/// write in (Milão, Milán, Milano; Barcellona, Barcelona).
fn same_place_name(word: &str, key: &str) -> bool {
    let letters = word.chars().count();
    word == key
        || (letters >= 4 && (key.starts_with(word) || word.starts_with(key)))
        || (letters >= 5 && key.chars().count() >= 5 && one_edit_apart(word, key))
}

/// Whether `a` becomes `b` with at most one letter changed, added or dropped.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let same_start = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    let skip = usize::from(short.len() == long.len());
    // After the first difference, the rest must match with one letter skipped in the longer
    // word (or in both, for a changed letter).
    short.get(same_start + skip..) == long.get(same_start + 1..)
}

/// The slots to offer from an availability result: the first ones, or, when the customer
/// asked for a time that is not free, the ones closest to it (in time order).
pub(super) fn offered_slots(
    output: &AvailabilityOutput,
    wanted: Option<jiff::civil::Time>,
) -> Vec<FreeSlot> {
    let Some(wanted) = wanted else {
        return output.slots.iter().take(OFFERED_SLOTS).cloned().collect();
    };
    let minutes = |t: &str| -> i32 {
        let mut parts = t.split(':').map(|p| p.parse::<i32>().unwrap_or(0));
        parts.next().unwrap_or(0) * 60 + parts.next().unwrap_or(0)
    };
    let target = i32::from(wanted.hour()) * 60 + i32::from(wanted.minute());
    let first_day = output
        .slots
        .first()
        .map(|s| s.date().to_string())
        .unwrap_or_default();
    let mut near: Vec<FreeSlot> = output
        .slots
        .iter()
        .filter(|s| s.date() == first_day)
        .cloned()
        .collect();
    near.sort_by_key(|s| (minutes(s.time()) - target).abs());
    near.truncate(OFFERED_SLOTS);
    near.sort_by(|a, b| a.start.cmp(&b.start));
    near
}

/// The free slot of `output` at `time` (on `date`, when given).
pub(super) fn slot_at(
    output: &AvailabilityOutput,
    date: Option<jiff::civil::Date>,
    time: jiff::civil::Time,
) -> Option<FreeSlot> {
    let hhmm = format!("{:02}:{:02}", time.hour(), time.minute());
    output
        .slots
        .iter()
        .find(|s| s.time() == hhmm && date.is_none_or(|d| s.date() == d.to_string()))
        .cloned()
}

/// The latest availability the customer was offered in an earlier turn, with the customer
/// message that asked for it, unless a booking was made since.
pub(super) fn last_offer(turn: &Turn<'_>) -> Option<(AvailabilityOutput, String)> {
    let earlier = turn.earlier;
    let mut found: Option<(usize, AvailabilityOutput)> = None;
    for (i, message) in earlier.iter().enumerate().rev() {
        if message.role != Role::Tool {
            continue;
        }
        let Some(call) = call_of(earlier, message) else {
            continue;
        };
        let content = message.content.as_deref().unwrap_or_default();
        if call == "book_appointment" && outputs::tool_error(content).is_none() {
            return None;
        }
        if call == "check_availability" {
            found = outputs::parse::<AvailabilityOutput>(content).map(|o| (i, o));
            break;
        }
    }
    let (at, output) = found?;
    let asked = earlier
        .get(..at)?
        .iter()
        .rev()
        .find(|m| m.role == Role::User)?
        .content
        .clone()
        .unwrap_or_default();
    Some((output, asked))
}

/// Whether the last tool the assistant ran before this turn was `check_availability`, so its
/// offer is what the customer is answering.
pub(super) fn offer_is_latest(turn: &Turn<'_>) -> bool {
    turn.earlier
        .iter()
        .rev()
        .find(|m| m.role == Role::Tool)
        .and_then(|result| call_of(turn.earlier, result))
        == Some("check_availability")
}

/// The name of the tool whose result `result` is.
fn call_of<'m>(messages: &'m [ChatMessage], result: &ChatMessage) -> Option<&'m str> {
    let id = result.tool_call_id.as_deref()?;
    messages
        .iter()
        .flat_map(|m| m.tool_calls.iter())
        .find(|c| c.id == id)
        .map(|c| c.name.as_str())
}

/// The availability result of this turn, if `check_availability` ran.
pub(super) fn this_turn_availability(ran: &[Ran]) -> Option<AvailabilityOutput> {
    ran.iter()
        .rev()
        .find(|r| r.name == "check_availability")
        .and_then(|r| outputs::parse(&r.content))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::path::Path;

    fn velora() -> Business {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/velora/business.toml");
        Business::load(&path).unwrap()
    }

    #[test]
    fn a_city_named_in_another_language_finds_its_shop() {
        let business = velora();
        let all: Vec<String> = business.locations.iter().map(|l| l.id.clone()).collect();
        for (text, shop) in [
            ("quero marcar uma reparação de furo em Milão", "milan"),
            ("en Milán por favor", "milan"),
            ("a Milano", "milan"),
            ("in Barcellona", "barcelona"),
            ("Barcelona", "barcelona"),
        ] {
            assert_eq!(
                match_location(&business, &all, text).as_deref(),
                Some(shop),
                "{text}"
            );
        }
        for text in ["quero marcar uma revisão", "in the morning", "mil euros"] {
            assert_eq!(match_location(&business, &all, text), None, "{text}");
        }
    }

    #[test]
    fn one_edit_apart_counts_one_change_addition_or_removal() {
        assert!(one_edit_apart("milao", "milan"));
        assert!(one_edit_apart("barcellona", "barcelona"));
        assert!(one_edit_apart("milano", "milan"));
        assert!(one_edit_apart("milan", "milan"));
        assert!(one_edit_apart("milao", "milano"));
        assert!(!one_edit_apart("milao", "milanese"));
        assert!(!one_edit_apart("roma", "milan"));
        assert!(!one_edit_apart("", "ab"));
    }
}
