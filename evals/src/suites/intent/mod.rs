//! `intent:banking77`, `intent:clinc150`, `intent:hwu64`: charla's embedding intent
//! classifier, with a dataset's training split as the business's intent examples, scored on
//! its test split.
//!
//! Two variants per dataset: `full` (every training example) and `10shot` (10 examples per
//! intent drawn with [`FEW_SHOT_SEED`]). The classifier is the product's
//! ([`IntentClassifier`] with the default [`ClassifierConfig`]: query-role examples, mean
//! cosine of each intent's 3 closest examples); only the out-of-scope handling depends on the
//! dataset (see [`IntentDataset::out_of_scope_label`]). Every text is embedded once per run
//! ([`MemoEmbedder`]); the reported time includes it.
//!
//! - `published`: the published figures of each dataset's README.

pub mod llm;
pub mod published;

use crate::embedding::MemoEmbedder;
use crate::metrics::classification::{self, ClassScores, Confusion, Pair};
use crate::sample::{self, FEW_SHOT_SEED};
use anyhow::{Context, Result, ensure};
use charla_agent::model::ChatModel;
use charla_agent::understanding::intent::{DEFAULT_OUT_OF_SCOPE_THRESHOLD, text_for_embedding};
use charla_agent::understanding::{
    ClassifierConfig, IntentClassifier, IntentPrediction, OUT_OF_SCOPE, Scoring,
};
use charla_knowledge::{EmbedRole, Embedder};
use published::PublishedIntent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Examples per intent of the few-shot variant.
pub const SHOTS: usize = 10;
/// Misclassified examples listed per variant.
const FAILURES: usize = 10;
/// Confused pairs listed per variant.
const CONFUSIONS: usize = 10;

/// An intent dataset under `shared/datasets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentDataset {
    /// BANKING77: 77 banking intents, no out-of-scope queries.
    Banking77,
    /// CLINC150: 150 intents in 10 domains, plus out-of-scope queries labelled `oos`.
    Clinc150,
    /// HWU64: 64 personal-assistant intents, no out-of-scope queries.
    Hwu64,
}

impl IntentDataset {
    /// Every dataset, in the order of `--help`.
    pub const ALL: [IntentDataset; 3] = [Self::Banking77, Self::Clinc150, Self::Hwu64];

    /// The suite name, `intent:<folder>`.
    pub fn suite(self) -> &'static str {
        match self {
            Self::Banking77 => "intent:banking77",
            Self::Clinc150 => "intent:clinc150",
            Self::Hwu64 => "intent:hwu64",
        }
    }

    /// The dataset for a suite name.
    pub fn from_suite(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.suite() == name)
    }

    fn folder(self) -> &'static str {
        self.suite().trim_start_matches("intent:")
    }

    /// The label of out-of-scope queries, for a dataset that has them (CLINC150's `oos`).
    ///
    /// With one, charla answers it the way the product answers `out_of_scope`: when the
    /// closest intent is the out-of-scope class itself (its training examples, as a business
    /// lists `out_of_scope` examples in `intents.toml`), or when the best intent scores
    /// below the classifier's default threshold [`DEFAULT_OUT_OF_SCOPE_THRESHOLD`] (chosen on
    /// the built-in commerce intents, not on this dataset). Without one the threshold is off:
    /// the published results are closed-set.
    pub fn out_of_scope_label(self) -> Option<&'static str> {
        match self {
            Self::Clinc150 => Some("oos"),
            Self::Banking77 | Self::Hwu64 => None,
        }
    }

    fn published(self) -> Vec<PublishedIntent> {
        match self {
            Self::Banking77 => published::banking77(),
            Self::Clinc150 => published::clinc150(),
            Self::Hwu64 => published::hwu64(),
        }
    }
}

/// Which variants a run measures: `intent:NAME` both, `intent:NAME:full` or
/// `intent:NAME:10shot` one (CI runs the few-shot one, whose examples embed in seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentVariants {
    /// `full` and `10shot`.
    Both,
    /// Every training example only.
    Full,
    /// [`SHOTS`] examples per intent only.
    FewShot,
}

impl IntentVariants {
    fn includes_full(self) -> bool {
        matches!(self, Self::Both | Self::Full)
    }

    fn includes_few_shot(self) -> bool {
        matches!(self, Self::Both | Self::FewShot)
    }
}

/// The dataset and variants of a suite name: `intent:banking77`, `intent:banking77:full`,
/// `intent:banking77:10shot`.
pub fn parse_suite(name: &str) -> Option<(IntentDataset, IntentVariants)> {
    if let Some(dataset) = IntentDataset::from_suite(name) {
        return Some((dataset, IntentVariants::Both));
    }
    let (suite, variant) = name.rsplit_once(':')?;
    let variants = match variant {
        "full" => IntentVariants::Full,
        "10shot" => IntentVariants::FewShot,
        _ => return None,
    };
    Some((IntentDataset::from_suite(suite)?, variants))
}

