//! Sentiment of a message: polarity in [-1, 1], a label, and intensity in [0, 1].
//!
//! Two signals, usable alone or together ([`SentimentMethod`]):
//!
//! - A lexicon with rules (`sentiment_lexicon.txt`, hand-written for en/es/it/pt, emoji and
//!   emoticons): valences summed over words, with negation ("no está mal", "non è buono",
//!   "not good", "não gostei" flip and soften), intensifiers and softeners ("muy", "molto",
//!   "really", "un poco"), a "but" that shifts weight to the second clause, words in capitals
//!   and elongated words ("muuuy", "buenooo") stressed, "!!!" and a message in capitals
//!   (shouting) raising both polarity and intensity. Rules in the spirit of VADER (Hutto &
//!   Gilbert 2014), our own implementation and word lists.
//! - Prototypes: the message's query embedding compared with hand-written positive, negative
//!   and neutral seed phrases (`sentiment_seeds.toml`), so sentiment the lexicon has no word
//!   for still counts. It reuses the embedding the intent classifier needs.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use charla_knowledge::{EmbedRole, Embedder};
use serde::{Deserialize, Serialize};

use super::UnderstandingError;
use super::intent::{dot, text_for_embedding};

/// The hand-written lexicon (format described at its top).
pub const LEXICON: &str = include_str!("sentiment_lexicon.txt");
/// The hand-written seed phrases of the prototype method.
pub const SEEDS_TOML: &str = include_str!("sentiment_seeds.toml");

/// The sentiment of a message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// -1 (very negative) to 1 (very positive); 0 is neutral.
    pub polarity: f32,
    /// The polarity put in three classes.
    pub label: SentimentLabel,
    /// 0 (calm) to 1 (very strong feeling, or shouting): how strongly it is felt, whatever
    /// the direction.
    pub intensity: f32,
}

/// Negative, neutral or positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    /// Polarity at or below minus the threshold.
    Negative,
    /// In between.
    Neutral,
    /// Polarity at or above the threshold.
    Positive,
}

/// Which signals decide the polarity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum SentimentMethod {
    /// The lexicon and rules only (no embedding needed).
    Lexicon,
    /// The seed prototypes only.
    Prototypes,
    /// The prototypes, with the lexicon's polarity as evidence: it shifts the positive and
    /// negative logits of the prototype softmax by ±`lexicon_bias` × lexicon polarity.
    Combined {
        /// How much the lexicon counts (0 = prototypes alone).
        lexicon_bias: f32,
    },
}

/// How polarity becomes a label, and which method is used.
///
/// The defaults were chosen on the validation split of tweet_sentiment_multilingual (es, it,
/// pt, en): method, gain, k, bias and the two thresholds; only these six numbers come from it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SentimentConfig {
    /// Which signals are used.
    pub method: SentimentMethod,
    /// |polarity| at or above this is positive or negative, when prototypes take part.
    pub threshold: f32,
    /// The same for the lexicon alone (its polarity has another scale), also used when a
    /// message comes without an embedding.
    pub lexicon_threshold: f32,
    /// The inverse temperature of the softmax over the three classes' similarities: e5
    /// similarities differ by hundredths, so it is large.
    pub prototype_gain: f32,
    /// Seeds averaged per class (the closest ones).
    pub prototype_k: usize,
}

impl Default for SentimentConfig {
    fn default() -> Self {
        Self {
            method: SentimentMethod::Combined { lexicon_bias: 4.0 },
            threshold: 0.75,
            lexicon_threshold: 0.15,
            prototype_gain: 200.0,
            prototype_k: 24,
        }
    }
}

/// Scores messages. The lexicon is shared by every analyser; prototypes belong to the
/// embedder they were built with.
#[derive(Clone)]
pub struct SentimentAnalyzer {
    config: SentimentConfig,
    prototypes: Option<Arc<Prototypes>>,
}

