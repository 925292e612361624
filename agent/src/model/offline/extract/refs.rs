//! References to things the shop already has: orders ("pedido 12345", "order #VC-10234",
//! "#12345"), support tickets ("T-000123") and bookings ("B-000042").
//!
//! Tickets and bookings have charla's own format, so "t-123" is normalised to "T-000123".
//! Orders come from the shop's e-commerce and are kept as written (without the '#').

use super::words::Words;

#[rustfmt::skip]
const ORDER_WORDS: &[&str] = &[
    "order", "orders", "pedido", "orden", "compra", "ordine", "acquisto", "encomenda",
];
#[rustfmt::skip]
const TICKET_WORDS: &[&str] = &[
    "ticket", "incidencia", "reclamacion", "segnalazione", "chamado", "reclamacao",
];
#[rustfmt::skip]
const BOOKING_WORDS: &[&str] = &[
    "booking", "reservation", "appointment", "reserva", "cita", "prenotazione", "appuntamento",
    "agendamento", "marcacao",
];
/// Words between a keyword and its reference: "ordine n. 12345", "order number is 12345".
#[rustfmt::skip]
const MARKERS: &[&str] = &[
    "#", "no", "n", "nº", "n°", "nr", "num", "numero", "number", "id", "ref", "reference",
    "referencia", "riferimento", "is", "es", "e", ":", "=",
];
/// Markers that say "a number follows" strongly enough to accept a short ticket or booking
/// number ("reserva nº 42"); without one it needs three digits ("reserva 42" may be a count).
#[rustfmt::skip]
const STRONG_MARKERS: &[&str] = &[
    "#", "no", "n", "nº", "n°", "nr", "num", "numero", "number", "id",
];
/// How many markers may sit between a keyword and its reference.
const MAX_MARKERS: usize = 3;
/// Order references are at least this many digits; shorter numbers are counts or options.
const MIN_ORDER_DIGITS: usize = 4;

/// The references a message gives.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Refs {
    /// The order reference as written.
    pub order: Option<String>,
    /// The ticket, "T-000123".
    pub ticket: Option<String>,
    /// The booking, "B-000042".
    pub booking: Option<String>,
}

/// Finds and consumes references; the first of each kind wins.
pub(super) fn find_refs(words: &mut Words<'_>) -> Refs {
    let mut refs = Refs::default();
    for i in 0..words.len() {
        if let Some((prefix, reference)) = charla_code(words.folded(i)) {
            refs.keep(prefix, reference);
            words.consume(keyword_start(words, i), i + 1);
        }
    }
    for i in 0..words.len() {
        if !words.is_free(i) {
            continue;
        }
        let folded = words.folded(i);
        let found = if ORDER_WORDS.contains(&folded) {
            after_keyword(words, i + 1, order_code).map(|(reference, end)| ('O', reference, end))
        } else if let Some(prefix) = charla_prefix_of_keyword(folded) {
            short_number_after(words, i + 1)
                .map(|(number, end)| (prefix, normalise(prefix, &number), end))
        } else {
            None
        };
        if let Some((kind, reference, end)) = found {
            refs.keep(kind, reference);
            words.consume(i, end);
        }
    }
    if refs.order.is_none() {
        refs.order = marked_order(words).or_else(|| lone_order_code(words));
    }
    refs
}

impl Refs {
    /// Keeps `reference` as the order ('O'), ticket ('T') or booking ('B') unless one was
    /// found before.
    fn keep(&mut self, kind: char, reference: String) {
        let slot = match kind {
            'T' => &mut self.ticket,
            'B' => &mut self.booking,
            _ => &mut self.order,
        };
        slot.get_or_insert(reference);
    }
}

/// 'T' for a ticket keyword, 'B' for a booking keyword.
fn charla_prefix_of_keyword(folded: &str) -> Option<char> {
    if TICKET_WORDS.contains(&folded) {
        Some('T')
    } else if BOOKING_WORDS.contains(&folded) {
        Some('B')
    } else {
        None
    }
}

