//! `sentiment:tweets`: macro-F1 of charla's sentiment labels on the test split of
//! tweet_sentiment_multilingual (Barbieri et al. 2022, "XLM-T"), per language: es, it, pt,
//! en. `sentiment:tweets:es,it` runs some of them.
//!
//! The tweets go through the product's own understanding
//! ([`charla_agent::runtime::understander`] with the built-in intents and the local model):
//! each tweet's language is detected with the dataset's language as the conversation's, the
//! tweet is embedded once, and the default [`SentimentAnalyzer`] labels it. Nothing is tuned
//! here; the analyser's six numbers were chosen on the validation split (see
//! `SentimentConfig`). The tweets are read from the shared folder and never copied: their
//! licences allow research use only, so the failures quoted in a report stay in the project.
//!
//! [`SentimentAnalyzer`]: charla_agent::understanding::SentimentAnalyzer

use crate::embedding::MemoEmbedder;
use crate::metrics::classification::{self, ClassScores, Confusion, Pair};
use crate::sample;
use anyhow::{Context, Result, bail, ensure};
use charla_agent::understanding::intent::text_for_embedding;
use charla_agent::understanding::{IntentSet, SentimentConfig, SentimentLabel};
use charla_knowledge::{EmbedRole, Embedder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The suite's name (and its metrics' prefix).
pub const SUITE: &str = "sentiment:tweets";
/// Misclassified tweets listed per language.
const FAILURES: usize = 5;

/// A language of the dataset that charla serves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Language {
    /// ISO 639-1 code, the metric's middle part.
    pub code: &'static str,
    /// The dataset's folder.
    pub folder: &'static str,
    /// Published macro-F1 on test (fractions): FastText mono, XLM-R mono, XLM-Tw mono, XLM-R
    /// multi, XLM-Tw multi.
    published: [f64; 5],
}

/// The languages, in report order.
pub const LANGUAGES: [Language; 4] = [
    Language {
        code: "es",
        folder: "spanish",
        published: [0.501, 0.659, 0.685, 0.660, 0.679],
    },
    Language {
        code: "it",
        folder: "italian",
        published: [0.547, 0.715, 0.709, 0.686, 0.691],
    },
    Language {
        code: "pt",
        folder: "portuguese",
        published: [0.551, 0.671, 0.760, 0.698, 0.754],
    },
    Language {
        code: "en",
        folder: "english",
        published: [0.509, 0.682, 0.669, 0.685, 0.706],
    },
];

/// The source of the published figures.
pub const PUBLISHED_SOURCE: &str =
    "Barbieri et al. 2022 (XLM-T, LREC), xlm-t README \"UMSAB Results\", via the dataset README";

/// The languages of a suite name: `sentiment:tweets` is all of them,
/// `sentiment:tweets:es,pt` the ones listed.
///
/// Errors: an unknown language code (the message lists the known ones).
pub fn languages(suite: &str) -> Result<Vec<Language>> {
    let Some(rest) = suite.strip_prefix(SUITE) else {
        bail!("{suite:?} is not a {SUITE} suite");
    };
    if rest.is_empty() {
        return Ok(LANGUAGES.to_vec());
    }
    let Some(list) = rest.strip_prefix(':') else {
        bail!("{suite:?}: expected {SUITE} or {SUITE}:LANG[,LANG...]");
    };
    let mut chosen: Vec<Language> = Vec::new();
    for code in list.split(',').map(str::trim) {
        let Some(language) = LANGUAGES.iter().find(|l| l.code == code) else {
            bail!(
                "{suite:?}: unknown language {code:?}; known: {}",
                LANGUAGES.map(|l| l.code).join(", ")
            );
        };
        if !chosen.contains(language) {
            chosen.push(*language);
        }
    }
    Ok(chosen)
}

/// One line of `<language>/test.jsonl`.
#[derive(Debug, Deserialize)]
struct Tweet {
    text: String,
    /// 0 negative, 1 neutral, 2 positive (the TweetEval mapping).
    label: u8,
    label_name: Option<String>,
}

/// Published macro-F1 of one language (Barbieri et al. 2022), as fractions.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedSentiment {
    /// FastText trained on the language alone.
    pub fasttext_mono: f64,
    /// XLM-R fine-tuned on the language alone.
    pub xlm_r_mono: f64,
    /// XLM-T (XLM-R further trained on tweets) fine-tuned on the language alone.
    pub xlm_tw_mono: f64,
    /// XLM-R fine-tuned on all eight languages.
    pub xlm_r_multi: f64,
    /// XLM-T fine-tuned on all eight languages.
    pub xlm_tw_multi: f64,
}