impl std::fmt::Debug for SentimentAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentimentAnalyzer")
            .field("config", &self.config)
            .field(
                "prototypes",
                &self.prototypes.as_ref().map(|p| p.embedder_id.as_str()),
            )
            .finish()
    }
}

impl SentimentAnalyzer {
    /// The lexicon and rules alone: no model, no embedding (see
    /// [`SentimentConfig::lexicon_threshold`]).
    pub fn lexicon() -> Self {
        Self {
            config: SentimentConfig {
                method: SentimentMethod::Lexicon,
                ..SentimentConfig::default()
            },
            prototypes: None,
        }
    }

    /// An analyser with `config`; when it uses prototypes, the seed phrases are embedded with
    /// `embedder` (one batched call).
    ///
    /// Errors: [`UnderstandingError::Embed`] when the seeds cannot be embedded.
    pub async fn with_config(
        embedder: &Arc<dyn Embedder>,
        config: SentimentConfig,
    ) -> Result<Self, UnderstandingError> {
        let prototypes = match config.method {
            SentimentMethod::Lexicon => None,
            SentimentMethod::Prototypes | SentimentMethod::Combined { .. } => {
                Some(Arc::new(Prototypes::build(embedder.as_ref()).await?))
            }
        };
        Ok(Self { config, prototypes })
    }

    /// The default analyser ([`SentimentConfig::default`]), built with `embedder`.
    ///
    /// Errors: as [`SentimentAnalyzer::with_config`].
    pub async fn new(embedder: &Arc<dyn Embedder>) -> Result<Self, UnderstandingError> {
        Self::with_config(embedder, SentimentConfig::default()).await
    }

    /// The same prototypes with another configuration (the method must not need prototypes
    /// this analyser lacks; if it does, the lexicon decides alone).
    pub fn reconfigured(&self, config: SentimentConfig) -> Self {
        Self {
            config,
            prototypes: self.prototypes.clone(),
        }
    }

    /// The mean similarity of a query embedding to the closest negative, neutral and
    /// positive seeds (in that order), or `None` without prototypes or for a vector of the
    /// wrong size. For evaluations and debugging.
    pub fn prototype_similarities(&self, embedding: &[f32]) -> Option<[f32; 3]> {
        let prototypes = self.prototypes.as_ref()?;
        (embedding.len() == prototypes.dims)
            .then(|| prototypes.class_scores(embedding, self.config.prototype_k))
    }

    /// How it decides.
    pub fn config(&self) -> &SentimentConfig {
        &self.config
    }

    /// The id of the embedder whose query vectors it wants, if it uses any.
    pub fn embedding_model(&self) -> Option<&str> {
        match self.config.method {
            SentimentMethod::Lexicon => None,
            _ => self.prototypes.as_ref().map(|p| p.embedder_id.as_str()),
        }
    }

    /// The sentiment of `text` written in `language` (ISO 639-1). `embedding` is the text's
    /// query embedding by [`SentimentAnalyzer::embedding_model`] (see
    /// [`text_for_embedding`]); without it, or with one of the wrong size, the lexicon decides
    /// alone.
    pub fn analyze(&self, text: &str, language: &str, embedding: Option<&[f32]>) -> Sentiment {
        let lexical = lexicon_score(text, language);
        let bias = match self.config.method {
            SentimentMethod::Lexicon => None,
            SentimentMethod::Prototypes => Some(0.0),
            SentimentMethod::Combined { lexicon_bias } => Some(lexicon_bias * lexical.polarity),
        };
        let prototype = match (&self.prototypes, embedding, bias) {
            (Some(prototypes), Some(vector), Some(bias)) if vector.len() == prototypes.dims => {
                Some(prototypes.polarity(
                    vector,
                    self.config.prototype_k,
                    self.config.prototype_gain,
                    bias,
                ))
            }
            _ => None,
        };
        let (polarity, threshold) = match prototype {
            Some(p) => (p, self.config.threshold),
            None => (lexical.polarity, self.config.lexicon_threshold),
        };
        let polarity = polarity.clamp(-1.0, 1.0);
        let label = if polarity >= threshold {
            SentimentLabel::Positive
        } else if polarity <= -threshold {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        };
        Sentiment {
            polarity,
            label,
            // Either signal alone can make a message intense: a shouted question is, even
            // without a sentiment word.
            intensity: 1.0 - (1.0 - polarity.abs()) * (1.0 - lexical.arousal),
        }
    }
}

