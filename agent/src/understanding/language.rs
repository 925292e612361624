//! The language a WhatsApp message is written in, robust for the short messages customers send.
//!
//! [`charla_knowledge::locale::detect`] (whatlang) is reliable on sentences but declines texts
//! under a dozen letters, and a message such as "grazie!", "obrigado", "dov'è?" or "cuánto
//! cuesta?" is exactly that. So the decision here adds up evidence: words that mark one language
//! (greetings, thanks, function words, each hand-picked by the charla team for en/es/it/pt),
//! letters and marks only some of these languages use (ñ, ¿, ã, ç, è...), Italian elisions
//! (l', dov', c') and English contractions (n't, 'm), plus whatlang's guess when it makes one.
//! When nothing speaks for any language ("ok", "👍", a number), or the evidence is a tie that
//! the conversation's language can break ("quanto pesa?" is Italian and Portuguese), the
//! caller's fallback wins: the conversation's previous language, else the business default.

use serde::{Deserialize, Serialize};

/// The language of a message and how sure the detection is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// ISO 639-1 code (`es`, `en`, `it`, `pt`, and for longer texts any language
    /// [`charla_knowledge::locale::LANGUAGES`] knows); the fallback when undecided.
    pub code: String,
    /// 0 when the fallback was used for lack of evidence; approaches 1 as the evidence for
    /// `code` outweighs that for any other language.
    pub confidence: f32,
    /// What decided.
    pub source: LanguageSource,
}

/// What decided a [`Language`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LanguageSource {
    /// The text's words and letters.
    Text,
    /// The text said nothing (or was a tie the fallback is part of): the fallback was used.
    Fallback,
}

/// Evidence below this total is not enough to leave the fallback.
const MIN_EVIDENCE: f32 = 0.9;
/// Extra weight for the fallback language, so it wins ties and near-ties: in a conversation in
/// Portuguese, "quanto custa?" stays Portuguese.
const FALLBACK_BONUS: f32 = 0.4;

/// Languages with word lists, in the order a tie without the fallback is broken.
const WORD_LANGUAGES: [&str; 4] = ["es", "en", "pt", "it"];

/// The language `text` is written in. `fallback` (the conversation's previous language, else
/// the business default) is returned, with confidence 0, when the text gives no evidence.
pub fn detect_language(text: &str, fallback: &str) -> Language {
    let mut evidence = Evidence::default();
    add_mark_evidence(text, &mut evidence);
    let lowered = text.to_lowercase();
    for word in words(&lowered) {
        add_word_evidence(word, &mut evidence);
    }
    if let Some(code) = charla_knowledge::locale::detect(text) {
        // whatlang only answers above a dozen letters; the longer the text, the more it
        // knows and the less a single marker word should be able to outvote it.
        let letters = text.chars().filter(|c| c.is_alphabetic()).count() as f32;
        evidence.add(code, 0.8 + (letters / 30.0).min(3.0));
    }
    decide(&evidence, fallback)
}

fn decide(evidence: &Evidence, fallback: &str) -> Language {
    let fallback_language = || Language {
        code: fallback.to_string(),
        confidence: 0.0,
        source: LanguageSource::Fallback,
    };
    let mut ranked: Vec<(&'static str, f32)> = evidence.scores.clone();
    // Stable sort, so equal scores keep WORD_LANGUAGES order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let Some(&(best, best_score)) = ranked.first() else {
        return fallback_language();
    };
    if best_score < MIN_EVIDENCE {
        return fallback_language();
    }
    let runner_up = ranked.get(1).map(|&(_, score)| score).unwrap_or(0.0);
    let fallback_score = evidence.score(fallback);
    if best != fallback && fallback_score > 0.0 && fallback_score + FALLBACK_BONUS >= best_score {
        return Language {
            code: fallback.to_string(),
            confidence: 0.0,
            source: LanguageSource::Fallback,
        };
    }
    let margin = best_score - runner_up;
    Language {
        code: best.to_string(),
        confidence: 1.0 - (-margin).exp(),
        source: LanguageSource::Text,
    }
}

