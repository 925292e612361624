//! Language detection for knowledge and messages: whatlang restricted to the languages
//! charla's businesses write in, backed by a count of function words for short texts.
//!
//! Measured on FAQ entries and product texts, whatlang alone is unreliable below a sentence or
//! two: "Do you ship to Italy?" comes out Portuguese and a two-line English FAQ Dutch, with
//! confidences under 0.4 even when right. So: a text with fewer than [`MIN_LETTERS`] letters is
//! not guessed; a whatlang guess with confidence of at least [`MIN_CONFIDENCE`] is taken;
//! otherwise the language whose function words ("the", "you", "de", "para", "che"...) occur
//! most decides when it leads clearly (at least two words, no tie) or when whatlang leans the
//! same way. Anything else is `None` (stored as `und`): a product name such as "Red cotton
//! t-shirt" or "Wool socks" usually is.

use std::sync::OnceLock;
use whatlang::{Detector, Lang};

/// The languages detected, as ISO 639-1 codes.
pub const SUPPORTED: [&str; 8] = ["en", "es", "pt", "it", "fr", "de", "nl", "ca"];

/// whatlang's names for [`SUPPORTED`], in the same order.
const LANGUAGES: [(Lang, &str); 8] = [
    (Lang::Eng, "en"),
    (Lang::Spa, "es"),
    (Lang::Por, "pt"),
    (Lang::Ita, "it"),
    (Lang::Fra, "fr"),
    (Lang::Deu, "de"),
    (Lang::Nld, "nl"),
    (Lang::Cat, "ca"),
];

/// Texts with fewer letters than this are not guessed.
pub const MIN_LETTERS: usize = 12;

/// The lowest whatlang confidence accepted (0 to 1).
pub const MIN_CONFIDENCE: f64 = 0.5;

/// The ISO 639-1 code of the language `text` is written in, or `None` when the text is too
/// short or the guess is unreliable. Only the languages in [`SUPPORTED`] are considered.
pub fn detect(text: &str) -> Option<&'static str> {
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    if text.chars().filter(|c| c.is_alphabetic()).count() < MIN_LETTERS {
        return None;
    }
    let detector = DETECTOR.get_or_init(|| {
        Detector::with_allowlist(LANGUAGES.iter().map(|(lang, _)| *lang).collect())
    });
    let guess = detector.detect(text);
    let guessed = guess
        .as_ref()
        .and_then(|info| LANGUAGES.iter().position(|(lang, _)| *lang == info.lang()));
    let confidence = guess.as_ref().map_or(0.0, |info| info.confidence());
    if confidence >= MIN_CONFIDENCE {
        return guessed.map(|index| LANGUAGES[index].1);
    }
    let votes = function_word_votes(text);
    let best = votes.iter().copied().max().unwrap_or(0);
    if best == 0 {
        return None;
    }
    let leaders: Vec<usize> = (0..votes.len())
        .filter(|&index| votes[index] == best)
        .collect();
    let chosen = match guessed {
        Some(index) if confidence >= MIN_LEANING && leaders.contains(&index) => Some(index),
        _ if leaders.len() == 1 && best >= 2 => leaders.first().copied(),
        _ => None,
    };
    chosen.map(|index| LANGUAGES[index].1)
}

/// The lowest whatlang confidence that counts as leaning towards a language.
const MIN_LEANING: f64 = 0.1;