/// Seed phrases embedded once, by class.
struct Prototypes {
    embedder_id: String,
    dims: usize,
    /// Row-major vectors of each class's seeds: negative, neutral, positive.
    classes: [Vec<f32>; 3],
}

#[derive(Deserialize)]
struct SeedLanguage {
    positive: Vec<String>,
    negative: Vec<String>,
    neutral: Vec<String>,
}

impl Prototypes {
    async fn build(embedder: &dyn Embedder) -> Result<Self, UnderstandingError> {
        let seeds: HashMap<String, SeedLanguage> =
            toml::from_str(SEEDS_TOML).map_err(|e| UnderstandingError::Seeds(e.to_string()))?;
        let mut texts = Vec::new();
        let mut classes_of = Vec::new();
        for language in seeds.values() {
            for (class, phrases) in [&language.negative, &language.neutral, &language.positive]
                .into_iter()
                .enumerate()
            {
                for phrase in phrases {
                    texts.push(text_for_embedding(phrase));
                    classes_of.push(class);
                }
            }
        }
        let vectors = embedder.embed(&texts, EmbedRole::Query).await?;
        let dims = embedder.dims();
        let mut classes: [Vec<f32>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for (vector, &class) in vectors.iter().zip(&classes_of) {
            if vector.len() == dims {
                classes[class].extend_from_slice(vector);
            }
        }
        Ok(Self {
            embedder_id: embedder.id().to_string(),
            dims,
            classes,
        })
    }

    /// Mean of the `k` best similarities per class: negative, neutral, positive.
    fn class_scores(&self, query: &[f32], k: usize) -> [f32; 3] {
        let mut scores = [0.0; 3];
        for (score, vectors) in scores.iter_mut().zip(&self.classes) {
            let mut similarities: Vec<f32> = vectors
                .chunks_exact(self.dims)
                .map(|row| dot(row, query))
                .collect();
            similarities.sort_by(|a, b| b.total_cmp(a));
            let take = k.clamp(1, similarities.len().max(1));
            let top = &similarities[..take.min(similarities.len())];
            *score = if top.is_empty() {
                0.0
            } else {
                top.iter().sum::<f32>() / top.len() as f32
            };
        }
        scores
    }

    /// P(positive) − P(negative) under a softmax of the class similarities × `gain`, with
    /// `bias` added to the positive logit and taken from the negative one: close to a neutral
    /// seed, both probabilities shrink and polarity goes to 0.
    fn polarity(&self, query: &[f32], k: usize, gain: f32, bias: f32) -> f32 {
        let [negative, neutral, positive] = self.class_scores(query, k);
        let logits = [
            gain * negative - bias,
            gain * neutral,
            gain * positive + bias,
        ];
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let [negative, neutral, positive] = logits.map(|l| (l - top).exp());
        (positive - negative) / (negative + neutral + positive)
    }
}

/// What the lexicon and the rules make of a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LexiconScore {
    /// The normalised sum of valences, in (-1, 1).
    pub polarity: f32,
    /// 0 to 1: shouting, "!!!", words in capitals, elongated words.
    pub arousal: f32,
}