/// A misclassified tweet.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentFailure {
    /// The tweet (user names are already `@user` in the dataset).
    pub text: String,
    /// Its label.
    pub gold: String,
    /// charla's label.
    pub predicted: String,
    /// charla's polarity in [-1, 1].
    pub polarity: f32,
    /// The language charla detected.
    pub detected_language: String,
}

/// The scores of one language.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageScores {
    /// ISO 639-1 code.
    pub language: String,
    /// Tweets scored.
    pub tweets: usize,
    /// Tweets in the test split.
    pub test_split_size: usize,
    /// Macro-F1 over negative, neutral and positive (the benchmark's metric).
    pub macro_f1: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// Share of tweets whose detected language is the dataset's.
    pub language_match: f64,
    /// Precision, recall and F1 per label.
    pub per_class: Vec<ClassScores>,
    /// The errors by (gold, predicted), most frequent first.
    pub confused_pairs: Vec<Confusion>,
    /// The worst errors: opposite polarity first, then the strongest polarity.
    pub failures: Vec<SentimentFailure>,
    /// The published figures.
    pub published: PublishedSentiment,
}

/// The outcome of `sentiment:tweets`.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentReport {
    /// Suite name.
    pub suite: String,
    /// The embedder.
    pub embedder: String,
    /// The analyser's configuration (the product's default).
    pub analyzer: String,
    /// One row per language run.
    pub languages: Vec<LanguageScores>,
    /// Mean macro-F1 over es, it, pt and en, when all four ran.
    pub mean_macro_f1: Option<f64>,
    /// Source of the published figures.
    pub published_source: String,
    /// Seconds spent embedding the tweets.
    pub embed_seconds: f64,
    /// Seconds the whole suite took.
    pub seconds: f64,
    /// How to read the figures.
    pub notes: Vec<String>,
}

impl SentimentReport {
    /// Its metrics by full name (`sentiment:tweets/es/macro_f1`, ...); higher is better.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut metrics = BTreeMap::new();
        for l in &self.languages {
            for (name, value) in [
                ("macro_f1", l.macro_f1),
                ("accuracy", l.accuracy),
                ("language_match", l.language_match),
            ] {
                metrics.insert(format!("{}/{}/{name}", self.suite, l.language), value);
            }
        }
        if let Some(mean) = self.mean_macro_f1 {
            metrics.insert(format!("{}/mean/macro_f1", self.suite), mean);
        }
        metrics
    }
}

/// Runs `sentiment:tweets` on `languages`, at most `limit` tweets each.
///
/// Errors: unreadable dataset files, an unknown label, or the embedder failing.
pub async fn run(
    datasets: &Path,
    embedder: Arc<dyn Embedder>,
    languages: &[Language],
    limit: Option<usize>,
) -> Result<SentimentReport> {
    let started = Instant::now();
    let memo = Arc::new(MemoEmbedder::new(embedder.clone()));
    let memo_embedder: Arc<dyn Embedder> = memo.clone();
    let understander =
        charla_agent::runtime::understander(&IntentSet::builtin()?, Some(memo_embedder))
            .await
            .context("building charla's understanding")?;
    let mut embed_seconds = 0.0;
    let mut rows = Vec::new();
    for language in languages {
        let path = datasets
            .join("tweet_sentiment_multilingual")
            .join(language.folder)
            .join("test.jsonl");
        let tweets: Vec<Tweet> = crate::datasets::read_jsonl(&path)?;
        ensure!(!tweets.is_empty(), "{}: no tweets", path.display());
        let test_split_size = tweets.len();
        let tweets = sample::spread(tweets, limit);
        let gold: Vec<&'static str> = tweets
            .iter()
            .map(|t| gold_label(t).with_context(|| path.display().to_string()))
            .collect::<Result<_>>()?;
        let texts: Vec<String> = tweets.iter().map(|t| t.text.clone()).collect();
        let inputs: Vec<String> = texts.iter().map(|t| text_for_embedding(t)).collect();
        embed_seconds += memo
            .warm(
                &inputs,
                EmbedRole::Query,
                &format!("embedding the {} tweets", language.code),
            )
            .await?;
        let understood = understander.understand_batch(&texts, language.code).await?;

        let pairs: Vec<Pair> = gold
            .iter()
            .zip(&understood)
            .map(|(g, u)| Pair::new(*g, label_name(u.sentiment.label)))
            .collect();
        let mut failures: Vec<SentimentFailure> = tweets
            .iter()
            .zip(&gold)
            .zip(&understood)
            .filter(|((_, g), u)| **g != label_name(u.sentiment.label))
            .map(|((t, g), u)| SentimentFailure {
                text: t.text.clone(),
                gold: g.to_string(),
                predicted: label_name(u.sentiment.label).to_string(),
                polarity: u.sentiment.polarity,
                detected_language: u.language.code.clone(),
            })
            .collect();
        failures.sort_by(|a, b| {
            opposite(b)
                .cmp(&opposite(a))
                .then(b.polarity.abs().total_cmp(&a.polarity.abs()))
        });
        failures.truncate(FAILURES);
        let [
            fasttext_mono,
            xlm_r_mono,
            xlm_tw_mono,
            xlm_r_multi,
            xlm_tw_multi,
        ] = language.published;
        rows.push(LanguageScores {
            language: language.code.to_string(),
            tweets: tweets.len(),
            test_split_size,
            macro_f1: classification::macro_f1(&pairs),
            accuracy: classification::accuracy(&pairs),
            language_match: understood
                .iter()
                .filter(|u| u.language.code == language.code)
                .count() as f64
                / understood.len().max(1) as f64,
            per_class: classification::per_class(&pairs),
            confused_pairs: classification::confused_pairs(&pairs, 6),
            failures,
            published: PublishedSentiment {
                fasttext_mono,
                xlm_r_mono,
                xlm_tw_mono,
                xlm_r_multi,
                xlm_tw_multi,
            },
        });
    }
    let mean_macro_f1 = (rows.len() == LANGUAGES.len())
        .then(|| rows.iter().map(|r| r.macro_f1).sum::<f64>() / rows.len() as f64);
    Ok(SentimentReport {
        suite: SUITE.to_string(),
        embedder: embedder.id().to_string(),
        analyzer: format!("{:?}", understander.sentiment().config()),
        languages: rows,
        mean_macro_f1,
        published_source: PUBLISHED_SOURCE.to_string(),
        embed_seconds,
        seconds: started.elapsed().as_secs_f64(),
        notes: notes(understander.sentiment().config()),
    })
}

