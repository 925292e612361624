//! What a catalog search filters by: price limits ("menos de 40€", "sotto i 50", "over 100",
//! "entre 20 y 50") and the in-stock flag ("en stock", "disponibile", "em estoque").
//!
//! A number after a limit word is a price unless it is plainly a count: "hasta 40 cascos" is
//! forty helmets, "less than 2 days" two days. A currency always makes it a price.

use super::words::Words;

/// Words before a maximum price; where several match, the longest wins ("por debajo de").
#[rustfmt::skip]
const MAX_CUES: &[&str] = &[
    "under", "below", "less than", "no more than", "not more than", "not over", "max", "maximum",
    "up to", "at most", "cheaper than", "lower than", "within", "budget", "<", "<=", "≤",
    "menos de", "hasta", "debajo de", "por debajo de", "maximo", "como maximo", "no mas de",
    "inferior a", "mas barato que", "mas baratos que", "presupuesto", "sotto", "meno di", "fino a",
    "massimo", "al massimo", "non piu di", "inferiore a", "entro", "ate", "abaixo de", "no maximo",
    "nao mais de", "mais barato que", "orcamento",
];

/// Words before a minimum price. "No más de" is a maximum: it is matched first, from "no".
#[rustfmt::skip]
const MIN_CUES: &[&str] = &[
    "more than", "over", "above", "at least", "min", "minimum", "greater than",
    "more expensive than", "no less than", "not less than", "from", ">", ">=", "≥", "mas de",
    "por encima de", "encima de", "minimo", "al menos", "como minimo", "superior a", "mas caro que",
    "no menos de", "desde", "a partir de", "piu di", "sopra", "oltre", "almeno", "superiore a",
    "non meno di", "a partire da", "mais de", "acima de", "pelo menos", "no minimo", "nao menos de",
    "mais caro que",
];

/// Words that open a range; the second list are those whose range needs "to"/"a"/"hasta",
/// because "de" and "from" are too common to pair with "and".
const RANGE_OPENERS: &[&str] = &["between", "entre", "tra", "fra"];
const RANGE_OPENERS_WITH_TO: &[&str] = &["from", "desde", "de", "da", "dai", "dal"];
const RANGE_AND: &[&str] = &["and", "y", "e", "-", "a"];
const RANGE_TO: &[&str] = &["to", "a", "hasta", "ate", "al", "-"];

/// Small words between a limit and its number: "sotto i 50", "hasta los 40", "up to the 30".
#[rustfmt::skip]
const FILLERS: &[&str] = &[
    "de", "of", "the", "i", "ai", "a", "los", "is", "es", "di", "e",
];

/// Currency words and signs written apart from the number.
#[rustfmt::skip]
const CURRENCY_WORDS: &[&str] = &[
    "€", "$", "£", "r$", "eur", "euro", "euros", "usd", "dollar", "dollars", "dolar", "dolares",
    "dollaro", "dollari", "pounds", "libras", "sterline", "reais", "bucks", "pavos",
];
/// Currency glued to the number: "€50", "50€", "50eur", "R$50".
const CURRENCY_PREFIXES: &[&str] = &["us$", "r$", "€", "$", "£"];
const CURRENCY_SUFFIXES: &[&str] = &["euros", "euro", "eur", "usd", "€", "$", "£"];

/// After a number without currency, these make it a quantity of something else.
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "day", "days", "dia", "dias", "giorno", "giorni", "week", "weeks", "semana", "semanas",
    "settimana", "settimane", "hour", "hours", "hora", "horas", "ora", "ore", "minute", "minutes",
    "minuto", "minutos", "minuti", "min", "month", "months", "mes", "meses", "mese", "mesi", "year",
    "years", "ano", "anos", "anno", "anni", "km", "kg", "cm", "mm", "people", "personas", "persone",
    "pessoas", "unidades", "units", "piezas", "pezzi", "pecas", "%",
];

/// In-stock phrases; a negation before one ("no disponible", "not in stock") turns it off.
#[rustfmt::skip]
const IN_STOCK: &[&str] = &[
    "in stock", "en stock", "em stock", "em estoque", "in magazzino", "en existencia",
    "en existencias", "hay stock", "have stock", "tem estoque", "available", "available now",
    "teneis stock", "tienes stock", "tienen stock", "any stock", "tem stock",
    "disponible", "disponibles", "disponibile", "disponibili", "disponivel", "disponiveis",
];
#[rustfmt::skip]
const NEGATIONS: &[&str] = &[
    "not", "no", "non", "nao", "sin", "senza", "sem", "out", "never", "isn", "aren", "don", "doesn",
];