/// The lexicon-and-rules score of `text` in `language`.
pub fn lexicon_score(text: &str, language: &str) -> LexiconScore {
    let lexicon = lexicon();
    let tokens = tokenize(text);
    let letters_upper = text.chars().filter(|c| c.is_uppercase()).count();
    let letters_lower = text.chars().filter(|c| c.is_lowercase()).count();
    let shouting = letters_upper >= 4 && letters_lower == 0;
    let words = FunctionWords::of(language);

    let mut valences: Vec<f32> = vec![0.0; tokens.len()];
    let mut caps_word = false;
    let mut elongated_word = false;
    let mut contrast_at: Option<usize> = None;
    let mut skip = 0;
    for i in 0..tokens.len() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let (mut valence, consumed) = match &tokens[i] {
            Token::Word(word) => {
                if words.contrast(&word.norm) {
                    contrast_at = Some(i);
                }
                lexicon.lookup(&tokens, i, language)
            }
            Token::Symbol(symbol) => (lexicon.symbol(symbol), 0),
            Token::Boundary(_) => (0.0, 0),
        };
        skip = consumed;
        if valence == 0.0 {
            continue;
        }
        if let Token::Word(word) = &tokens[i] {
            if word.all_caps && !shouting {
                valence += valence.signum() * 0.733;
                caps_word = true;
            }
            if word.elongated {
                valence += valence.signum() * 0.5;
                elongated_word = true;
            }
            valence = apply_modifiers(valence, &tokens, i, &words);
        }
        valences[i] = valence;
    }
    if let Some(at) = contrast_at {
        for (i, valence) in valences.iter_mut().enumerate() {
            *valence *= if i < at { 0.5 } else { 1.5 };
        }
    }
    let mut sum: f32 = valences.iter().sum();
    let exclamations = text.chars().filter(|&c| c == '!' || c == '¡').count();
    let questions = text.chars().filter(|&c| c == '?').count();
    if sum != 0.0 {
        sum += sum.signum() * exclamations.min(4) as f32 * 0.292;
        if questions > 1 {
            sum += sum.signum() * questions.min(4) as f32 * 0.18;
        }
        if shouting {
            sum *= 1.3;
        }
    }
    let polarity = sum / (sum * sum + 15.0).sqrt();
    let arousal = (if shouting { 0.4 } else { 0.0 }
        + 0.15 * exclamations.min(3) as f32
        + if questions > 1 { 0.1 } else { 0.0 }
        + if caps_word { 0.2 } else { 0.0 }
        + if elongated_word { 0.2 } else { 0.0 })
    .min(1.0);
    LexiconScore { polarity, arousal }
}

/// Negation, boosters and softeners in the three words before a valenced word (not across
/// a comma or a full stop).
fn apply_modifiers(valence: f32, tokens: &[Token], at: usize, words: &FunctionWords) -> f32 {
    let mut scaled = valence;
    let mut negated = false;
    let mut seen = 0;
    for token in tokens[..at].iter().rev() {
        let word = match token {
            Token::Word(word) => word,
            Token::Boundary(_) => break,
            Token::Symbol(_) => continue,
        };
        seen += 1;
        if seen > 3 {
            break;
        }
        let decay = [1.0, 0.95, 0.9][seen - 1];
        let norm = word.norm.as_str();
        if words.negator(norm) || norm.ends_with("n't") || EN_NT.contains(&norm) {
            negated = true;
        } else if words.booster(norm) {
            let mut boost = 0.293 * decay;
            if word.all_caps {
                boost += 0.2;
            }
            scaled += valence.signum() * boost;
        } else if words.softener(norm) {
            scaled -= valence.signum() * 0.293 * decay;
        }
    }
    if negated { scaled * -0.74 } else { scaled }
}

/// English negations written without the apostrophe.
const EN_NT: &[&str] = &[
    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant", "couldnt", "wont",
    "wouldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint",
];

/// The words that change other words' valence in one language.
struct Lists {
    negators: &'static [&'static str],
    boosters: &'static [&'static str],
    softeners: &'static [&'static str],
    contrast: &'static [&'static str],
}

