//! Picking one of the options charla offered: "2", "la 2", "option 2", "#2", "the second
//! one", "la segunda", "il secondo", "a segunda". Only in a short message made of the choice
//! and words that go with choosing ("me quedo con", "please"), so "I want 2 helmets" and
//! "hasta las 10" are not choices.

use super::words::Words;

/// The highest option number read as a choice; charla offers a handful of options.
const MAX_OPTION: usize = 20;
/// At most this many other words besides the choice.
const MAX_OTHER_WORDS: usize = 4;

#[rustfmt::skip]
const ORDINALS: &[(&str, usize)] = &[
    ("first", 1), ("second", 2), ("third", 3), ("fourth", 4), ("fifth", 5), ("primero", 1),
    ("primera", 1), ("primer", 1), ("segundo", 2), ("segunda", 2), ("tercero", 3), ("tercera", 3),
    ("tercer", 3), ("cuarto", 4), ("cuarta", 4), ("quinto", 5), ("quinta", 5), ("primo", 1),
    ("prima", 1), ("secondo", 2), ("seconda", 2), ("terzo", 3), ("terza", 3), ("quarto", 4),
    ("quarta", 4), ("primeiro", 1), ("primeira", 1), ("terceiro", 3), ("terceira", 3),
];
/// Before an ordinal, these make it a duration: "a second", "un secondo", "un segundo".
const INDEFINITE: &[&str] = &["un", "uno", "una", "um", "uma"];

/// Articles belong to the choice ("la segunda"), so they do not count as other words.
const ARTICLES: &[&str] = &["the", "la", "el", "il", "lo", "a", "o", "l"];
/// Words that may surround a choice: "option", "number", verbs of choosing, yes and thanks.
#[rustfmt::skip]
const CHOICE_WORDS: &[&str] = &[
    "one", "uno", "una", "um", "uma", "option", "opcion", "opzione", "opcao", "alternativa",
    "number", "numero", "no", "n", "nº", "n°", "please", "pls", "por", "favor", "porfa", "per",
    "thanks", "gracias", "grazie", "obrigado", "obrigada", "ok", "okay", "vale", "va", "bene", "si",
    "yes", "sim", "yeah", "perfect", "perfecto", "perfetto", "perfeito", "great", "i", "me", "mi",
    "want", "quiero", "voglio", "vorrei", "quero", "queria", "take", "tomo", "prendo", "quedo",
    "con", "with", "fico", "com", "pick", "choose", "elijo", "scelgo", "escolho", "prefer",
    "prefiero", "preferisco", "prefiro", "then", "entonces", "pues", "allora", "entao", "go", "for",
    "dame", "give", "let", "s", "ll", "that", "esa", "ese", "essa", "esse", "quella", "quello",
    "this", "is", "es", "e", "slot", "hora", "horario", "orario", "time", "better", "mejor",
    "meglio", "melhor", "de", "del", "da", "do",
];

/// The option the message picks, consuming the message's free words with it.
pub(super) fn find_choice(words: &mut Words<'_>, language: &str) -> Option<usize> {
    let free: Vec<usize> = words.free().collect();
    let mut picks = free
        .iter()
        .filter_map(|&i| pick_at(words, i, language).map(|n| (i, n)));
    let (at, option) = picks.next()?;
    // "La 2 o la 3" picks nothing.
    if picks.any(|(_, other)| other != option) {
        return None;
    }
    let others: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| i != at && words.folded(i).chars().any(char::is_alphanumeric))
        .filter(|&i| !ARTICLES.contains(&words.folded(i)))
        .collect();
    let only_choosing = others
        .iter()
        .all(|&i| CHOICE_WORDS.contains(&words.folded(i)));
    if others.len() > MAX_OTHER_WORDS || !only_choosing {
        return None;
    }
    // The rest is only words of choosing, which say nothing a search could use.
    for i in free {
        words.consume(i, i + 1);
    }
    Some(option)
}

/// The option named by token `i`: a number ("2", "#2", "2nd", "2º") or an ordinal word.
fn pick_at(words: &Words<'_>, i: usize, language: &str) -> Option<usize> {
    let folded = words.folded(i);
    if let Some(option) = option_number(folded) {
        return Some(option);
    }
    let &(_, option) = ORDINALS.iter().find(|(word, _)| *word == folded)?;
    let before = words.before(i);
    let is_duration = INDEFINITE.contains(&before) || (before == "a" && language == "en");
    (!is_duration).then_some(option)
}

fn option_number(folded: &str) -> Option<usize> {
    let digits = folded.trim_start_matches('#');
    let digits = ["st", "nd", "rd", "th", "º", "ª", "°"]
        .iter()
        .find_map(|suffix| digits.strip_suffix(suffix))
        .unwrap_or(digits);
    if !(1..=2).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| (1..=MAX_OPTION).contains(n))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::test_support::{Lang, en, es, it, pt};

    #[test]
    fn a_bare_number_is_a_choice() {
        assert_eq!(es("2").choice, Some(2));
        assert_eq!(en("3 please").choice, Some(3));
        assert_eq!(it("#2").choice, Some(2));
    }

    #[test]
    fn numbered_choices_in_each_language() {
        assert_eq!(es("la 2").choice, Some(2));
        assert_eq!(en("option 2").choice, Some(2));
        assert_eq!(es("la opción 3 por favor").choice, Some(3));
        assert_eq!(it("il numero 2").choice, Some(2));
        assert_eq!(pt("a opção 1").choice, Some(1));
        assert_eq!(es("número 2").choice, Some(2));
        assert_eq!(en("the 2nd one").choice, Some(2));
    }

    #[test]
    fn ordinal_choices_in_each_language() {
        for (text, x) in [
            ("the second one", en as Lang),
            ("I'll take the second", en),
            ("la segunda", es),
            ("Me quedo con la segunda, gracias", es),
            ("il secondo", it),
            ("la seconda", it),
            ("a segunda", pt),
            ("o segundo", pt),
        ] {
            let got = x(text);
            assert_eq!(got.choice, Some(2), "{text}");
            assert_eq!(got.product_query, "", "{text}");
        }
        assert_eq!(es("la primera").choice, Some(1));
        assert_eq!(it("la terza").choice, Some(3));
        assert_eq!(pt("a primeira").choice, Some(1));
    }

    #[test]
    fn a_number_with_a_product_is_a_quantity_not_a_choice() {
        assert_eq!(en("I want 2 helmets").choice, None);
        assert_eq!(es("quiero 2 cascos").choice, None);
    }

    #[test]
    fn a_number_that_is_a_time_or_price_is_not_a_choice() {
        assert_eq!(es("a las 2").choice, None);
        assert_eq!(es("hasta las 10").choice, None);
        assert_eq!(en("under 5€").choice, None);
    }

    #[test]
    fn long_messages_are_not_choices() {
        assert_eq!(
            es("vale pues entonces quiero la segunda por favor").choice,
            None
        );
    }

    #[test]
    fn two_different_options_pick_nothing() {
        assert_eq!(es("la 2 o la 3").choice, None);
    }

    #[test]
    fn a_second_as_a_moment_is_not_a_choice() {
        assert_eq!(en("a second").choice, None);
        assert_eq!(it("un secondo").choice, None);
    }

    #[test]
    fn large_numbers_are_not_options() {
        assert_eq!(es("21").choice, None);
        assert_eq!(es("0").choice, None);
    }
}
