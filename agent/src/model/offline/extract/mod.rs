//! Argument extraction for the offline model: from a customer's WhatsApp message in English,
//! Spanish, Italian or Portuguese, what the tools need — price limits, the in-stock filter, a
//! date and a time, order, ticket and booking references, the option picked from an offer,
//! and what is left to search the catalog for. Pure functions: no I/O, deterministic.
//!
//! The message is split into tokens once (`words`); each extractor consumes the tokens it
//! understands, in an order that settles overlaps (a reference before a price, a price before
//! a time, all of them before a choice), and the product query is what nobody consumed minus
//! stopwords.
//!
//! - `words`: tokens, folding (case and accents), stopwords.
//! - `refs`: order, ticket and booking references.
//! - `dates`: relative days, weekdays, weeks and written dates.
//! - `prices`: price limits and the in-stock filter.
//! - `times`: exact clock times.
//! - `choice`: the option picked from an offer.

mod choice;
mod dates;
mod prices;
mod refs;
mod times;
mod words;

use jiff::civil::{Date, Time};
use words::Words;

/// What a customer's message says beyond its intent, for the offline model to fill tool
/// arguments with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// The highest price asked for: "under 50€", "menos de 50 euros", "sotto i 50", "até 50",
    /// "<50", or the top of a range.
    pub max_price: Option<f64>,
    /// The lowest price asked for: "more than 100", "más de 100", "più di 100", "mais de
    /// 100", or the bottom of a range ("between 20 and 50", "entre 20 y 50").
    pub min_price: Option<f64>,
    /// The customer wants only what is in stock: "in stock", "en stock", "disponibile", "em
    /// estoque", "available now".
    pub in_stock_only: bool,
    /// The day or days asked about, relative to the business's local date.
    pub date: Option<DateAsk>,
    /// An exact time: "10:30", "10h30", "at 5pm", "a las 5 de la tarde", "alle 15.30", "às
    /// 10". Parts of the day ("por la mañana") and ranges give none.
    pub time: Option<Time>,
    /// An order reference as the shop wrote it, without '#': "pedido 12345", "order
    /// #VC-10234", "ordine n. 12345", "#12345".
    pub order_ref: Option<String>,
    /// A support ticket in charla's form, "T-000123" ("t-123" is normalised).
    pub ticket_ref: Option<String>,
    /// A booking in charla's form, "B-000042" ("b-42" is normalised).
    pub booking_ref: Option<String>,
    /// The option picked from an offer, 1-based: "2", "la 2", "option 2", "the second one",
    /// "la segunda", "il secondo", "a segunda". Only in short messages about choosing, so "I
    /// want 2 helmets" has none.
    pub choice: Option<usize>,
    /// What a catalog search should look for: the message without greetings, politeness,
    /// question words, stopwords and everything extracted above, lower-cased with its
    /// accents: "¿Tenéis cascos para niños por menos de 40€?" → "cascos niños". Empty when
    /// nothing is left.
    pub product_query: String,
}

/// The day or days a message asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateAsk {
    /// One day: "mañana", "el viernes", "15/03".
    Day(Date),
    /// Several days, both ends included: "next week" (next Monday to Sunday), "esta semana"
    /// (today to Sunday), "el fin de semana" (the coming Saturday and Sunday).
    Range {
        /// The first day.
        from: Date,
        /// The last day.
        to: Date,
    },
}

/// Extracts what tools need from `text`, a customer's message. `language` is the message's
/// detected language (`en`, `es`, `it`, `pt`); words of all four are understood whatever it
/// says, since customers mix them and short messages are often misdetected, and it only
/// settles words that differ by language ("as 10" is a time in Portuguese alone). `today` is
/// the business's local date, which relative dates count from.
pub fn extract(text: &str, language: &str, today: Date) -> Extracted {
    let mut words = Words::new(text);
    let refs = refs::find_refs(&mut words);
    let date = dates::find_date(&mut words, today);
    let limits = prices::find_prices(&mut words);
    let in_stock_only = prices::find_in_stock(&mut words);
    let time = times::find_time(&mut words, language);
    let choice = choice::find_choice(&mut words, language);
    Extracted {
        max_price: limits.max,
        min_price: limits.min,
        in_stock_only,
        date,
        time,
        order_ref: refs.order,
        ticket_ref: refs.ticket,
        booking_ref: refs.booking,
        choice,
        product_query: product_query(&words),
    }
}