/// Per-language evidence, in first-seen order.
#[derive(Debug, Default)]
struct Evidence {
    scores: Vec<(&'static str, f32)>,
}

impl Evidence {
    fn add(&mut self, code: &'static str, weight: f32) {
        match self.scores.iter_mut().find(|(c, _)| *c == code) {
            Some((_, score)) => *score += weight,
            None => self.scores.push((code, weight)),
        }
    }

    fn score(&self, code: &str) -> f32 {
        self.scores
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(_, s)| s)
            .unwrap_or(0.0)
    }
}

/// Letters and punctuation that only some of the four languages use. Each counts once per
/// message: a long Spanish text full of ñ is already decided by whatlang.
fn add_mark_evidence(text: &str, evidence: &mut Evidence) {
    let has = |set: &[char]| text.chars().any(|c| set.contains(&c));
    if has(&['ñ', 'Ñ', '¿', '¡']) {
        evidence.add("es", 1.2);
    }
    if has(&['ã', 'õ', 'Ã', 'Õ']) {
        evidence.add("pt", 1.5);
    }
    if has(&['ç', 'Ç', 'ê', 'ô', 'â', 'Ê', 'Ô', 'Â']) {
        evidence.add("pt", 0.8);
    }
    if has(&['è', 'ì', 'ò', 'ù', 'È']) {
        evidence.add("it", 1.0);
    }
    if has(&['á', 'í', 'ú', 'Á', 'Í', 'Ú']) {
        // Spanish and Portuguese, rarely Italian.
        evidence.add("es", 0.3);
        evidence.add("pt", 0.3);
    }
}

/// Lower-cased words, split at anything that is not a letter, a digit or an apostrophe.
fn words(lowered: &str) -> impl Iterator<Item = &str> {
    lowered
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
}

fn add_word_evidence(word: &str, evidence: &mut Evidence) {
    if let Some((head, tail)) = word.split_once(['\'', '’']) {
        if ITALIAN_ELISIONS.contains(&head) && !tail.is_empty() {
            evidence.add("it", 1.0);
        } else if ENGLISH_CONTRACTIONS.contains(&tail) {
            evidence.add("en", 1.0);
        }
        // The parts still count as words: "dov'è" has "è", "don't" has "don".
        add_word_evidence(head, evidence);
        add_word_evidence(tail, evidence);
        return;
    }
    add_spelling_evidence(word, evidence);
    for code in WORD_LANGUAGES {
        let (strong, weak) = marker_words(code);
        if strong.contains(&word) {
            evidence.add(code, 1.0);
        } else if weak.contains(&word) {
            evidence.add(code, 0.5);
        }
    }
}

/// Spelling that belongs to one language: Portuguese "nh"/"lh" and final "m" (minha,
/// trabalho, também), Italian double consonants (prezzo, oggi, accettate), Spanish initial
/// "ll" and vosotros verbs (tenéis, aceptáis), and the suffixes -ción / -ção / -zione.
fn add_spelling_evidence(word: &str, evidence: &mut Evidence) {
    let letters = word.chars().count();
    if letters < 3 {
        return;
    }
    if word.contains("nh") || word.contains("lh") {
        evidence.add("pt", 0.5);
    }
    if word.ends_with('m') && !word.ends_with("mm") {
        evidence.add("pt", 0.4);
    }
    const ITALIAN_DOUBLES: [&str; 9] = ["bb", "dd", "ff", "gg", "mm", "pp", "tt", "vv", "zz"];
    if ITALIAN_DOUBLES.iter().any(|d| word.contains(d)) {
        evidence.add("it", 0.4);
    }
    if word.starts_with("ll") {
        evidence.add("es", 0.5);
    }
    if letters >= 6
        && ["áis", "éis", "ais", "eis"]
            .iter()
            .any(|e| word.ends_with(e))
    {
        evidence.add("es", 0.5);
    }
    if letters >= 6 && ["ete", "ate", "ite"].iter().any(|e| word.ends_with(e)) {
        evidence.add("it", 0.3);
    }
    if word.ends_with("ción") || word.ends_with("cion") || word.ends_with("ciones") {
        evidence.add("es", 0.5);
    } else if word.ends_with("ção") || word.ends_with("ções") || word.ends_with("cao") {
        evidence.add("pt", 0.5);
    } else if word.ends_with("zione") || word.ends_with("zioni") {
        evidence.add("it", 0.5);
    }
}