const EN: Lists = Lists {
    negators: EN_NEGATORS,
    boosters: EN_BOOSTERS,
    softeners: EN_SOFTENERS,
    contrast: EN_CONTRAST,
};
const ES: Lists = Lists {
    negators: ES_NEGATORS,
    boosters: ES_BOOSTERS,
    softeners: ES_SOFTENERS,
    contrast: ES_CONTRAST,
};
const IT: Lists = Lists {
    negators: IT_NEGATORS,
    boosters: IT_BOOSTERS,
    softeners: IT_SOFTENERS,
    contrast: IT_CONTRAST,
};
const PT: Lists = Lists {
    negators: PT_NEGATORS,
    boosters: PT_BOOSTERS,
    softeners: PT_SOFTENERS,
    contrast: PT_CONTRAST,
};

/// The function words that apply to a message.
struct FunctionWords {
    lists: &'static [&'static Lists],
}

impl FunctionWords {
    /// The language's words plus English ones (mixed-language messages are common); for a
    /// language without lists, all four languages'.
    fn of(language: &str) -> Self {
        let lists: &'static [&'static Lists] = match language {
            "es" => &[&EN, &ES],
            "it" => &[&EN, &IT],
            "pt" => &[&EN, &PT],
            "en" => &[&EN],
            _ => &[&EN, &ES, &IT, &PT],
        };
        Self { lists }
    }

    fn any(&self, word: &str, list: impl Fn(&Lists) -> &'static [&'static str]) -> bool {
        self.lists.iter().any(|l| list(l).contains(&word))
    }

    fn negator(&self, word: &str) -> bool {
        self.any(word, |l| l.negators)
    }

    fn booster(&self, word: &str) -> bool {
        self.any(word, |l| l.boosters)
    }

    fn softener(&self, word: &str) -> bool {
        self.any(word, |l| l.softeners)
    }

    fn contrast(&self, word: &str) -> bool {
        self.any(word, |l| l.contrast)
    }
}

// Function words, written without accents (words are matched accent-free).
const EN_NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nothing", "nobody", "neither", "nor", "none", "cannot",
];
const EN_BOOSTERS: &[&str] = &[
    "pretty",
    "very",
    "really",
    "so",
    "too",
    "extremely",
    "super",
    "totally",
    "absolutely",
    "completely",
    "incredibly",
    "most",
    "such",
    "soo",
    "sooo",
    "truly",
    "highly",
    "fucking",
    "damn",
    "quite",
];
const EN_SOFTENERS: &[&str] = &[
    "bit", "little", "slightly", "somewhat", "kinda", "kind", "sort", "barely", "hardly", "almost",
    "fairly",
];
const EN_CONTRAST: &[&str] = &["but", "however", "although", "though"];

const ES_NEGATORS: &[&str] = &[
    "no", "nunca", "jamas", "ni", "nada", "sin", "tampoco", "nadie", "ningun", "ninguna", "ninguno",
];
const ES_BOOSTERS: &[&str] = &[
    "muy",
    "mucho",
    "mucha",
    "muchisimo",
    "super",
    "re",
    "bastante",
    "tan",
    "tanto",
    "demasiado",
    "totalmente",
    "realmente",
    "increiblemente",
    "sumamente",
    "extremadamente",
    "mas",
    "todo",
    "mazo",
    "bien",
    "absolutamente",
];
const ES_SOFTENERS: &[&str] = &["poco", "algo", "casi", "medio", "ligeramente", "apenas"];
const ES_CONTRAST: &[&str] = &["pero", "aunque", "sino"];

const IT_NEGATORS: &[&str] = &[
    "non", "mai", "niente", "nulla", "senza", "nessuno", "nessuna", "neanche", "nemmeno",
    "neppure", "no",
];
const IT_BOOSTERS: &[&str] = &[
    "molto",
    "troppo",
    "tanto",
    "tanta",
    "davvero",
    "veramente",
    "proprio",
    "super",
    "estremamente",
    "assolutamente",
    "totalmente",
    "cosi",
    "piu",
    "parecchio",
    "incredibilmente",
    "tutto",
];
const IT_SOFTENERS: &[&str] = &["poco", "po", "quasi", "abbastanza", "leggermente", "appena"];
const IT_CONTRAST: &[&str] = &["ma", "pero", "tuttavia"];