/// One line of a dataset's `train.jsonl` or `test.jsonl`.
#[derive(Debug, Clone, Deserialize)]
struct LabelledText {
    text: String,
    label: String,
}

/// How charla handles out-of-scope queries in a dataset that has them.
#[derive(Debug, Clone, Serialize)]
pub struct OutOfScope {
    /// The dataset's label for them.
    pub label: String,
    /// The classifier's threshold on the best intent's score.
    pub threshold: f32,
    /// Out-of-scope examples in the full training split (the out-of-scope class's examples).
    pub train_examples: usize,
}

/// A misclassified test example.
#[derive(Debug, Clone, Serialize)]
pub struct IntentFailure {
    /// The query.
    pub text: String,
    /// Its label.
    pub gold: String,
    /// charla's answer.
    pub predicted: String,
    /// charla's confidence in it (see [`IntentPrediction::confidence`]).
    pub confidence: f32,
    /// The runner-up intent, if any.
    pub runner_up: Option<String>,
}

/// The scores of one variant (`full` or `10shot`).
#[derive(Debug, Clone, Serialize)]
pub struct IntentVariant {
    /// `full` or `10shot`.
    pub name: String,
    /// What the intent examples are.
    pub setting: String,
    /// Intent examples the classifier compares with.
    pub examples: usize,
    /// Accuracy over the test examples scored.
    pub accuracy: f64,
    /// Macro-F1 over every class seen as gold or prediction (scikit-learn's convention).
    pub macro_f1: f64,
    /// Accuracy on the in-scope test queries, an out-of-scope answer counting as wrong
    /// (datasets with out-of-scope queries).
    pub in_scope_accuracy: Option<f64>,
    /// Share of the out-of-scope test queries answered out of scope.
    pub oos_recall: Option<f64>,
    /// Closed-set datasets: the share of test queries whose best score is below the default
    /// out-of-scope threshold, which the product would answer `out_of_scope` (not a metric:
    /// lower is better, and the accuracy above classifies them anyway).
    pub below_default_threshold: Option<f64>,
    /// Precision, recall and F1 per class, by label.
    pub per_class: Vec<ClassScores>,
    /// The most frequent (gold, predicted) errors.
    pub confused_pairs: Vec<Confusion>,
    /// The misclassified examples charla was surest of.
    pub failures: Vec<IntentFailure>,
    /// With `--model openai`: test queries the chat model failed (scored as wrong).
    pub model_errors: usize,
}

/// The outcome of one intent suite.
#[derive(Debug, Clone, Serialize)]
pub struct IntentReport {
    /// Suite name.
    pub suite: String,
    /// The embedder.
    pub embedder: String,
    /// How the classifier decides.
    pub classifier: String,
    /// Examples in the training split.
    pub train_examples: usize,
    /// Test examples scored (all of them, or `--limit` spread over the split).
    pub test_examples: usize,
    /// Examples in the test split.
    pub test_split_size: usize,
    /// Out-of-scope handling, for datasets that have out-of-scope queries.
    pub out_of_scope: Option<OutOfScope>,
    /// `full` and `10shot`.
    pub variants: Vec<IntentVariant>,
    /// The published figures to compare with.
    pub published: Vec<PublishedIntent>,
    /// Seconds spent embedding (training split and test queries).
    pub embed_seconds: f64,
    /// Seconds the whole suite took.
    pub seconds: f64,
    /// How to read the figures.
    pub notes: Vec<String>,
}

impl IntentReport {
    /// Its metrics by full name (`intent:banking77/full/accuracy`, ...); higher is better.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut metrics = BTreeMap::new();
        for variant in &self.variants {
            let mut put = |name: &str, value: Option<f64>| {
                if let Some(value) = value {
                    metrics.insert(format!("{}/{}/{name}", self.suite, variant.name), value);
                }
            };
            put("accuracy", Some(variant.accuracy));
            put("macro_f1", Some(variant.macro_f1));
            put("in_scope_accuracy", variant.in_scope_accuracy);
            put("oos_recall", variant.oos_recall);
        }
        metrics
    }
}

