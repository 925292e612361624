//! The words of a message: tokenising, folding for comparison, which words an extractor has
//! already used, and the stopwords no catalog search wants.
//!
//! Tokens keep what a reference, a price or a clock time is made of ("VC-10234", "49,99€",
//! "10:30", "15/03", "#2"), so each extractor reads one token instead of re-joining pieces.

/// Characters that join two letters or digits into one token ("10:30", "15/03", "T-000123",
/// "49.99", "a.m"), but separate words anywhere else ("pedido:", "bueno...").
const JOINERS: &[char] = &['.', ':', '-', '/', '_'];

/// Marks that belong to the token they touch ("#2", "50€", "<50", "100+"), or stand alone.
const MARKS: &[char] = &['#', '€', '$', '£', '<', '>', '≤', '≥', '=', '+', '%', '°'];

/// One word, number or code of a message.
#[derive(Debug, Clone)]
pub(super) struct Token<'a> {
    /// As written, without the punctuation around it.
    pub raw: &'a str,
    /// Lower case, accents removed (and dots, in tokens without digits: "a.m." → "am"), for
    /// comparing with the word tables: "Tenéis" → "teneis", "lunedì" → "lunedi".
    pub folded: String,
    /// Written right before an apostrophe: an elided article or preposition ("l'", "dell'",
    /// "un'"), which a catalog search does not want.
    pub elided: bool,
}

/// The tokens of a message and which of them an extractor has consumed.
#[derive(Debug)]
pub(super) struct Words<'a> {
    tokens: Vec<Token<'a>>,
    used: Vec<bool>,
}

impl<'a> Words<'a> {
    /// Splits `text` into tokens; none is used yet.
    pub fn new(text: &'a str) -> Self {
        let tokens: Vec<Token<'a>> = split(text)
            .into_iter()
            .map(|(raw, elided)| Token {
                raw,
                folded: fold(raw),
                elided,
            })
            .collect();
        let used = vec![false; tokens.len()];
        Self { tokens, used }
    }

    /// How many tokens the message has.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The token at `i`, if there is one.
    pub fn token(&self, i: usize) -> Option<&Token<'a>> {
        self.tokens.get(i)
    }

    /// The folded token at `i`, or "" past either end, so context checks need no bounds logic.
    pub fn folded(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.folded.as_str())
    }

    /// The folded token before `i`, or "" at the start.
    pub fn before(&self, i: usize) -> &str {
        i.checked_sub(1).map_or("", |j| self.folded(j))
    }

    /// The token at `i` as written, or "".
    pub fn raw(&self, i: usize) -> &'a str {
        self.tokens.get(i).map_or("", |t| t.raw)
    }

    /// Whether the token at `i` exists and no extractor has used it.
    pub fn is_free(&self, i: usize) -> bool {
        self.used.get(i).is_some_and(|used| !used)
    }

    /// Marks tokens `start..end` as used.
    pub fn consume(&mut self, start: usize, end: usize) {
        for used in self.used.iter_mut().take(end).skip(start) {
            *used = true;
        }
    }

    /// The length of `phrase` (folded words separated by spaces) if it starts at `i` on free
    /// tokens.
    pub fn phrase_at(&self, i: usize, phrase: &str) -> Option<usize> {
        let mut len = 0;
        for word in phrase.split(' ') {
            let at = i + len;
            if !self.is_free(at) || self.folded(at) != word {
                return None;
            }
            len += 1;
        }
        Some(len)
    }

    /// The longest of `phrases` that starts at `i`, as its length in tokens.
    pub fn longest_phrase_at(&self, i: usize, phrases: &[&str]) -> Option<usize> {
        phrases.iter().filter_map(|p| self.phrase_at(i, p)).max()
    }

    /// Whether any token, used or not, is one of `words`.
    pub fn contains_any(&self, words: &[&str]) -> bool {
        self.tokens
            .iter()
            .any(|t| words.contains(&t.folded.as_str()))
    }

    /// Whether the token at `i` is free and carries meaning of its own: it has a letter and
    /// is not a stopword. "Under 50 helmets" is about helmets, so 50 is a count, not a price.
    pub fn is_content(&self, i: usize) -> bool {
        let Some(token) = self.tokens.get(i).filter(|_| self.is_free(i)) else {
            return false;
        };
        !token.elided
            && token.folded.chars().any(char::is_alphabetic)
            && !is_stopword(&token.folded)
    }

    /// Indices of the free tokens.
    pub fn free(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.tokens.len()).filter(|&i| self.is_free(i))
    }
}