const PT_NEGATORS: &[&str] = &[
    "nao", "nunca", "jamais", "nem", "nada", "sem", "ninguem", "nenhum", "nenhuma", "tampouco",
];
const PT_BOOSTERS: &[&str] = &[
    "muito",
    "muita",
    "muitissimo",
    "super",
    "tao",
    "tanto",
    "demais",
    "bem",
    "bastante",
    "totalmente",
    "realmente",
    "extremamente",
    "mega",
    "mais",
    "completamente",
    "absolutamente",
];
const PT_SOFTENERS: &[&str] = &["pouco", "meio", "quase", "ligeiramente", "mal"];
const PT_CONTRAST: &[&str] = &["mas", "porem", "contudo", "embora", "entretanto"];

/// A piece of a message.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A word.
    Word(Word),
    /// An emoji or an emoticon, as written (lower-cased, variation selectors dropped).
    Symbol(String),
    /// Punctuation that ends a clause: negation does not reach across it.
    Boundary(char),
}

#[derive(Debug, Clone, PartialEq)]
struct Word {
    /// Lower-case, accents removed (ñ kept).
    norm: String,
    /// Written in capitals (two letters or more).
    all_caps: bool,
    /// Had a letter three times in a row ("muuuy").
    elongated: bool,
}

/// Emoticons, longest first so ">:(" is not read as ":(".
const EMOTICONS: &[&str] = &[
    ">:(", ":'(", ":-)", ":-(", ":-/", ":-d", "^_^", ":)", ":(", ":d", ";)", ";-)", ":p", ":/",
    ":|", "<3", "^^", "=)", "=(",
];

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || ((chars[i] == '\'' || chars[i] == '’')
                        && i + 1 < chars.len()
                        && chars[i + 1].is_alphanumeric()))
            {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            // "xD" and "XD" are laughter, not a word.
            if raw == "xD" || raw == "XD" || raw == "xd" {
                tokens.push(Token::Symbol("xd".into()));
                continue;
            }
            tokens.push(Token::Word(word(&raw)));
            continue;
        }
        if let Some(emoticon) = EMOTICONS.iter().find(|e| {
            let len = e.chars().count();
            i + len <= chars.len()
                && chars[i..i + len]
                    .iter()
                    .flat_map(|c| c.to_lowercase())
                    .eq(e.chars())
                // ":p" and ":d" must not be the start of a word (":pedido").
                && chars.get(i + len).is_none_or(|next| !next.is_alphanumeric())
        }) {
            tokens.push(Token::Symbol((*emoticon).to_string()));
            i += emoticon.chars().count();
            continue;
        }
        if is_emoji(c) {
            tokens.push(Token::Symbol(c.to_string()));
        } else if matches!(
            c,
            ',' | '.' | ';' | ':' | '!' | '?' | '\n' | '¡' | '¿' | '(' | ')'
        ) {
            tokens.push(Token::Boundary(c));
        }
        i += 1;
    }
    tokens
}

fn word(raw: &str) -> Word {
    let letters: Vec<char> = raw.chars().filter(|c| c.is_alphabetic()).collect();
    let all_caps = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
    let lower = raw.to_lowercase();
    let mut norm = String::with_capacity(lower.len());
    let mut elongated = false;
    let mut run = 0;
    let mut previous = None;
    for c in lower.chars().map(strip_accent) {
        if Some(c) == previous && c.is_alphabetic() {
            run += 1;
            if run >= 2 {
                elongated = true;
            }
        } else {
            run = 0;
        }
        previous = Some(c);
        norm.push(if c == '’' { '\'' } else { c });
    }
    Word {
        norm,
        all_caps,
        elongated,
    }
}

fn strip_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        other => other,
    }
}

/// Emoji blocks and the few older symbols used as emoji (♥, ☺, ✨, ❤...).
fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55)
}