/// Runs one intent suite on at most `limit` test examples.
///
/// Errors: unreadable dataset files, an empty split, or the embedder failing.
pub async fn run(
    dataset: IntentDataset,
    variants: IntentVariants,
    datasets: &Path,
    embedder: Option<Arc<dyn Embedder>>,
    chat_model: Option<Arc<dyn ChatModel>>,
    limit: Option<usize>,
) -> Result<IntentReport> {
    let started = Instant::now();
    let dir = datasets.join(dataset.folder());
    let train: Vec<LabelledText> = crate::datasets::read_jsonl(&dir.join("train.jsonl"))?;
    let test: Vec<LabelledText> = crate::datasets::read_jsonl(&dir.join("test.jsonl"))?;
    ensure!(
        !train.is_empty() && !test.is_empty(),
        "{}: empty training or test split",
        dir.display()
    );
    let test_split_size = test.len();
    let test = sample::spread(test, limit);

    let oos_label = dataset.out_of_scope_label();
    let config = ClassifierConfig {
        out_of_scope_label: oos_label.unwrap_or(OUT_OF_SCOPE).to_string(),
        out_of_scope_threshold: match oos_label {
            Some(_) => DEFAULT_OUT_OF_SCOPE_THRESHOLD,
            None => f32::NEG_INFINITY,
        },
        ..ClassifierConfig::default()
    };

    let shots = sample::k_per_class(&train, |e| e.label.as_str(), SHOTS, FEW_SHOT_SEED);
    let embedder_id = embedder
        .as_ref()
        .map_or_else(|| "none".to_string(), |e| e.id().to_string());
    let memo = match (&embedder, &chat_model) {
        (Some(embedder), None) => Some(Arc::new(MemoEmbedder::new(embedder.clone()))),
        (None, None) => anyhow::bail!(
            "{}: the embedding classifier needs the local embedding model",
            dataset.suite()
        ),
        (_, Some(_)) => None,
    };
    // The few-shot examples are part of the training split: embed only what will be used.
    let embedded = if variants.includes_full() {
        &train
    } else {
        &shots
    };
    let example_texts: Vec<String> = embedded
        .iter()
        .map(|e| text_for_embedding(&e.text))
        .collect();
    let queries: Vec<String> = test.iter().map(|e| e.text.clone()).collect();
    let mut embed_seconds = 0.0;
    // The LLM classifier compares with no embedding.
    if let Some(memo) = &memo {
        embed_seconds += memo
            .warm(
                &example_texts,
                config.example_role,
                "embedding the training split",
            )
            .await?;
        let query_texts: Vec<String> = queries.iter().map(|q| text_for_embedding(q)).collect();
        embed_seconds += memo
            .warm(&query_texts, EmbedRole::Query, "embedding the test queries")
            .await?;
    }

    let mut runs = Vec::new();
    if variants.includes_full() {
        runs.push(("full", "all of the training split".to_string(), &train));
    }
    if variants.includes_few_shot() {
        runs.push((
            "10shot",
            format!("{SHOTS} training examples per intent, seed {FEW_SHOT_SEED}"),
            &shots,
        ));
    }
    let mut variants = Vec::new();
    for (name, setting, examples) in runs {
        let pairs: Vec<(String, String)> = examples
            .iter()
            .map(|e| (e.label.clone(), e.text.clone()))
            .collect();
        let (predictions, model_errors) = match &chat_model {
            Some(model) => {
                let set = llm::intent_set(&pairs, oos_label);
                let label = format!("{name}: asking {}", model.id());
                llm::classify(model.clone(), &set, &queries, oos_label, &label).await?
            }
            None => {
                let memo = memo.clone().context("no embedder")?;
                let classifier = IntentClassifier::with_config(memo, pairs, config.clone())
                    .await
                    .with_context(|| format!("building the {name} classifier"))?;
                (classify(Arc::new(classifier), &queries).await?, 0)
            }
        };
        let mut variant = score(
            name,
            setting,
            examples.len(),
            &test,
            &predictions,
            oos_label,
        );
        if chat_model.is_some() {
            // The model's confidence is its own estimate, not a similarity: the embedding
            // classifier's threshold means nothing for it.
            variant.below_default_threshold = None;
            variant.model_errors = model_errors;
        }
        variants.push(variant);
    }

    Ok(IntentReport {
        suite: dataset.suite().to_string(),
        embedder: embedder_id,
        classifier: match &chat_model {
            Some(model) => format!(
                "charla LLM intent classifier ({}; {} examples per intent in the prompt, \
                 no embedding fallback)",
                model.id(),
                charla_agent::understanding::llm_intent::EXAMPLES_PER_INTENT
            ),
            None => describe(&config),
        },
        train_examples: train.len(),
        test_examples: test.len(),
        test_split_size,
        out_of_scope: oos_label.map(|label| OutOfScope {
            label: label.to_string(),
            threshold: config.out_of_scope_threshold,
            train_examples: train.iter().filter(|e| e.label == label).count(),
        }),
        variants,
        published: dataset.published(),
        embed_seconds,
        seconds: started.elapsed().as_secs_f64(),
        notes: notes(dataset, &train, &shots),
    })
}