/// The free tokens that mean something, as written but lower-cased.
fn product_query(words: &Words<'_>) -> String {
    words
        .free()
        .filter(|&i| words.is_content(i) || words.folded(i).chars().all(|c| c.is_ascii_digit()))
        .filter_map(|i| words.token(i))
        .map(|token| token.raw.trim_start_matches('#').to_lowercase())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod test_support {
    use super::{Extracted, extract};
    use jiff::civil::{Date, date};

    /// Extraction in one language, so tests can loop over languages.
    pub type Lang = fn(&str) -> Extracted;

    /// A Monday.
    pub const TODAY: Date = date(2026, 3, 2);

    pub fn en(text: &str) -> Extracted {
        extract(text, "en", TODAY)
    }

    pub fn es(text: &str) -> Extracted {
        extract(text, "es", TODAY)
    }

    pub fn it(text: &str) -> Extracted {
        extract(text, "it", TODAY)
    }

    pub fn pt(text: &str) -> Extracted {
        extract(text, "pt", TODAY)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::test_support::{Lang, TODAY, en, es, it, pt};
    use super::{DateAsk, Extracted, extract};
    use jiff::civil::{Date, date, time};

    #[test]
    fn english_product_query_keeps_only_what_to_search_for() {
        assert_eq!(
            en("Hi! Do you sell road bikes?").product_query,
            "road bikes"
        );
        assert_eq!(
            en("I'm looking for a helmet size M").product_query,
            "helmet size m"
        );
    }

    #[test]
    fn spanish_product_query_keeps_accents_and_drops_question_words() {
        assert_eq!(
            es("Hola, busco una bici eléctrica de montaña").product_query,
            "bici eléctrica montaña"
        );
        assert_eq!(
            es("¿Cuánto cuesta el casco Urban?").product_query,
            "casco urban"
        );
    }

    #[test]
    fn italian_product_query_drops_articles_and_elisions() {
        assert_eq!(
            it("Avete delle luci posteriori per bici da corsa?").product_query,
            "luci posteriori bici corsa"
        );
        assert_eq!(it("quant'è l'antifurto?").product_query, "antifurto");
    }

    #[test]
    fn portuguese_product_query_drops_verbs_of_asking() {
        assert_eq!(
            pt("Vocês têm luvas de ciclismo tamanho M?").product_query,
            "luvas ciclismo tamanho m"
        );
    }

    #[test]
    fn product_query_keeps_sizes_and_model_numbers() {
        assert_eq!(en("29 inch wheels").product_query, "29 inch wheels");
    }

    #[test]
    fn greetings_and_thanks_have_nothing_to_extract() {
        for (text, x) in [
            ("Hello, good morning!", en as Lang),
            ("Thanks a lot 🙏", en),
            ("Hola, buenas tardes", es),
            ("¡Muchas gracias!", es),
            ("Buongiorno", it),
            ("Grazie mille!", it),
            ("Olá, bom dia", pt),
            ("Obrigado!", pt),
        ] {
            let got = x(text);
            let expected = Extracted {
                product_query: got.product_query.clone(),
                ..Extracted::default()
            };
            assert_eq!(got, expected, "{text}");
        }
        assert_eq!(es("Hola, buenas tardes").product_query, "");
        assert_eq!(pt("Olá, bom dia").product_query, "");
    }

    #[test]
    fn mixed_english_message() {
        let x = en(
            "Hi! Do you have kids helmets in stock under 40€? I could pick one up tomorrow at 5pm",
        );
        assert_eq!(x.max_price, Some(40.0));
        assert!(x.in_stock_only);
        assert_eq!(x.date, Some(DateAsk::Day(date(2026, 3, 3))));
        assert_eq!(x.time, Some(time(17, 0, 0, 0)));
        assert_eq!(x.choice, None);
        assert_eq!(x.product_query, "kids helmets");
    }

    #[test]
    fn mixed_spanish_message() {
        let x = es(
            "Hola, ¿tenéis cascos para niños por menos de 40€ disponibles? Me pasaría el viernes a las 5 de la tarde",
        );
        assert_eq!(x.max_price, Some(40.0));
        assert!(x.in_stock_only);
        assert_eq!(x.date, Some(DateAsk::Day(date(2026, 3, 6))));
        assert_eq!(x.time, Some(time(17, 0, 0, 0)));
        assert_eq!(x.product_query, "cascos niños");
    }

    #[test]
    fn mixed_italian_message() {
        let x = it(
            "Buongiorno, avete caschi per bambini sotto i 50 euro disponibili? Posso passare sabato alle 10:30",
        );
        assert_eq!(x.max_price, Some(50.0));
        assert!(x.in_stock_only);
        assert_eq!(x.date, Some(DateAsk::Day(date(2026, 3, 7))));
        assert_eq!(x.time, Some(time(10, 30, 0, 0)));
        assert_eq!(x.product_query, "caschi bambini");
    }

    #[test]
    fn mixed_portuguese_message() {
        let x =
            pt("Olá! Vocês têm capacetes em estoque entre 20 e 40 euros? Posso ir na sexta às 15h");
        assert_eq!((x.min_price, x.max_price), (Some(20.0), Some(40.0)));
        assert!(x.in_stock_only);
        assert_eq!(x.date, Some(DateAsk::Day(date(2026, 3, 6))));
        assert_eq!(x.time, Some(time(15, 0, 0, 0)));
        assert_eq!(x.choice, None);
        assert_eq!(x.product_query, "capacetes");
    }

    #[test]
    fn mixed_support_messages_give_references_and_no_product() {
        let x = es("Hola, ¿cómo va la incidencia T-000123 del pedido 45678?");
        assert_eq!(x.ticket_ref.as_deref(), Some("T-000123"));
        assert_eq!(x.order_ref.as_deref(), Some("45678"));
        assert_eq!(x.product_query, "");
        let x = it("vorrei annullare la prenotazione B-000042 di domani");
        assert_eq!(x.booking_ref.as_deref(), Some("B-000042"));
        assert_eq!(x.date, Some(DateAsk::Day(date(2026, 3, 3))));
        assert_eq!(x.product_query, "annullare");
    }

    #[test]
    fn odd_input_never_panics() {
        let pieces = [
            "",
            " ",
            "99999999999999999999",
            "#",
            "€",
            "-",
            "/",
            ":",
            ".",
            ",",
            "<",
            "+",
            "'",
            "’",
            "🚲",
            "👍🏽",
            "\u{200d}",
            "\u{0301}",
            "İ",
            "ß",
            "ﬁ",
            "٣",
            "１２",
            "a las",
            "de la tarde",
            "menos de",
            "entre",
            "y",
            "pedido",
            "nº",
            "t-",
            "b-99999999999",
            "15/",
            "/03",
            "2026-02-29",
            "31/12/9999",
            "0/0",
            "mañana",
            "segunda",
            "la",
            "12:",
            ":30",
            "10h",
            "h",
            "pm",
            "€€50",
            "1,",
            ",5",
            "1.2.3.4",
            "de 1 a",
            "between 1 and",
            "T-",
            "#-",
            "x\u{0}y",
            "\t\n",
        ];
        let mut seed: u64 = 0x5eed;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(seed % 7) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
                if seed & 1 == 0 {
                    text.push(' ');
                }
            }
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            for language in ["en", "es", "it", "pt", "xx"] {
                let _ = extract(&text, language, TODAY);
            }
        }
        for today in [Date::MIN, Date::MAX, date(2028, 2, 29)] {
            let _ = extract(
                "mañana pasado mañana next week el fin de semana 29/02 dia 31 el lunes",
                "es",
                today,
            );
        }
        let huge = "casco 99999999999999999999 ".repeat(2000);
        assert!(
            extract(&huge, "es", TODAY)
                .product_query
                .starts_with("casco 99999999999999999999")
        );
    }

    #[test]
    fn huge_numbers_are_read_without_overflow() {
        let x = es("menos de 99999999999999999999€");
        assert_eq!(x.max_price, Some(1e20));
        let x = es("a las 99999999999999999999");
        assert_eq!(x.time, None);
        assert_eq!(x.choice, None);
        assert_eq!(
            en("#99999999999999999999").order_ref.as_deref(),
            Some("99999999999999999999")
        );
    }

    #[test]
    fn the_last_day_representable_has_no_tomorrow_but_does_not_fail() {
        let x = extract("mañana", "es", Date::MAX);
        assert_eq!(x.date, None);
    }
}