/// The parsed lexicon.
struct Lexicon {
    /// Per section ("any", "en", ...): exact words.
    words: HashMap<String, HashMap<String, f32>>,
    /// Per section: stems (without the `*`).
    stems: HashMap<String, HashMap<String, f32>>,
    /// Per section: phrases, words joined by one space.
    phrases: HashMap<String, HashMap<String, f32>>,
    /// The first word of every phrase, so most words skip the phrase search.
    phrase_starts: std::collections::HashSet<String>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON_PARSED: OnceLock<Lexicon> = OnceLock::new();
    LEXICON_PARSED.get_or_init(|| Lexicon::parse(LEXICON))
}

impl Lexicon {
    /// Parses the format described at the top of the lexicon file; malformed entries are
    /// skipped (a unit test checks that the shipped file has none).
    fn parse(text: &str) -> Self {
        let mut lexicon = Self {
            words: HashMap::new(),
            stems: HashMap::new(),
            phrases: HashMap::new(),
            phrase_starts: std::collections::HashSet::new(),
        };
        let mut section = String::from("any");
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
                continue;
            }
            for entry in parse_entries(line) {
                let (key, value) = entry;
                let key: String = key.to_lowercase().chars().map(strip_accent).collect();
                let key = key.replace(['\u{FE0F}'], "");
                let target = if key.contains('_') {
                    &mut lexicon.phrases
                } else if key.ends_with('*') && key.len() > 1 {
                    &mut lexicon.stems
                } else {
                    &mut lexicon.words
                };
                let key = key.trim_end_matches('*').replace('_', " ");
                if let Some((first, _)) = key.split_once(' ') {
                    lexicon.phrase_starts.insert(first.to_string());
                }
                target
                    .entry(section.clone())
                    .or_default()
                    .insert(key, value);
            }
        }
        lexicon
    }

    fn symbol(&self, symbol: &str) -> f32 {
        self.words
            .get("any")
            .and_then(|w| w.get(symbol))
            .copied()
            .unwrap_or(0.0)
    }

    /// The valence of the word at `at` (or of a phrase starting there) and how many more
    /// tokens the phrase used.
    fn lookup(&self, tokens: &[Token], at: usize, language: &str) -> (f32, usize) {
        let sections: &[&str] = match language {
            "es" => &["es", "any", "en"],
            "it" => &["it", "any", "en"],
            "pt" => &["pt", "any", "en"],
            "en" => &["en", "any"],
            _ => &["en", "any", "es", "it", "pt"],
        };
        let starts_phrase =
            matches!(tokens.get(at), Some(Token::Word(w)) if self.phrase_starts.contains(&w.norm));
        // Phrases of two to four words, longest first.
        for length in [4, 3, 2].into_iter().filter(|_| starts_phrase) {
            let words: Option<Vec<&str>> = tokens
                .get(at..at + length)
                .map(|slice| {
                    slice
                        .iter()
                        .map(|t| match t {
                            Token::Word(w) => Some(w.norm.as_str()),
                            _ => None,
                        })
                        .collect::<Option<Vec<&str>>>()
                })
                .unwrap_or(None);
            if let Some(words) = words {
                let phrase = words.join(" ");
                for section in sections {
                    if let Some(&v) = self.phrases.get(*section).and_then(|p| p.get(&phrase)) {
                        return (v, length - 1);
                    }
                }
            }
        }
        let Some(Token::Word(word)) = tokens.get(at) else {
            return (0.0, 0);
        };
        if let Some(laugh) = laughter(&word.norm) {
            return (laugh, 0);
        }
        let mut candidates = vec![word.norm.clone()];
        if word.elongated {
            candidates.push(collapse_runs(&word.norm, 1));
            candidates.push(collapse_runs(&word.norm, 2));
        }
        // "l'odio", "dell'amore": the part after an elision.
        if let Some((_, tail)) = word.norm.split_once('\'')
            && tail.chars().count() > 2
        {
            candidates.push(tail.to_string());
        }
        for (index, section) in sections.iter().enumerate() {
            // English as a second lexicon only for words too long to be another language's
            // function word.
            let fallback = index > 1;
            for candidate in &candidates {
                if fallback && candidate.chars().count() < 4 {
                    continue;
                }
                if let Some(&v) = self.words.get(*section).and_then(|w| w.get(candidate)) {
                    return (if fallback { v * 0.8 } else { v }, 0);
                }
                if let Some(stems) = self.stems.get(*section) {
                    let chars: Vec<(usize, char)> = candidate.char_indices().collect();
                    for n in (3..=chars.len()).rev() {
                        let end = chars.get(n).map_or(candidate.len(), |&(b, _)| b);
                        if let Some(&v) = stems.get(&candidate[..end]) {
                            return (if fallback { v * 0.8 } else { v }, 0);
                        }
                    }
                }
            }
        }
        (0.0, 0)
    }
}