/// Where the words naming a reference at `i` begin: "la reserva nº B-000042" starts at
/// "reserva", so the keyword does not reach the product query.
fn keyword_start(words: &Words<'_>, i: usize) -> usize {
    let mut start = i;
    while start > 0
        && i - start < MAX_MARKERS
        && words.is_free(start - 1)
        && MARKERS.contains(&words.folded(start - 1))
    {
        start -= 1;
    }
    let names_it = start > 0
        && words.is_free(start - 1)
        && charla_prefix_of_keyword(words.before(start)).is_some();
    if names_it { start - 1 } else { start }
}

/// "T-000123", "t-123", "B-42", or six digits glued to the letter ("T000123").
fn charla_code(folded: &str) -> Option<(char, String)> {
    let prefix = match folded.chars().next()? {
        't' => 'T',
        'b' => 'B',
        _ => return None,
    };
    let rest = folded.get(1..)?;
    let digits = match rest.strip_prefix('-') {
        Some(digits) if (1..=9).contains(&digits.len()) => digits,
        None if rest.len() == 6 => rest,
        _ => return None,
    };
    digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| (prefix, normalise(prefix, digits)))
}

/// charla's form: the letter, a hyphen and at least six digits.
fn normalise(prefix: char, digits: &str) -> String {
    format!("{prefix}-{digits:0>6}")
}

/// The reference after a keyword and up to [`MAX_MARKERS`] markers, read by `read`.
fn after_keyword(
    words: &Words<'_>,
    start: usize,
    read: fn(&str) -> Option<String>,
) -> Option<(String, usize)> {
    let mut at = start;
    while at < start + MAX_MARKERS && words.is_free(at) && MARKERS.contains(&words.folded(at)) {
        at += 1;
    }
    if !words.is_free(at) {
        return None;
    }
    read(words.raw(at)).map(|reference| (reference, at + 1))
}

/// An order reference as written: at least [`MIN_ORDER_DIGITS`] digits, or a code of letters
/// and digits ("VC-10234", "AB1234X"). A leading '#' is dropped.
fn order_code(raw: &str) -> Option<String> {
    let code = raw.trim_start_matches('#');
    let digits = code.chars().filter(char::is_ascii_digit).count();
    let letters = code.chars().filter(char::is_ascii_alphabetic).count();
    let allowed = code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let pure_number = digits == code.len() && digits >= MIN_ORDER_DIGITS;
    let mixed_code =
        letters > 0 && digits >= 3 && code.starts_with(|c: char| c.is_ascii_alphanumeric());
    (allowed && (pure_number || mixed_code)).then(|| code.to_string())
}