/// Common function words of each language of [`SUPPORTED`], in the same order.
const FUNCTION_WORDS: [&[&str]; 8] = [
    &[
        "the", "and", "you", "your", "to", "of", "is", "are", "for", "with", "we", "our", "can",
        "do", "does", "it", "on", "how", "what", "which", "my", "yes", "by", "be", "will", "this",
        "that", "from", "at", "have", "has", "if", "not", "all", "when", "an", "there", "any",
    ],
    &[
        "el", "la", "los", "las", "de", "del", "que", "y", "en", "con", "para", "por", "una", "un",
        "se", "es", "al", "su", "sus", "lo", "como", "pero", "más", "puedo", "hay", "qué",
        "cuánto", "cuándo", "dónde", "está", "están", "son", "sí", "también", "muy", "nuestro",
        "nuestra", "usted",
    ],
    &[
        "o", "os", "as", "de", "que", "e", "em", "com", "para", "não", "uma", "um", "são", "do",
        "da", "dos", "das", "no", "na", "nos", "nas", "você", "vocês", "é", "se", "ao", "à",
        "pelo", "pela", "posso", "também", "mais", "seu", "sua",
    ],
    &[
        "il", "lo", "la", "gli", "le", "di", "che", "e", "per", "con", "non", "una", "un", "sono",
        "della", "dei", "del", "delle", "nel", "nella", "è", "si", "come", "anche", "più", "posso",
        "quando", "dove", "cosa", "sul", "alla", "al", "ci",
    ],
    &[
        "le", "la", "les", "de", "des", "et", "en", "pour", "avec", "une", "un", "est", "vous",
        "nous", "du", "au", "aux", "dans", "sur", "pas", "ne", "que", "qui", "ce", "cette", "sont",
        "je", "peut", "votre", "vos",
    ],
    &[
        "der", "die", "das", "und", "ist", "mit", "für", "nicht", "ein", "eine", "sie", "wir",
        "zu", "von", "auf", "den", "dem", "des", "im", "bei", "oder", "auch", "wie", "kann",
        "können", "sind", "ich", "ihre", "ihr",
    ],
    &[
        "de", "het", "een", "en", "van", "is", "met", "voor", "niet", "we", "u", "op", "te",
        "zijn", "wij", "ook", "naar", "bij", "kan", "of", "dat", "die", "uw", "onze",
    ],
    &[
        "el", "la", "els", "les", "de", "que", "i", "amb", "per", "una", "un", "és", "del", "als",
        "dels", "al", "en", "pot", "són", "també", "més", "aquest", "aquesta", "nostre", "nostra",
    ],
];

/// How many words of `text` are function words of each language.
fn function_word_votes(text: &str) -> [usize; 8] {
    let mut votes = [0usize; 8];
    for word in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|word| !word.is_empty())
    {
        let word = word.to_lowercase();
        for (index, words) in FUNCTION_WORDS.iter().enumerate() {
            if words.contains(&word.as_str()) {
                votes[index] += 1;
            }
        }
    }
    votes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_detected_in_the_business_languages() {
        let cases = [
            ("Returns are accepted within thirty days of delivery.", "en"),
            (
                "Las devoluciones se aceptan dentro de los treinta días siguientes a la entrega.",
                "es",
            ),
            (
                "I resi sono accettati entro trenta giorni dalla consegna.",
                "it",
            ),
            (
                "As devoluções são aceitas em até trinta dias após a entrega.",
                "pt",
            ),
            (
                "Les retours sont acceptés dans les trente jours suivant la livraison.",
                "fr",
            ),
            (
                "Rücksendungen werden innerhalb von dreißig Tagen nach Lieferung akzeptiert.",
                "de",
            ),
            (
                "Retourzendingen worden binnen dertig dagen na levering geaccepteerd.",
                "nl",
            ),
            (
                "Les devolucions s'accepten dins dels trenta dies següents al lliurament.",
                "ca",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(detect(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn short_questions_and_products_are_detected_when_their_words_say_so() {
        let cases = [
            ("Do you ship to Italy?", Some("en")),
            (
                "Can I track my order?\n\nYes: you get a tracking link by WhatsApp and email.",
                Some("en"),
            ),
            ("¿Hacen envíos a Portugal?", Some("es")),
            (
                "Zapatillas de montaña con suela de agarre para terreno mojado",
                Some("es"),
            ),
            ("Maglietta di cotone rossa", Some("it")),
            ("Vocês entregam no Brasil?", Some("pt")),
            ("Wool socks\nCategory: socks\nPrice: 12.50 USD", None),
            ("Camiseta de algodón roja", None),
        ];
        for (text, expected) in cases {
            assert_eq!(detect(text), expected, "{text}");
        }
    }

    #[test]
    fn too_short_text_is_not_guessed() {
        assert_eq!(detect("Hola"), None);
        assert_eq!(detect("SKU-123 42"), None);
        assert_eq!(detect(""), None);
    }
}