/// "jajaja", "hahaha", "kkkk", "ahahah", "rsrs", "jeje", "hehe": laughter, mildly positive.
fn laughter(norm: &str) -> Option<f32> {
    let chars: Vec<char> = norm.chars().collect();
    if chars.len() < 3 {
        return None;
    }
    let only = |set: &[char]| chars.iter().all(|c| set.contains(c));
    let alternating =
        |a: char, b: char| only(&[a, b]) && chars.windows(2).filter(|w| w[0] != w[1]).count() >= 2;
    let is_laugh = (only(&['k']) && chars.len() >= 3)
        || alternating('j', 'a')
        || alternating('j', 'e')
        || alternating('h', 'a')
        || alternating('h', 'e')
        || alternating('r', 's')
        || alternating('a', 'h')
        || norm == "lol"
        || norm == "lmao";
    is_laugh.then_some(1.5)
}

/// `word` with runs of a repeated letter cut to `keep` letters.
fn collapse_runs(word: &str, keep: usize) -> String {
    let mut out = String::with_capacity(word.len());
    let mut previous = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == previous {
            run += 1;
        } else {
            run = 1;
            previous = Some(c);
        }
        if run <= keep {
            out.push(c);
        }
    }
    out
}

/// `word value` pairs of one line, separated by commas.
fn parse_entries(line: &str) -> Vec<(&str, f32)> {
    line.split(", ")
        .filter_map(|entry| {
            let entry = entry.trim().trim_end_matches(',');
            let (key, value) = entry.rsplit_once(' ')?;
            Some((key.trim(), value.trim().parse::<f32>().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_line_of_the_lexicon_parses() {
        for line in LEXICON.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let expected = line.trim_end_matches(',').split(", ").count();
            assert_eq!(parse_entries(line).len(), expected, "{line}");
        }
        let parsed = lexicon();
        for section in ["any", "en", "es", "it", "pt"] {
            let count = parsed.words.get(section).map_or(0, HashMap::len)
                + parsed.stems.get(section).map_or(0, HashMap::len);
            assert!(count >= 40, "{section}: {count}");
        }
    }

    #[test]
    fn elongated_and_accentless_words_are_found() {
        let tokens = tokenize("buenooo pesimo");
        assert_eq!(lexicon().lookup(&tokens, 0, "es").0, 1.9);
        assert_eq!(lexicon().lookup(&tokens, 1, "es").0, -3.0);
    }

    #[test]
    fn laughter_is_recognised_in_each_language() {
        for laugh in ["jajaja", "hahaha", "kkkkk", "ahahah", "rsrs", "jejeje"] {
            assert!(laughter(laugh).is_some(), "{laugh}");
        }
        for word in ["jaula", "hola", "kiwi", "ha"] {
            assert!(laughter(word).is_none(), "{word}");
        }
    }

    #[test]
    fn emoticons_are_not_read_inside_words() {
        let tokens = tokenize("pedido:pendiente :) :D");
        let symbols: Vec<_> = tokens
            .iter()
            .filter_map(|t| match t {
                Token::Symbol(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(symbols, [":)", ":d"]);
    }
}