/// Italian elided articles and words before an apostrophe ("l'ordine", "dov'è", "c'è").
const ITALIAN_ELISIONS: &[&str] = &[
    "l", "un", "dell", "all", "nell", "sull", "dall", "c", "dov", "com", "quest", "quell", "po",
    "d", "m", "t", "s", "v", "anch", "qual", "cos", "tutt", "nessun", "bell",
];

/// What follows the apostrophe in English contractions ("don't", "i'm", "you're").
const ENGLISH_CONTRACTIONS: &[&str] = &["t", "m", "re", "ve", "ll", "d"];

/// Words that point to one language: `strong` ones almost only appear in it (among en, es, it,
/// pt), `weak` ones are shared with one other language or are common typos. Written without
/// and with accents, since customers often leave them out.
fn marker_words(code: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match code {
        "es" => (ES_STRONG, ES_WEAK),
        "en" => (EN_STRONG, EN_WEAK),
        "it" => (IT_STRONG, IT_WEAK),
        "pt" => (PT_STRONG, PT_WEAK),
        _ => (&[], &[]),
    }
}

const ES_STRONG: &[&str] = &[
    "hola",
    "holaa",
    "holi",
    "buenas",
    "buenos",
    "gracias",
    "grax",
    "graciass",
    "muchas",
    "adios",
    "adiós",
    "vale",
    "quiero",
    "quisiera",
    "queria",
    "quería",
    "puedo",
    "podeis",
    "podéis",
    "puede",
    "pueden",
    "tenéis",
    "teneis",
    "tienen",
    "tiene",
    "hay",
    "el",
    "los",
    "las",
    "y",
    "es",
    "está",
    "esta",
    "están",
    "estan",
    "estoy",
    "muy",
    "pero",
    "cuánto",
    "cuanto",
    "cuánta",
    "cuanta",
    "cuándo",
    "cuando",
    "dónde",
    "donde",
    "qué",
    "porque",
    "mi",
    "mis",
    "sí",
    "señor",
    "usted",
    "ustedes",
    "vosotros",
    "pedido",
    "envío",
    "envio",
    "también",
    "tambien",
    "ahora",
    "hoy",
    "mañana",
    "manana",
    "llega",
    "llegado",
    "nada",
    "perfecto",
    "genial",
    "vuestro",
    "vuestra",
    "cómo",
    "como",
    "yo",
    "lo",
    "le",
    "les",
    "hacer",
    "necesito",
    "ayuda",
    "bueno",
    "buena",
    "hasta",
    "luego",
    "estaba",
    "habéis",
    "habeis",
    "he",
    "ha",
    "han",
    "tengo",
    "mío",
    "mio",
    "cual",
    "cuál",
    "devolver",
    "talla",
    "reclamación",
    "reclamacion",
    "persona",
    "ya",
    "aún",
    "aun",
    "todavía",
    "todavia",
    "bici",
    "cita",
    "dinero",
    "precio",
    "oye",
    "porfa",
    "jaja",
    "jajaja",
    "buen",
    "pues",
    "claro",
    "eres",
    "soy",
    "somos",
    "sois",
    "tenemos",
    "algo",
    "alguien",
    "nadie",
    "ayer",
    "vez",
    "veces",
    "cuántos",
    "cuantos",
    "cuántas",
    "cuantas",
    "entonces",
    "después",
    "despues",
    "puedes",
    "podría",
    "podria",
    "nosotros",
    "tú",
];
const ES_WEAK: &[&str] = &[
    "que", "de", "la", "en", "para", "con", "una", "un", "no", "me", "te", "se", "su", "sus",
    "ola", "tarde", "tardes", "noches", "dia", "día", "días", "dias", "favor", "todo", "cuesta",
    "quanto", "por", "del", "al", "mas",
];