/// The product's `classify_batch` on every query, in one task per core (a query is a dot
/// product with every example: millions of them for a full training split). The vectors
/// come from the memo.
async fn classify(
    classifier: Arc<IntentClassifier>,
    queries: &[String],
) -> Result<Vec<IntentPrediction>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = queries.len().div_ceil(workers).max(1);
    let tasks: Vec<_> = queries
        .chunks(chunk)
        .map(|part| {
            let part = part.to_vec();
            let classifier = Arc::clone(&classifier);
            tokio::spawn(async move { classifier.classify_batch(&part).await })
        })
        .collect();
    let mut predictions = Vec::with_capacity(queries.len());
    for task in tasks {
        predictions.extend(task.await.context("classifying task")??);
    }
    Ok(predictions)
}

fn score(
    name: &str,
    setting: String,
    examples: usize,
    test: &[LabelledText],
    predictions: &[IntentPrediction],
    oos_label: Option<&str>,
) -> IntentVariant {
    let pairs: Vec<Pair> = test
        .iter()
        .zip(predictions)
        .map(|(e, p)| Pair::new(e.label.clone(), p.intent.clone()))
        .collect();
    let mut failures: Vec<IntentFailure> = test
        .iter()
        .zip(predictions)
        .filter(|(e, p)| e.label != p.intent)
        .map(|(e, p)| IntentFailure {
            text: e.text.clone(),
            gold: e.label.clone(),
            predicted: p.intent.clone(),
            confidence: p.confidence,
            runner_up: p.runner_up.as_ref().map(|(label, _)| label.clone()),
        })
        .collect();
    failures.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    failures.truncate(FAILURES);
    let below_default_threshold = match oos_label {
        Some(_) => None,
        None => Some(
            predictions
                .iter()
                .filter(|p| p.confidence < DEFAULT_OUT_OF_SCOPE_THRESHOLD)
                .count() as f64
                / predictions.len().max(1) as f64,
        ),
    };
    IntentVariant {
        name: name.to_string(),
        setting,
        examples,
        accuracy: classification::accuracy(&pairs),
        macro_f1: classification::macro_f1(&pairs),
        in_scope_accuracy: oos_label.and_then(|l| classification::in_scope_accuracy(&pairs, l)),
        oos_recall: oos_label.and_then(|l| classification::oos_recall(&pairs, l)),
        below_default_threshold,
        per_class: classification::per_class(&pairs),
        confused_pairs: classification::confused_pairs(&pairs, CONFUSIONS),
        failures,
        model_errors: 0,
    }
}

fn describe(config: &ClassifierConfig) -> String {
    let scoring = match config.scoring {
        Scoring::Nearest => "cosine of each intent's closest example".to_string(),
        Scoring::TopKMean { k } => format!("mean cosine of each intent's {k} closest examples"),
        Scoring::Knn { k } => format!("vote of the {k} closest examples"),
        Scoring::Centroid => "cosine to each intent's mean example".to_string(),
    };
    let threshold = if config.out_of_scope_threshold.is_finite() {
        format!(
            "; `{}` below {:.2}",
            config.out_of_scope_label, config.out_of_scope_threshold
        )
    } else {
        "; no out-of-scope threshold (closed set)".to_string()
    };
    format!("charla embedding classifier ({scoring}{threshold})")
}

fn notes(dataset: IntentDataset, train: &[LabelledText], shots: &[LabelledText]) -> Vec<String> {
    let mut notes = vec![format!(
        "charla's classifier is not trained: the examples are only embedded, and a query takes \
         the intent of its closest examples. `10shot` is one sample of {SHOTS} examples per \
         intent (seed {FEW_SHOT_SEED}); published few-shot rows average several samples."
    )];
    match dataset.out_of_scope_label() {
        Some(label) => notes.push(format!(
            "Out of scope: charla answers `{label}` when the closest intent is `{label}` itself \
             (its training examples: {} in `full`, {} in `10shot`, as a business lists \
             out_of_scope examples in intents.toml) or when the best intent's score is below the \
             classifier's default threshold {DEFAULT_OUT_OF_SCOPE_THRESHOLD} (chosen on the \
             built-in commerce intents, not tuned on this dataset). Larson et al.'s oos-train \
             rows use the first route, oos-threshold the second. Accuracy and macro-F1 count \
             `{label}` as one more class; in-scope accuracy counts an `{label}` answer to an \
             in-scope query as wrong, while the published few-shot rows classify among the 150 \
             in-scope intents only.",
            train.iter().filter(|e| e.label == label).count(),
            shots.iter().filter(|e| e.label == label).count(),
        )),
        None => notes.push(format!(
            "{} has no out-of-scope queries and its published results are closed-set, so the \
             out-of-scope threshold is off; `below default threshold` is the share of test \
             queries the product (threshold {DEFAULT_OUT_OF_SCOPE_THRESHOLD}) would have answered \
             out_of_scope.",
            dataset.folder()
        )),
    }
    notes
}