/// English contraction tails, dropped: "I'm", "don't", "it's", "I'll" say nothing a tool needs,
/// and dropping them keeps "m" and "s" free to be clothing sizes.
const CONTRACTION_TAILS: &[&str] = &["m", "s", "t", "d", "ll", "ve", "re"];

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '`' | '´')
}

/// Splits `text` into token slices, each with whether an apostrophe follows it (see
/// [`JOINERS`] and [`MARKS`]); a comma stays inside a number ("49,99") and splits everywhere
/// else; apostrophes split ("l'ordine", "don't") and contraction tails are dropped.
fn split(text: &str) -> Vec<(&str, bool)> {
    raw_split(text)
        .into_iter()
        .filter_map(|(from, to)| {
            let token = text.get(from..to)?;
            let after_apostrophe = text.get(..from)?.ends_with(is_apostrophe);
            if after_apostrophe && CONTRACTION_TAILS.contains(&token.to_lowercase().as_str()) {
                return None;
            }
            Some((token, text.get(to..)?.starts_with(is_apostrophe)))
        })
        .collect()
}

/// The byte ranges of the tokens of `text`.
fn raw_split(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    for (k, &(at, c)) in chars.iter().enumerate() {
        let prev = k.checked_sub(1).and_then(|j| chars.get(j)).map(|&(_, p)| p);
        let next = chars.get(k + 1).map(|&(_, n)| n);
        let keeps = if c.is_alphanumeric() || MARKS.contains(&c) {
            true
        } else if c == ',' {
            prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit())
        } else if JOINERS.contains(&c) {
            prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric)
        } else {
            false
        };
        match (keeps, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                tokens.push((from, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        tokens.push((from, text.len()));
    }
    tokens
}

/// Lower case without accents; dots go from tokens without digits ("a.m", "n.º").
pub(super) fn fold(raw: &str) -> String {
    let has_digit = raw.chars().any(|c| c.is_ascii_digit());
    raw.chars()
        .flat_map(char::to_lowercase)
        .filter(|&c| has_digit || c != '.')
        .map(strip_accent)
        .collect()
}

fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// Whether a folded word is a stopword of any of the four languages. All four at once,
/// because customers mix them and short messages are often detected wrongly.
pub(super) fn is_stopword(folded: &str) -> bool {
    [
        GREETINGS_AND_THANKS,
        ENGLISH,
        SPANISH,
        ITALIAN,
        PORTUGUESE,
        SHOPPING,
    ]
    .iter()
    .any(|list| list.contains(&folded))
}

/// Greetings, thanks and politeness.
#[rustfmt::skip]
const GREETINGS_AND_THANKS: &[&str] = &[
    "hi", "hello", "hey", "good", "morning", "afternoon", "evening", "night", "thanks", "thank",
    "thx", "please", "pls", "plz", "cheers", "hola", "buenas", "buenos", "buena", "dias", "tardes",
    "noches", "gracias", "favor", "porfa", "porfavor", "xfa", "saludos", "ciao", "salve",
    "buongiorno", "buonasera", "buonanotte", "grazie", "cortesia", "piacere", "ola", "oi", "bom",
    "boa", "bons", "dia", "tarde", "noite", "obrigado", "obrigada", "valeu", "tudo", "bem",
    "muchas", "muchos", "mucho", "mucha", "tante", "tanto", "muita", "muitas", "muitos", "manana",
    "noche", "madrugada", "mattina", "mattino", "pomeriggio", "sera", "notte", "manha",
];

/// English function words, question words and the verbs of asking.
#[rustfmt::skip]
const ENGLISH: &[&str] = &[
    "i", "me", "my", "we", "us", "our", "you", "your", "it", "its", "a", "an", "the", "this",
    "that", "these", "those", "for", "of", "to", "in", "on", "at", "with", "from", "by", "about",
    "and", "or", "but", "some", "any", "there", "here", "is", "are", "am", "be", "been", "was",
    "were", "do", "does", "did", "have", "has", "had", "got", "get", "can", "could", "would",
    "will", "shall", "should", "may", "might", "must", "what", "which", "who", "how", "much",
    "many", "where", "when", "why", "whats", "also", "too", "just", "only", "so", "very", "if",
    "than", "then", "one", "ones", "something", "anything", "like", "want", "need", "looking",
    "look", "search", "searching", "find", "show", "see", "buy", "sell", "selling", "sold", "don",
    "doesn", "didn", "isn", "aren", "haven", "hasn", "won", "not", "no", "yes", "ok", "okay",
    "please", "kind", "sort", "type", "them", "they", "he", "she", "him", "her", "his", "let",
    "know", "tell", "wondering", "interested",
];

/// Spanish function words, question words and the verbs of asking.
#[rustfmt::skip]
const SPANISH: &[&str] = &[
    "yo", "mi", "mis", "nos", "nuestro", "nuestra", "tu", "tus", "te", "usted", "ustedes",
    "vosotros", "el", "la", "los", "las", "un", "una", "unos", "unas", "lo", "le", "les", "de",
    "del", "al", "en", "con", "para", "por", "sin", "sobre", "y", "u", "que", "si", "pero", "este",
    "esta", "estos", "estas", "ese", "esa", "esos", "esas", "algun", "alguno", "alguna", "algunos",
    "algunas", "algo", "hay", "es", "son", "esta", "estan", "muy", "mas", "tambien", "solo", "cual",
    "cuales", "cuanto", "cuanta", "cuantos", "cuantas", "como", "donde", "cuando", "teneis",
    "tienes", "tiene", "tienen", "tenes", "tengo", "vendeis", "vendes", "venden", "vende", "busco",
    "buscando", "buscaba", "quiero", "queria", "quisiera", "querria", "necesito", "necesitaba",
    "puedo", "podria", "podeis", "pueden", "puedes", "mostrar", "ensenar", "ensenais", "ver",
    "comprar", "saber", "gustaria", "me", "cuesta", "cuestan", "vale", "valen", "hacen", "hace",
    "viene", "vienen", "pues", "entonces", "bueno", "oye",
];

/// Italian function words (with the halves of elisions: "c'è", "dov'è", "l'"), question
/// words and the verbs of asking.
#[rustfmt::skip]
const ITALIAN: &[&str] = &[
    "io", "il", "lo", "i", "gli", "le", "uno", "di", "della", "dei", "delle", "degli", "dello",
    "alla", "ai", "alle", "agli", "da", "dal", "dalla", "dai", "nel", "nella", "nei", "nelle",
    "per", "su", "sul", "sulla", "tra", "fra", "e", "o", "che", "se", "ci", "ne", "non", "questo",
    "questa", "questi", "queste", "quello", "quella", "quelli", "quelle", "qualche", "qualcosa",
    "sono", "anche", "molto", "quale", "quali", "quanto", "quanta", "quanti", "quante", "come",
    "dove", "quando", "cosa", "avete", "hai", "ha", "hanno", "vendete", "cerco", "cercando",
    "voglio", "vorrei", "serve", "servono", "bisogno", "posso", "potete", "puoi", "mostrare",
    "vedere", "comprare", "sapere", "costa", "costano", "c", "dov", "quant", "all", "dell", "nell",
    "sull", "po", "mi", "ti", "vi", "allora", "ecco", "sa",
];

/// Portuguese function words, question words and the verbs of asking.
#[rustfmt::skip]
const PORTUGUESE: &[&str] = &[
    "eu", "meu", "minha", "ao", "aos", "voce", "voces", "os", "as", "um", "uma", "uns", "umas",
    "do", "dos", "das", "em", "no", "na", "nos", "nas", "pra", "pro", "pelo", "pela", "com", "sem",
    "ou", "esse", "essa", "isso", "isto", "algum", "alguma", "alguns", "algumas", "tem", "tens",
    "sao", "muito", "tambem", "qual", "quais", "onde", "quanto", "quantos", "vendem", "procuro",
    "procurando", "quero", "queria", "gostaria", "preciso", "podem", "pode", "existe", "existem",
    "custa", "custam", "ai", "entao", "ha", "vem",
];

/// Words about shopping and visiting the shop, which a catalog search would only be confused
/// by.
#[rustfmt::skip]
const SHOPPING: &[&str] = &[
    "come", "pick", "up", "collect", "pass", "drop", "stop", "visit", "pasar", "pasarme", "pasaria",
    "pasare", "paso", "recoger", "ir", "venir", "passare", "passo", "ritirare", "venire", "passar",
    "buscar", "lot", "mille", "va", "price", "prices", "cost", "costs", "cheap", "cheaper",
    "cheapest", "precio", "precios", "barato", "barata", "baratos", "baratas", "economico",
    "economica", "economicos", "economicas", "prezzo", "prezzi", "economici", "economiche", "preco",
    "precos", "baratinho", "stock", "estoque", "magazzino", "shop", "store", "tienda", "negozio",
    "loja", "euro", "euros", "eur", "€", "$", "£", "dollars", "usd", "products", "product",
    "producto", "productos", "prodotto", "prodotti", "produto", "produtos", "item", "items",
    "articulo", "articulos", "articolo", "articoli", "artigo", "artigos",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn raws(text: &str) -> Vec<&str> {
        Words::new(text).tokens.iter().map(|t| t.raw).collect()
    }

    #[test]
    fn punctuation_around_words_is_dropped_but_codes_and_numbers_stay_whole() {
        assert_eq!(
            raws("¿Tenéis el pedido VC-10234, a las 10:30? (49,99€) ok..."),
            [
                "Tenéis", "el", "pedido", "VC-10234", "a", "las", "10:30", "49,99€", "ok"
            ]
        );
    }

    #[test]
    fn a_comma_between_words_splits_them() {
        assert_eq!(
            raws("cascos,guantes y 1,5"),
            ["cascos", "guantes", "y", "1,5"]
        );
    }

    #[test]
    fn apostrophes_split_elisions_and_drop_contraction_tails() {
        assert_eq!(
            raws("dov'è l'ordine? don’t I'm"),
            ["dov", "è", "l", "ordine", "don", "I"]
        );
        let words = Words::new("l'ordine");
        assert!(words.token(0).is_some_and(|t| t.elided));
        assert!(!words.is_content(0));
        assert!(words.is_content(1));
    }

    #[test]
    fn emoji_separate_words_like_spaces() {
        assert_eq!(raws("casco🚲rojo 👍"), ["casco", "rojo"]);
    }

    #[test]
    fn folding_removes_case_accents_and_the_dots_of_abbreviations() {
        assert_eq!(fold("Tenéis"), "teneis");
        assert_eq!(fold("LUNEDÌ"), "lunedi");
        assert_eq!(fold("a.m"), "am");
        assert_eq!(fold("15.30"), "15.30");
        assert_eq!(fold("Amanhã"), "amanha");
    }

    #[test]
    fn a_used_token_no_longer_starts_a_phrase() {
        let mut words = Words::new("más de 100");
        assert_eq!(words.phrase_at(0, "mas de"), Some(2));
        words.consume(1, 2);
        assert_eq!(words.phrase_at(0, "mas de"), None);
    }
}