/// A price as written: its value, whether a currency came with it, and a "+" after it
/// ("100+": a hundred or more).
#[derive(Debug, Clone, Copy)]
struct Amount {
    value: f64,
    currency: bool,
    or_more: bool,
}

/// The price limits a message sets; the first of each kind wins.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct PriceLimits {
    /// The lowest price asked for.
    pub min: Option<f64>,
    /// The highest price asked for.
    pub max: Option<f64>,
}

/// Finds and consumes price limits, and amounts with a currency even without a limit word (a
/// price is never something to search the catalog for).
pub(super) fn find_prices(words: &mut Words<'_>) -> PriceLimits {
    let mut limits = PriceLimits::default();
    let mut i = 0;
    while i < words.len() {
        let end = if words.is_free(i) {
            limit_at(words, i, &mut limits)
        } else {
            None
        };
        match end {
            Some(end) => {
                words.consume(i, end);
                i = end;
            }
            None => i += 1,
        }
    }
    limits
}

/// Reads a range, a limit or a plain amount with currency at `i`; returns the end of what it
/// read.
fn limit_at(words: &Words<'_>, i: usize, limits: &mut PriceLimits) -> Option<usize> {
    if let Some((low, high, end)) = range_at(words, i) {
        limits.min = limits.min.or(Some(low.min(high)));
        limits.max = limits.max.or(Some(low.max(high)));
        return Some(end);
    }
    let folded = words.folded(i);
    // "<50", "≤50", ">100" written as one token.
    for (sign, is_max) in [
        ("<=", true),
        ("<", true),
        ("≤", true),
        (">=", false),
        (">", false),
        ("≥", false),
    ] {
        if let Some(amount) = folded.strip_prefix(sign).and_then(parse_amount) {
            set(limits, is_max, amount.value);
            return Some(i + 1);
        }
    }
    let cue = words
        .longest_phrase_at(i, MAX_CUES)
        .map(|len| (len, true))
        .into_iter()
        .chain(words.longest_phrase_at(i, MIN_CUES).map(|len| (len, false)))
        .max_by_key(|&(len, _)| len);
    if let Some((len, is_max)) = cue {
        let mut at = i + len;
        while words.is_free(at) && FILLERS.contains(&words.folded(at)) {
            at += 1;
        }
        if let Some((amount, end)) = money_at(words, at) {
            set(limits, is_max && !amount.or_more, amount.value);
            return Some(end);
        }
        return None;
    }
    let (amount, end) = money_at(words, i)?;
    if amount.or_more {
        set(limits, false, amount.value);
        return Some(end);
    }
    amount.currency.then_some(end)
}

fn set(limits: &mut PriceLimits, is_max: bool, value: f64) {
    let slot = if is_max {
        &mut limits.max
    } else {
        &mut limits.min
    };
    *slot = slot.or(Some(value));
}

/// "Between 20 and 50", "entre 20 y 50€", "tra 20 e 50 euro", "from 20 to 50", "de 20 a 50€",
/// "20-50€": the two bounds and the end of the range.
fn range_at(words: &Words<'_>, i: usize) -> Option<(f64, f64, usize)> {
    let opener = words.folded(i);
    let connectors = if RANGE_OPENERS.contains(&opener) {
        RANGE_AND
    } else if RANGE_OPENERS_WITH_TO.contains(&opener) {
        RANGE_TO
    } else {
        return glued_range(words, i, false);
    };
    if let Some(range) = glued_range(words, i + 1, true) {
        return Some(range);
    }
    let (low, at) = amount_at(words, i + 1)?;
    if !(words.is_free(at) && connectors.contains(&words.folded(at))) {
        return None;
    }
    let (high, end) = amount_at(words, at + 1)?;
    let is_money = low.currency || high.currency || !is_quantity(words, end);
    is_money.then_some((low.value, high.value, end))
}

/// "20-50€", "€20-50", or "20-50" right after a range opener.
fn glued_range(words: &Words<'_>, i: usize, after_opener: bool) -> Option<(f64, f64, usize)> {
    if !words.is_free(i) {
        return None;
    }
    let (low, high) = words.folded(i).split_once('-')?;
    let low = parse_amount(low)?;
    let high = parse_amount(high)?;
    let mut end = i + 1;
    let mut currency = low.currency || high.currency;
    if words.is_free(end) && CURRENCY_WORDS.contains(&words.folded(end)) {
        currency = true;
        end += 1;
    }
    let is_money = currency || (after_opener && !is_quantity(words, end));
    is_money.then_some((low.value, high.value, end))
}