const EN_STRONG: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "thx",
    "the",
    "and",
    "is",
    "are",
    "was",
    "my",
    "i",
    "you",
    "your",
    "what",
    "whats",
    "where",
    "wheres",
    "when",
    "how",
    "can",
    "could",
    "would",
    "please",
    "pls",
    "plz",
    "want",
    "need",
    "have",
    "has",
    "do",
    "does",
    "did",
    "order",
    "it",
    "this",
    "that",
    "of",
    "to",
    "with",
    "for",
    "not",
    "yes",
    "yet",
    "bye",
    "good",
    "morning",
    "evening",
    "afternoon",
    "great",
    "im",
    "dont",
    "cant",
    "much",
    "shipping",
    "refund",
    "someone",
    "speak",
    "talk",
    "there",
    "any",
    "be",
    "will",
    "just",
    "still",
    "lol",
    "cheers",
    "ty",
    "awesome",
    "thats",
    "also",
    "again",
    "why",
    "who",
    "which",
    "get",
    "got",
    "from",
    "write",
    "tell",
    "send",
    "give",
    "make",
    "know",
    "about",
    "an",
    "at",
    "by",
    "if",
    "or",
    "our",
    "we",
    "they",
    "them",
    "their",
    "he",
    "she",
    "his",
    "her",
    "him",
    "here",
    "been",
    "were",
    "should",
    "let",
    "out",
    "up",
    "all",
    "some",
    "more",
    "only",
    "then",
    "than",
    "because",
    "today",
    "tomorrow",
    "ever",
    "never",
    "thing",
    "something",
    "anything",
    "receive",
    "received",
    "wanna",
    "gonna",
];
const EN_WEAK: &[&str] = &["a", "in", "on", "no", "stop", "sorry", "me", "so"];

const IT_STRONG: &[&str] = &[
    "ciao",
    "ciaoo",
    "buongiorno",
    "bongiorno",
    "buonasera",
    "buonanotte",
    "salve",
    "grazie",
    "grz",
    "il",
    "gli",
    "di",
    "è",
    "sono",
    "non",
    "mio",
    "mia",
    "miei",
    "ma",
    "molto",
    "ci",
    "vorrei",
    "voglio",
    "posso",
    "potete",
    "avete",
    "ho",
    "hai",
    "ha",
    "abbiamo",
    "quanto",
    "quanta",
    "dove",
    "quando",
    "perché",
    "perche",
    "anche",
    "ancora",
    "oggi",
    "domani",
    "niente",
    "nulla",
    "ordine",
    "spedizione",
    "rimborso",
    "reso",
    "prenotazione",
    "appuntamento",
    "taglia",
    "negozio",
    "perfetto",
    "ottimo",
    "bene",
    "allora",
    "sì",
    "si'",
    "cosa",
    "questo",
    "questa",
    "quello",
    "della",
    "delle",
    "dei",
    "nel",
    "nella",
    "alla",
    "sul",
    "sulla",
    "per",
    "favore",
    "qualcuno",
    "arrivato",
    "arrivata",
    "pacco",
    "soldi",
    "scusa",
    "scusate",
    "prego",
    "fa",
    "sei",
    "siete",
    "lo",
    "mi",
    "ti",
    "anni",
    "bici",
    "piu",
    "più",
    "mille",
    "aspetto",
    "settimane",
    "ahah",
    "ahahah",
    "boh",
    "dai",
    "ecco",
    "qualcosa",
    "ieri",
    "volta",
    "volte",
    "quanti",
    "quante",
    "dopo",
    "puoi",
    "potrei",
    "noi",
    "voi",
    "siamo",
    "già",
    "proprio",
    "tutti",
];
const IT_WEAK: &[&str] = &[
    "la", "le", "un", "una", "con", "in", "e", "pesa", "costa", "quale", "stop", "al", "va", "che",
    "del",
];