/// A ticket or booking number after its keyword: "reserva nº 42", "ticket #7", "cita 123".
fn short_number_after(words: &Words<'_>, start: usize) -> Option<(String, usize)> {
    let strong =
        STRONG_MARKERS.contains(&words.folded(start)) || words.folded(start).starts_with('#');
    let (token, end) = after_keyword(words, start, |raw| Some(raw.to_string()))?;
    let digits = token.trim_start_matches('#');
    let is_number = (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    (is_number && (strong || digits.len() >= 3)).then(|| (digits.to_string(), end))
}

/// "#12345" or "nº 12345" without a keyword.
fn marked_order(words: &mut Words<'_>) -> Option<String> {
    for i in words.free().collect::<Vec<_>>() {
        let raw = words.raw(i);
        let folded = words.folded(i);
        if raw.starts_with('#')
            && let Some(code) = order_code(raw)
        {
            words.consume(i, i + 1);
            return Some(code);
        }
        if ["nº", "n°"].contains(&folded)
            && words.is_free(i + 1)
            && let Some(code) = order_code(words.raw(i + 1))
        {
            words.consume(i, i + 2);
            return Some(code);
        }
    }
    None
}

/// A message that is nothing but a long number or a code with a hyphen ("12345",
/// "VC-10234"): the answer to "what is your order number?".
fn lone_order_code(words: &mut Words<'_>) -> Option<String> {
    let meaningful: Vec<usize> = words
        .free()
        .filter(|&i| !super::words::is_stopword(words.folded(i)))
        .collect();
    let &[only] = meaningful.as_slice() else {
        return None;
    };
    let raw = words.raw(only);
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let looks_like_order =
        (digits == raw.len() && digits >= 5) || (raw.contains('-') && digits >= 4);
    let code = order_code(raw).filter(|_| looks_like_order)?;
    words.consume(only, only + 1);
    Some(code)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::test_support::{en, es, it, pt};

    fn some(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn order_references_after_the_keyword_in_each_language() {
        assert_eq!(es("¿Dónde está mi pedido 12345?").order_ref, some("12345"));
        assert_eq!(
            en("order #VC-10234 hasn't arrived").order_ref,
            some("VC-10234")
        );
        assert_eq!(it("ordine n. 12345").order_ref, some("12345"));
        assert_eq!(pt("a minha encomenda 12345").order_ref, some("12345"));
        assert_eq!(en("my order number is 98765").order_ref, some("98765"));
        assert_eq!(es("el número de pedido: AB1234").order_ref, some("AB1234"));
    }

    #[test]
    fn a_hash_or_numero_sign_marks_an_order_without_a_keyword() {
        assert_eq!(en("what about #12345?").order_ref, some("12345"));
        assert_eq!(pt("nº 12345").order_ref, some("12345"));
        assert_eq!(es("n.º 12345").order_ref, some("12345"));
    }

    #[test]
    fn a_message_that_is_only_a_code_is_an_order_reference() {
        assert_eq!(es("12345").order_ref, some("12345"));
        assert_eq!(en("VC-10234 thanks").order_ref, some("VC-10234"));
        assert_eq!(es("2").order_ref, None);
    }

    #[test]
    fn short_numbers_after_order_are_not_references() {
        assert_eq!(en("order 2 helmets").order_ref, None);
        assert_eq!(es("pedido de 3 cascos").order_ref, None);
        assert_eq!(en("I want to order a helmet").order_ref, None);
    }

    #[test]
    fn ticket_references_are_normalised_to_six_digits() {
        assert_eq!(en("status of T-000123?").ticket_ref, some("T-000123"));
        assert_eq!(es("mi incidencia t-123").ticket_ref, some("T-000123"));
        assert_eq!(it("ticket n. 45").ticket_ref, some("T-000045"));
        assert_eq!(pt("chamado 789").ticket_ref, some("T-000789"));
        assert_eq!(en("t000123").ticket_ref, some("T-000123"));
    }

    #[test]
    fn booking_references_are_normalised_to_six_digits() {
        assert_eq!(en("cancel B-000042").booking_ref, some("B-000042"));
        assert_eq!(es("anular la reserva b-42").booking_ref, some("B-000042"));
        assert_eq!(it("prenotazione nº 42").booking_ref, some("B-000042"));
        assert_eq!(pt("cancelar a reserva 123").booking_ref, some("B-000123"));
    }

    #[test]
    fn a_small_count_after_reserva_is_not_a_booking() {
        assert_eq!(es("reserva 2 bicis").booking_ref, None);
    }

    #[test]
    fn references_leave_the_product_query() {
        let x = es("la reserva B-000042 y el pedido 12345");
        assert_eq!(x.product_query, "");
        assert_eq!(x.booking_ref, some("B-000042"));
        assert_eq!(x.order_ref, some("12345"));
    }

    #[test]
    fn words_starting_with_t_or_b_are_not_references() {
        let x = en("blue bike tires");
        assert_eq!(
            (x.ticket_ref, x.booking_ref, x.order_ref),
            (None, None, None)
        );
    }
}