/// An amount at `i`, with a currency sign or word before or after it as separate tokens.
fn amount_at(words: &Words<'_>, i: usize) -> Option<(Amount, usize)> {
    let mut at = i;
    let mut currency = false;
    if words.is_free(at) && CURRENCY_WORDS.contains(&words.folded(at)) {
        currency = true;
        at += 1;
    }
    if !words.is_free(at) {
        return None;
    }
    let mut amount = parse_amount(words.folded(at))?;
    let mut end = at + 1;
    if words.is_free(end) && CURRENCY_WORDS.contains(&words.folded(end)) {
        currency = true;
        end += 1;
    }
    amount.currency |= currency;
    Some((amount, end))
}

/// An amount at `i` that is money: it has a currency, or nothing after it says it counts
/// something else.
fn money_at(words: &Words<'_>, i: usize) -> Option<(Amount, usize)> {
    let (amount, end) = amount_at(words, i)?;
    (amount.currency || !is_quantity(words, end)).then_some((amount, end))
}

/// Whether the token at `i` makes the number before it a count: a unit, or a word that is
/// not a stopword ("hasta 40 cascos").
fn is_quantity(words: &Words<'_>, i: usize) -> bool {
    words.is_free(i) && (UNITS.contains(&words.folded(i)) || words.is_content(i))
}

/// Reads "50", "49.99", "49,99", "1.000", "1,299.50", with a currency glued on either side
/// ("€50", "50€", "50eur") and an optional "+" ("100+").
fn parse_amount(folded: &str) -> Option<Amount> {
    let mut text = folded;
    let mut currency = false;
    if let Some(rest) = CURRENCY_PREFIXES.iter().find_map(|p| text.strip_prefix(p)) {
        text = rest;
        currency = true;
    }
    let or_more = match text.strip_suffix('+') {
        Some(rest) => {
            text = rest;
            true
        }
        None => false,
    };
    if let Some(rest) = CURRENCY_SUFFIXES.iter().find_map(|s| text.strip_suffix(s)) {
        text = rest;
        currency = true;
    }
    let value = parse_number(text)?;
    Some(Amount {
        value,
        currency,
        or_more,
    })
}