fn gold_label(tweet: &Tweet) -> Result<&'static str> {
    let label = match tweet.label {
        0 => "negative",
        1 => "neutral",
        2 => "positive",
        other => bail!("label {other} is not 0, 1 or 2"),
    };
    if let Some(name) = &tweet.label_name
        && name != label
    {
        bail!(
            "label {} is named {name:?}, expected {label:?}",
            tweet.label
        );
    }
    Ok(label)
}

fn label_name(label: SentimentLabel) -> &'static str {
    match label {
        SentimentLabel::Negative => "negative",
        SentimentLabel::Neutral => "neutral",
        SentimentLabel::Positive => "positive",
    }
}

/// Whether charla said the opposite of the gold label (the worst kind of error).
fn opposite(failure: &SentimentFailure) -> bool {
    failure.gold != "neutral" && failure.predicted != "neutral"
}

fn notes(config: &SentimentConfig) -> Vec<String> {
    vec![
        format!(
            "charla's sentiment is the product's default analyser ({:?}, threshold {}): seed \
             phrase prototypes on the local model with the lexicon as evidence. It is not trained \
             on tweets; its six numbers were chosen on the validation split of this dataset, \
             never on test. The published rows are classifiers fine-tuned on the training split.",
            config.method, config.threshold
        ),
        "Each tweet's language is detected as in a conversation (the dataset's language as the \
         fallback); `language match` is how often the detection agrees with the dataset."
            .to_string(),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn codes(suite: &str) -> Vec<&'static str> {
        languages(suite).unwrap().iter().map(|l| l.code).collect()
    }

    #[test]
    fn the_suite_runs_every_language_or_the_ones_listed() {
        assert_eq!(codes("sentiment:tweets"), ["es", "it", "pt", "en"]);
        assert_eq!(codes("sentiment:tweets:pt,es,pt"), ["pt", "es"]);
    }

    #[test]
    fn an_unknown_language_is_an_error_naming_the_known_ones() {
        let error = languages("sentiment:tweets:es,fr").unwrap_err().to_string();
        assert!(
            error.contains("\"fr\"") && error.contains("es, it, pt, en"),
            "{error}"
        );
        assert!(languages("sentiment:tweetses").is_err());
    }

    #[test]
    fn gold_labels_follow_the_tweeteval_mapping_and_their_names() {
        let tweet = |label, name: Option<&str>| Tweet {
            text: String::new(),
            label,
            label_name: name.map(str::to_string),
        };
        assert_eq!(gold_label(&tweet(0, Some("negative"))).unwrap(), "negative");
        assert_eq!(gold_label(&tweet(1, None)).unwrap(), "neutral");
        assert_eq!(gold_label(&tweet(2, Some("positive"))).unwrap(), "positive");
        assert!(gold_label(&tweet(3, None)).is_err());
        assert!(gold_label(&tweet(0, Some("positive"))).is_err());
    }
}