const PT_STRONG: &[&str] = &[
    "olá",
    "oi",
    "oii",
    "obrigado",
    "obrigada",
    "obg",
    "brigado",
    "brigada",
    "valeu",
    "bom",
    "boa",
    "tudo",
    "bem",
    "não",
    "nao",
    "você",
    "voce",
    "vocês",
    "voces",
    "vc",
    "vcs",
    "meu",
    "minha",
    "meus",
    "minhas",
    "os",
    "da",
    "dos",
    "das",
    "na",
    "nos",
    "nas",
    "em",
    "um",
    "uma",
    "é",
    "está",
    "estou",
    "são",
    "tem",
    "têm",
    "tenho",
    "quero",
    "queria",
    "posso",
    "pode",
    "podem",
    "encomenda",
    "pedido",
    "envio",
    "entrega",
    "quanto",
    "onde",
    "quando",
    "porque",
    "muito",
    "muita",
    "também",
    "tambem",
    "ainda",
    "hoje",
    "amanhã",
    "amanha",
    "obrigadão",
    "tchau",
    "pra",
    "pro",
    "isso",
    "isto",
    "esse",
    "essa",
    "aqui",
    "aí",
    "agora",
    "já",
    "ja",
    "nada",
    "ninguém",
    "ninguem",
    "loja",
    "dinheiro",
    "preço",
    "preco",
    "tamanho",
    "marcação",
    "marcacao",
    "devolução",
    "devolucao",
    "reembolso",
    "rastreio",
    "cadê",
    "cade",
    "kkk",
    "kkkk",
    "né",
    "fazer",
    "consigo",
    "pf",
    "pfv",
    "ótimo",
    "otimo",
    "perfeito",
    "até",
    "logo",
    "noite",
    "ao",
    "à",
    "pela",
    "pelo",
    "com",
    "sem",
    "mais",
    "alguém",
    "alguem",
    "chegou",
    "bicicleta",
];
const PT_WEAK: &[&str] = &[
    "a", "que", "de", "e", "para", "se", "me", "te", "ola", "custa", "pesa", "sim", "no", "o",
    "as", "do", "ai", "mas", "dia", "tarde", "por", "favor",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_and_thanks_are_recognised_without_context() {
        for (text, code) in [
            ("hola", "es"),
            ("grazie!", "it"),
            ("obrigado", "pt"),
            ("thanks", "en"),
            ("buongiorno", "it"),
            ("bom dia", "pt"),
            ("buenas tardes", "es"),
        ] {
            let detected = detect_language(text, "xx");
            assert_eq!(detected.code, code, "{text}");
            assert!(detected.confidence > 0.3, "{text}: {detected:?}");
        }
    }

    #[test]
    fn messages_without_words_keep_the_fallback() {
        for text in ["ok", "👍", "😂😂", "10234", "", "   "] {
            let detected = detect_language(text, "pt");
            assert_eq!(detected.code, "pt", "{text:?}");
            assert_eq!(detected.source, LanguageSource::Fallback, "{text:?}");
            assert_eq!(detected.confidence, 0.0);
        }
    }

    #[test]
    fn an_ambiguous_message_stays_in_the_conversation_language() {
        assert_eq!(detect_language("quanto pesa?", "pt").code, "pt");
        assert_eq!(detect_language("quanto pesa?", "it").code, "it");
    }

    #[test]
    fn accents_and_elisions_decide_short_messages() {
        assert_eq!(detect_language("dov'è?", "es").code, "it");
        assert_eq!(detect_language("¿cuánto?", "en").code, "es");
        assert_eq!(detect_language("não", "es").code, "pt");
    }
}