/// A number with European or English separators. With both, the last one is the decimal
/// mark; with one kind, it marks thousands when repeated or followed by exactly three digits
/// ("1.000", "1,500"), decimals otherwise ("49,99", "9.5").
fn parse_number(text: &str) -> Option<f64> {
    if !text.starts_with(|c: char| c.is_ascii_digit())
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    let last_dot = text.rfind('.');
    let last_comma = text.rfind(',');
    let decimal = match (last_dot, last_comma) {
        (Some(dot), Some(comma)) => Some(dot.max(comma)),
        (Some(at), None) | (None, Some(at)) => {
            let mark = text[at..].chars().next()?;
            let repeated = text.matches(mark).count() > 1;
            let digits_after = text.len() - at - 1;
            (!repeated && digits_after != 3).then_some(at)
        }
        (None, None) => None,
    };
    let normalised: String = text
        .char_indices()
        .filter_map(|(at, c)| match c {
            '.' | ',' if Some(at) == decimal => Some('.'),
            '.' | ',' => None,
            c => Some(c),
        })
        .collect();
    normalised.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Whether the message asks for products in stock; consumes the phrase either way, so "en
/// stock" never reaches the product query.
pub(super) fn find_in_stock(words: &mut Words<'_>) -> bool {
    let mut in_stock = false;
    let mut i = 0;
    while i < words.len() {
        match words.longest_phrase_at(i, IN_STOCK) {
            Some(len) => {
                in_stock |= !NEGATIONS.contains(&words.before(i));
                words.consume(i, i + len);
                i += len;
            }
            None => i += 1,
        }
    }
    in_stock
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::test_support::{Lang, en, es, it, pt};
    use super::parse_number;

    #[test]
    fn spanish_price_limit_with_euro_sign_is_a_max_price() {
        let x = es("¿Tenéis cascos para niños por menos de 40€?");
        assert_eq!(x.max_price, Some(40.0));
        assert_eq!(x.min_price, None);
        assert_eq!(x.product_query, "cascos niños");
    }

    #[test]
    fn spanish_max_price_words() {
        for text in [
            "menos de 50 euros",
            "hasta 50",
            "por debajo de 50",
            "máximo 50€",
            "no más de 50",
        ] {
            assert_eq!(es(text).max_price, Some(50.0), "{text}");
        }
    }

    #[test]
    fn english_max_price_words() {
        for text in [
            "under 50€",
            "no more than 50",
            "less than $50",
            "max 50",
            "<50",
            "up to 50 dollars",
            "below €50",
        ] {
            let x = en(text);
            assert_eq!(x.max_price, Some(50.0), "{text}");
            assert_eq!(x.product_query, "", "{text}");
        }
    }

    #[test]
    fn italian_max_price_words() {
        for text in [
            "sotto i 50",
            "meno di 50 euro",
            "fino a 50€",
            "al massimo 50",
        ] {
            assert_eq!(it(text).max_price, Some(50.0), "{text}");
        }
    }

    #[test]
    fn portuguese_max_price_words() {
        for text in [
            "até 50",
            "abaixo de 50 euros",
            "no máximo 50",
            "menos de R$ 50",
        ] {
            assert_eq!(pt(text).max_price, Some(50.0), "{text}");
        }
    }

    #[test]
    fn min_price_words_in_each_language() {
        for (text, x) in [
            ("more than 100", en as Lang),
            ("over 100€", en),
            ("más de 100", es),
            ("più di 100 euro", it),
            ("mais de 100", pt),
            ("100+ euros", en),
        ] {
            let got = x(text);
            assert_eq!(got.min_price, Some(100.0), "{text}");
            assert_eq!(got.max_price, None, "{text}");
        }
    }

    #[test]
    fn between_sets_both_limits_in_each_language() {
        for (text, x) in [
            ("between 20 and 50", en as Lang),
            ("entre 20 y 50 euros", es),
            ("tra 20 e 50", it),
            ("entre 20 e 50€", pt),
            ("from 20 to 50", en),
            ("de 20 a 50€", es),
            ("20-50€", es),
            ("entre 50 y 20", es),
        ] {
            let got = x(text);
            assert_eq!(
                (got.min_price, got.max_price),
                (Some(20.0), Some(50.0)),
                "{text}"
            );
        }
    }

    #[test]
    fn separate_min_and_max_limits_both_count() {
        let x = es("más de 20 y menos de 50");
        assert_eq!((x.min_price, x.max_price), (Some(20.0), Some(50.0)));
    }

    #[test]
    fn decimal_commas_and_thousand_separators_are_read() {
        assert_eq!(es("menos de 49,99€").max_price, Some(49.99));
        assert_eq!(en("under $1,299.50").max_price, Some(1299.5));
        assert_eq!(es("hasta 1.000 euros").max_price, Some(1000.0));
        assert_eq!(parse_number("1.234.567,8"), Some(1_234_567.8));
        assert_eq!(parse_number("9.5"), Some(9.5));
        assert_eq!(parse_number("12a"), None);
    }

    #[test]
    fn a_count_after_a_limit_word_is_not_a_price() {
        assert_eq!(es("hasta 40 cascos").max_price, None);
        assert_eq!(en("less than 2 days").max_price, None);
        assert_eq!(es("menos de 2 días").max_price, None);
        assert_eq!(es("hasta las 10").max_price, None);
    }

    #[test]
    fn an_amount_with_currency_but_no_limit_sets_nothing_and_leaves_the_query() {
        let x = it("casco da 50€");
        assert_eq!((x.min_price, x.max_price), (None, None));
        assert_eq!(x.product_query, "casco");
    }

    #[test]
    fn in_stock_phrases_in_each_language() {
        for (text, x) in [
            ("helmets in stock", en as Lang),
            ("available now", en),
            ("cascos en stock", es),
            ("¿está disponible?", es),
            ("disponibles", es),
            ("è disponibile?", it),
            ("caschi in magazzino", it),
            ("capacetes em estoque", pt),
            ("está disponível?", pt),
            ("¿tenéis stock del casco Urban?", es),
        ] {
            let got = x(text);
            assert!(got.in_stock_only, "{text}");
            assert!(!got.product_query.contains("stock"), "{text}");
        }
    }

    #[test]
    fn a_negated_stock_phrase_is_not_an_in_stock_filter() {
        assert!(!es("no disponible").in_stock_only);
        assert!(!en("not in stock").in_stock_only);
        assert!(!en("do you have helmets").in_stock_only);
    }

    #[test]
    fn messages_without_prices_have_no_limits() {
        for (text, x) in [
            ("hello", en as Lang),
            ("¿cuánto cuesta?", es),
            ("avete caschi?", it),
            ("olá", pt),
        ] {
            let got = x(text);
            assert_eq!((got.min_price, got.max_price), (None, None), "{text}");
        }
    }
}
