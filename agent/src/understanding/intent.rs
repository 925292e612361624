//! Intents: what a customer wants, from the examples a business writes in a TOML file.
//!
//! [`IntentSet`] is the file (see `default_intents.toml`, the built-in commerce set).
//! [`IntentClassifier`] embeds every example once and labels a message by its similarity to
//! them; below a threshold the message is [`OUT_OF_SCOPE`]. [`IntentModel`] is the seam the
//! [`Understander`](super::Understander) calls, so a classifier that asks an LLM can replace
//! the embedding one.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use charla_knowledge::{EmbedRole, Embedder};
use serde::{Deserialize, Serialize};

use super::UnderstandingError;

/// The intent of a message nothing else fits, and the answer when no intent is close enough.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// The intent of a message that only says hello; the offline model greets back.
pub const GREETING: &str = "greeting";

/// The built-in commerce intents (greeting, product_question, ..., privacy, out_of_scope) with
/// examples in English, Spanish, Italian and Portuguese.
pub const DEFAULT_INTENTS_TOML: &str = include_str!("default_intents.toml");

/// Cosine similarity below which a message is out of scope, for multilingual-e5-small with
/// the built-in examples (measured: see the module's tests and the team's report).
pub const DEFAULT_OUT_OF_SCOPE_THRESHOLD: f32 = 0.86;

/// An intents file: the intents, their descriptions and example phrases per language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentSet {
    /// Below this similarity to the best intent a message is [`OUT_OF_SCOPE`]; `None` keeps
    /// the classifier's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_scope_threshold: Option<f32>,
    /// The intents, in file order.
    #[serde(rename = "intent", default)]
    pub intents: Vec<IntentSpec>,
}

/// One intent of an [`IntentSet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentSpec {
    /// The label a message gets (`order_status`): lower-case letters, digits and `_`.
    pub name: String,
    /// What the intent means, for people (and for an LLM classifier's prompt).
    #[serde(default)]
    pub description: String,
    /// Example phrases by ISO 639-1 language code.
    #[serde(default)]
    pub examples: BTreeMap<String, Vec<String>>,
}

impl IntentSet {
    /// The built-in commerce set, [`DEFAULT_INTENTS_TOML`].
    ///
    /// Errors: none in a released build (a test parses the file); typed anyway, since the
    /// file is data.
    pub fn builtin() -> Result<Self, UnderstandingError> {
        Self::from_toml(DEFAULT_INTENTS_TOML, "built-in intents")
    }

    /// Reads an intents file.
    ///
    /// Errors: [`UnderstandingError::IntentFile`] naming the file, for a file that cannot be
    /// read, does not parse, or breaks the rules of [`IntentSet::from_toml`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, UnderstandingError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| UnderstandingError::IntentFile {
            origin: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses an intents file's text; `origin` names it in errors.
    ///
    /// Rules: at least one intent; names unique, non-empty, made of `a-z`, `0-9` and `_`;
    /// every intent has at least one non-blank example; the threshold, if any, is in [-1, 1].
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, UnderstandingError> {
        let invalid = |message: String| UnderstandingError::IntentFile {
            origin: origin.to_string(),
            message,
        };
        let set: IntentSet = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if set.intents.is_empty() {
            return Err(invalid("no [[intent]] defined".into()));
        }
        if let Some(threshold) = set.out_of_scope_threshold
            && !(-1.0..=1.0).contains(&threshold)
        {
            return Err(invalid(format!(
                "out_of_scope_threshold {threshold} is not a cosine similarity in [-1, 1]"
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for intent in &set.intents {
            let name = &intent.name;
            let well_formed = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                return Err(invalid(format!(
                    "intent name {name:?} must be lower-case letters, digits and _"
                )));
            }
            if !seen.insert(name.as_str()) {
                return Err(invalid(format!("intent {name} is defined twice")));
            }
            if intent.examples().next().is_none() {
                return Err(invalid(format!("intent {name} has no examples")));
            }
        }
        Ok(set)
    }

    /// Every example as `(intent, text)`, in file order, blank ones skipped.
    pub fn labelled_examples(&self) -> Vec<(String, String)> {
        self.intents
            .iter()
            .flat_map(|intent| {
                intent
                    .examples()
                    .map(|(_, text)| (intent.name.clone(), text.to_string()))
            })
            .collect()
    }

    /// The intent names, in file order.
    pub fn names(&self) -> Vec<String> {
        self.intents.iter().map(|i| i.name.clone()).collect()
    }
}

impl IntentSpec {
    /// `(language, text)` of every non-blank example.
    pub fn examples(&self) -> impl Iterator<Item = (&str, &str)> {
        self.examples.iter().flat_map(|(language, texts)| {
            texts
                .iter()
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .map(move |t| (language.as_str(), t))
        })
    }
}

/// What a message is about, with how close it came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentPrediction {
    /// The intent, or [`OUT_OF_SCOPE`].
    pub intent: String,
    /// For the embedding classifier, the cosine similarity of the message to `intent` (see
    /// [`Scoring`] for how it is computed); when the message fell below the out-of-scope
    /// threshold, the similarity of the closest intent, which is then `runner_up`. Other
    /// [`IntentModel`]s document their own scale; higher is surer.
    pub confidence: f32,
    /// The second choice and its score, when there is one.
    pub runner_up: Option<(String, f32)>,
}

/// How an [`IntentClassifier`] turns similarities to examples into a score per intent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Scoring {
    /// The similarity of the intent's closest example.
    Nearest,
    /// The mean similarity of the intent's `k` closest examples (all of them if it has
    /// fewer).
    TopKMean {
        /// Examples averaged.
        k: usize,
    },
    /// The `k` closest examples over all intents vote, each with its similarity; an intent's
    /// score is its closest example's similarity, and the votes rank the intents.
    Knn {
        /// Neighbours that vote.
        k: usize,
    },
    /// The similarity to the mean of the intent's example vectors.
    Centroid,
}

/// How an [`IntentClassifier`] is built and decides.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierConfig {
    /// How similarities become intent scores.
    pub scoring: Scoring,
    /// Below this score for the best intent, the answer is `out_of_scope_label`.
    pub out_of_scope_threshold: f32,
    /// The label for out of scope (CLINC150 calls it `oos`).
    pub out_of_scope_label: String,
    /// The role the examples are embedded in; messages are always [`EmbedRole::Query`].
    pub example_role: EmbedRole,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            scoring: Scoring::TopKMean { k: 3 },
            out_of_scope_threshold: DEFAULT_OUT_OF_SCOPE_THRESHOLD,
            out_of_scope_label: OUT_OF_SCOPE.to_string(),
            example_role: EmbedRole::Query,
        }
    }
}

/// A message as an [`IntentModel`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct IntentInput<'a> {
    /// The customer's text.
    pub text: &'a str,
    /// The message's language (ISO 639-1).
    pub language: &'a str,
    /// The text's query embedding by the model [`IntentModel::embedding_model`] names, when
    /// the caller has it already.
    pub embedding: Option<&'a [f32]>,
}

/// Anything that labels a message with an intent: the embedding [`IntentClassifier`], or a
/// classifier that asks an LLM.
#[async_trait]
pub trait IntentModel: Send + Sync {
    /// The intents it may answer, [`OUT_OF_SCOPE`] included.
    fn labels(&self) -> &[String];

    /// The id of the embedder ([`Embedder::id`]) whose query vector of the text it can use,
    /// if any. A caller that holds such a vector passes it in [`IntentInput::embedding`] and
    /// saves a second embedding call.
    fn embedding_model(&self) -> Option<&str>;

    /// The intent of one message.
    async fn predict(&self, input: IntentInput<'_>)
    -> Result<IntentPrediction, UnderstandingError>;
}

/// Labels messages by their embedding's similarity to the embedded examples of each intent.
///
/// Building it embeds every example once (in batches, by the embedder); classifying a message
/// is one query embedding plus a dot product per example.
pub struct IntentClassifier {
    embedder: Arc<dyn Embedder>,
    config: ClassifierConfig,
    labels: Vec<String>,
    /// `examples[i]` belongs to `labels[example_labels[i]]`.
    example_labels: Vec<usize>,
    /// Row-major, one L2-normalised row of `dims` per example.
    example_vectors: Vec<f32>,
    /// Row-major, one L2-normalised row per label (labels without examples have zeros).
    centroids: Vec<f32>,
    dims: usize,
}

impl std::fmt::Debug for IntentClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntentClassifier")
            .field("embedder", &self.embedder.id())
            .field("config", &self.config)
            .field("labels", &self.labels)
            .field("examples", &self.example_labels.len())
            .finish()
    }
}

impl IntentClassifier {
    /// A classifier for `intents`, with the default [`ClassifierConfig`] and the file's
    /// out-of-scope threshold when it sets one.
    ///
    /// Errors: [`UnderstandingError::Embed`] when the examples cannot be embedded.
    pub async fn new(
        embedder: Arc<dyn Embedder>,
        intents: &IntentSet,
    ) -> Result<Self, UnderstandingError> {
        let mut config = ClassifierConfig::default();
        if let Some(threshold) = intents.out_of_scope_threshold {
            config.out_of_scope_threshold = threshold;
        }
        let mut classifier =
            Self::with_config(embedder, intents.labelled_examples(), config).await?;
        // Intents are listed in file order, not first-example order.
        classifier.reorder_labels(&intents.names());
        Ok(classifier)
    }

    /// A classifier trained on `(label, text)` pairs (e.g. a benchmark's training split),
    /// with the default [`ClassifierConfig`].
    ///
    /// Errors: [`UnderstandingError::NoExamples`] for an empty list;
    /// [`UnderstandingError::Embed`] when the examples cannot be embedded.
    pub async fn from_examples(
        embedder: Arc<dyn Embedder>,
        examples: Vec<(String, String)>,
    ) -> Result<Self, UnderstandingError> {
        Self::with_config(embedder, examples, ClassifierConfig::default()).await
    }

    /// A classifier trained on `(label, text)` pairs with `config`.
    ///
    /// Errors: as [`IntentClassifier::from_examples`], plus
    /// [`UnderstandingError::Embed`] when the embedder returns vectors of the wrong size.
    pub async fn with_config(
        embedder: Arc<dyn Embedder>,
        examples: Vec<(String, String)>,
        config: ClassifierConfig,
    ) -> Result<Self, UnderstandingError> {
        let examples: Vec<(String, String)> = examples
            .into_iter()
            .filter(|(_, text)| !text.trim().is_empty())
            .collect();
        if examples.is_empty() {
            return Err(UnderstandingError::NoExamples);
        }
        let mut labels: Vec<String> = Vec::new();
        let mut example_labels = Vec::with_capacity(examples.len());
        let mut texts = Vec::with_capacity(examples.len());
        for (label, text) in examples {
            let index = match labels.iter().position(|l| *l == label) {
                Some(index) => index,
                None => {
                    labels.push(label);
                    labels.len() - 1
                }
            };
            example_labels.push(index);
            texts.push(text_for_embedding(&text));
        }
        if !labels.contains(&config.out_of_scope_label) {
            labels.push(config.out_of_scope_label.clone());
        }
        let vectors = embedder.embed(&texts, config.example_role).await?;
        let dims = embedder.dims();
        let example_vectors = flatten(&vectors, dims)?;
        let centroids = centroids(&example_vectors, &example_labels, labels.len(), dims);
        Ok(Self {
            embedder,
            config,
            labels,
            example_labels,
            example_vectors,
            centroids,
            dims,
        })
    }

    /// The same classifier scoring with `scoring` (no re-embedding).
    pub fn with_scoring(mut self, scoring: Scoring) -> Self {
        self.config.scoring = scoring;
        self
    }

    /// The same classifier with another out-of-scope threshold (no re-embedding).
    pub fn with_out_of_scope_threshold(mut self, threshold: f32) -> Self {
        self.config.out_of_scope_threshold = threshold;
        self
    }

    /// How it is configured.
    pub fn config(&self) -> &ClassifierConfig {
        &self.config
    }

    /// The embedder the examples were embedded with; messages must be embedded with it too.
    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// The number of examples it compares with.
    pub fn example_count(&self) -> usize {
        self.example_labels.len()
    }

    /// The intent of one message (one query embedding).
    ///
    /// Errors: [`UnderstandingError::Embed`] when the embedder fails.
    pub async fn classify(&self, text: &str) -> Result<IntentPrediction, UnderstandingError> {
        let mut predictions = self.classify_batch(&[text.to_string()]).await?;
        predictions.pop().ok_or(UnderstandingError::Embed(
            charla_knowledge::EmbedError::Inference("no vector returned".into()),
        ))
    }

    /// The intents of many messages, embedded together (what evaluations want).
    ///
    /// Errors: [`UnderstandingError::Embed`] when the embedder fails.
    pub async fn classify_batch(
        &self,
        texts: &[String],
    ) -> Result<Vec<IntentPrediction>, UnderstandingError> {
        // Blank messages (a sticker, a photo without caption) are out of scope without asking
        // the model.
        let present: Vec<String> = texts
            .iter()
            .filter(|t| !t.trim().is_empty())
            .cloned()
            .collect();
        let mut vectors = self.embed_queries(&present).await?.into_iter();
        Ok(texts
            .iter()
            .map(|text| match text.trim().is_empty() {
                true => self.out_of_scope(0.0, None),
                false => match vectors.next() {
                    Some(vector) => self.classify_embedding(&vector),
                    None => self.out_of_scope(0.0, None),
                },
            })
            .collect())
    }

    /// The query embeddings of `texts`, as this classifier wants them (shouting lowered).
    ///
    /// Errors: [`UnderstandingError::Embed`] when the embedder fails.
    pub async fn embed_queries(
        &self,
        texts: &[String],
    ) -> Result<Vec<Vec<f32>>, UnderstandingError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let inputs: Vec<String> = texts.iter().map(|t| text_for_embedding(t)).collect();
        Ok(self.embedder.embed(&inputs, EmbedRole::Query).await?)
    }

    /// The intent of a message from its query embedding (see
    /// [`IntentClassifier::embed_queries`]); a vector of the wrong size is out of scope.
    pub fn classify_embedding(&self, query: &[f32]) -> IntentPrediction {
        let scores = self.scores(query);
        self.decide(&scores)
    }

    fn classify_text_embedding(&self, text: &str, query: &[f32]) -> IntentPrediction {
        if text.trim().is_empty() {
            return self.out_of_scope(0.0, None);
        }
        self.classify_embedding(query)
    }

    /// Every intent's score for a query embedding, best first (empty for a vector of the
    /// wrong size). The out-of-scope label is scored only when it has examples.
    pub fn scores(&self, query: &[f32]) -> Vec<(String, f32)> {
        if query.len() != self.dims {
            return Vec::new();
        }
        let (scores, votes) = self.raw_scores(query);
        let mut ranked: Vec<(usize, f32, f32)> = scores
            .iter()
            .zip(&votes)
            .enumerate()
            .filter(|(_, (score, _))| score.is_finite())
            .map(|(label, (&score, &vote))| (label, score, vote))
            .collect();
        // Knn ranks by votes; the other methods' votes equal their scores.
        ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.1.total_cmp(&a.1)));
        ranked
            .into_iter()
            .map(|(label, score, _)| (self.labels[label].clone(), score))
            .collect()
    }

    /// Per label: (score, rank key). Labels without examples score -inf.
    fn raw_scores(&self, query: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let label_count = self.labels.len();
        match self.config.scoring {
            Scoring::Centroid => {
                let scores: Vec<f32> = self
                    .centroids
                    .chunks_exact(self.dims)
                    .map(|centroid| {
                        if centroid.iter().all(|&x| x == 0.0) {
                            f32::NEG_INFINITY
                        } else {
                            dot(centroid, query)
                        }
                    })
                    .collect();
                (scores.clone(), scores)
            }
            Scoring::Nearest | Scoring::TopKMean { .. } | Scoring::Knn { .. } => {
                let similarities: Vec<f32> = self
                    .example_vectors
                    .chunks_exact(self.dims)
                    .map(|example| dot(example, query))
                    .collect();
                match self.config.scoring {
                    Scoring::Knn { k } => {
                        let mut nearest = vec![f32::NEG_INFINITY; label_count];
                        for (&label, &similarity) in self.example_labels.iter().zip(&similarities) {
                            nearest[label] = nearest[label].max(similarity);
                        }
                        let mut order: Vec<usize> = (0..similarities.len()).collect();
                        let k = k.clamp(1, order.len());
                        order.select_nth_unstable_by(k - 1, |&a, &b| {
                            similarities[b].total_cmp(&similarities[a])
                        });
                        let mut votes = vec![f32::NEG_INFINITY; label_count];
                        for &i in &order[..k] {
                            let label = self.example_labels[i];
                            votes[label] = votes[label].max(0.0) + similarities[i];
                        }
                        for (vote, &score) in votes.iter_mut().zip(&nearest) {
                            if *vote == f32::NEG_INFINITY && score.is_finite() {
                                // Outside the k neighbours: ranked after every voter, by
                                // similarity.
                                *vote = score - 2.0 * k as f32;
                            }
                        }
                        (nearest, votes)
                    }
                    Scoring::TopKMean { k } => {
                        let scores = self.top_k_means(&similarities, k.max(1));
                        (scores.clone(), scores)
                    }
                    _ => {
                        let scores = self.top_k_means(&similarities, 1);
                        (scores.clone(), scores)
                    }
                }
            }
        }
    }

    fn top_k_means(&self, similarities: &[f32], k: usize) -> Vec<f32> {
        // The k best per label, kept sorted descending; k is small.
        let mut best: Vec<Vec<f32>> = vec![Vec::with_capacity(k); self.labels.len()];
        for (&label, &similarity) in self.example_labels.iter().zip(similarities) {
            let kept = &mut best[label];
            if kept.len() < k {
                kept.push(similarity);
                kept.sort_by(|a, b| b.total_cmp(a));
            } else if kept.last().is_some_and(|&last| similarity > last) {
                kept.pop();
                let at = kept.partition_point(|&s| s >= similarity);
                kept.insert(at, similarity);
            }
        }
        best.iter()
            .map(|kept| {
                if kept.is_empty() {
                    f32::NEG_INFINITY
                } else {
                    kept.iter().sum::<f32>() / kept.len() as f32
                }
            })
            .collect()
    }

    fn decide(&self, scores: &[(String, f32)]) -> IntentPrediction {
        let Some((best, best_score)) = scores.first().cloned() else {
            return self.out_of_scope(0.0, None);
        };
        if best != self.config.out_of_scope_label && best_score < self.config.out_of_scope_threshold
        {
            return self.out_of_scope(best_score, Some((best, best_score)));
        }
        IntentPrediction {
            intent: best,
            confidence: best_score,
            runner_up: scores.get(1).cloned(),
        }
    }

    fn out_of_scope(&self, confidence: f32, runner_up: Option<(String, f32)>) -> IntentPrediction {
        IntentPrediction {
            intent: self.config.out_of_scope_label.clone(),
            confidence,
            runner_up,
        }
    }

    /// Puts `names` first, in that order (labels from the examples keep their indices'
    /// meaning by remapping).
    fn reorder_labels(&mut self, names: &[String]) {
        let mut order: Vec<usize> = names
            .iter()
            .filter_map(|name| self.labels.iter().position(|l| l == name))
            .collect();
        for index in 0..self.labels.len() {
            if !order.contains(&index) {
                order.push(index);
            }
        }
        let mut new_index = vec![0; self.labels.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        self.labels = order.iter().map(|&old| self.labels[old].clone()).collect();
        for label in &mut self.example_labels {
            *label = new_index[*label];
        }
        let mut centroids = vec![0.0; self.centroids.len()];
        for (old, row) in self.centroids.chunks_exact(self.dims).enumerate() {
            let new = new_index[old];
            centroids[new * self.dims..(new + 1) * self.dims].copy_from_slice(row);
        }
        self.centroids = centroids;
    }
}

#[async_trait]
impl IntentModel for IntentClassifier {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn embedding_model(&self) -> Option<&str> {
        Some(self.embedder.id())
    }

    async fn predict(
        &self,
        input: IntentInput<'_>,
    ) -> Result<IntentPrediction, UnderstandingError> {
        match input.embedding {
            Some(vector) if vector.len() == self.dims => {
                Ok(self.classify_text_embedding(input.text, vector))
            }
            _ => self.classify(input.text).await,
        }
    }
}

/// The text embedded for a message or an example: whitespace collapsed, and a message in
/// capitals lowered, since the model reads "WHERE IS MY ORDER" as something else than "where
/// is my order" while a customer means the same.
pub fn text_for_embedding(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let upper = collapsed.chars().filter(|c| c.is_uppercase()).count();
    let lower = collapsed.chars().filter(|c| c.is_lowercase()).count();
    if upper >= 4 && lower == 0 {
        collapsed.to_lowercase()
    } else {
        collapsed
    }
}

/// Words after an opening greeting that make a question of their own: fewer are a
/// greeting's own tail ("hola, ¿hay alguien?", "ciao, c'è qualcuno?").
const MIN_WORDS_AFTER_GREETING: usize = 3;

/// What follows a message's first clause when that clause may be a greeting ("Buongiorno,
/// avete luci anteriori?" gives "avete luci anteriori?"): the text after the first `,`, `!`,
/// `.`, `;`, `:` or line break, when it has at least [`MIN_WORDS_AFTER_GREETING`] words and
/// the clause before it at most three. `None` when the message is a single clause.
pub fn after_greeting(text: &str) -> Option<&str> {
    let text = text.trim();
    let cut = text.find([',', '!', '.', ';', ':', '\n'])?;
    let (head, rest) = text.split_at(cut);
    let rest = rest
        .trim_start_matches(|c: char| c.is_whitespace() || ",!.;:¡¿".contains(c))
        .trim_end();
    let head_words = head.split_whitespace().count();
    let rest_words = rest.split_whitespace().count();
    ((1..=3).contains(&head_words) && rest_words >= MIN_WORDS_AFTER_GREETING).then_some(rest)
}

/// `rest` as the customer would have written it as a message of its own, with a capital
/// first letter: the embedding model reads "avete luci?" and "Avete luci?" a little
/// differently, and the examples are whole messages.
pub fn as_sent_alone(rest: &str) -> String {
    let mut chars = rest.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn flatten(vectors: &[Vec<f32>], dims: usize) -> Result<Vec<f32>, UnderstandingError> {
    let mut flat = Vec::with_capacity(vectors.len() * dims);
    for vector in vectors {
        if vector.len() != dims {
            return Err(UnderstandingError::Embed(
                charla_knowledge::EmbedError::Inference(format!(
                    "vector of {} dimensions from a {dims}-dimension embedder",
                    vector.len()
                )),
            ));
        }
        flat.extend_from_slice(vector);
    }
    Ok(flat)
}

fn centroids(vectors: &[f32], labels: &[usize], label_count: usize, dims: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; label_count * dims];
    for (row, &label) in vectors.chunks_exact(dims).zip(labels) {
        for (sum, x) in sums[label * dims..(label + 1) * dims].iter_mut().zip(row) {
            *sum += x;
        }
    }
    for centroid in sums.chunks_exact_mut(dims) {
        let norm = centroid.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            centroid.iter_mut().for_each(|x| *x /= norm);
        }
    }
    sums
}

/// Dot product, written so the compiler vectorises it.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = a.chunks_exact(8).zip(b.chunks_exact(8));
    for (x, y) in chunks {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    let tail: f32 = a
        .chunks_exact(8)
        .remainder()
        .iter()
        .zip(b.chunks_exact(8).remainder())
        .map(|(x, y)| x * y)
        .sum();
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn builtin_intents_parse_with_examples_in_four_languages() {
        let set = IntentSet::builtin().unwrap();
        assert_eq!(set.intents.len(), 16);
        for intent in &set.intents {
            for language in ["en", "es", "it", "pt"] {
                let count = intent.examples.get(language).map_or(0, Vec::len);
                assert!(
                    (10..=15).contains(&count),
                    "{} has {count} {language} examples",
                    intent.name
                );
            }
        }
        assert!(set.names().contains(&OUT_OF_SCOPE.to_string()));
    }

    #[test]
    fn duplicate_or_malformed_intent_names_are_rejected() {
        let twice = "[[intent]]\nname = \"a\"\nexamples.en = [\"x\"]\n\
                     [[intent]]\nname = \"a\"\nexamples.en = [\"y\"]\n";
        let error = IntentSet::from_toml(twice, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("t.toml") && error.contains("defined twice"),
            "{error}"
        );
        let bad = "[[intent]]\nname = \"Order Status\"\nexamples.en = [\"x\"]\n";
        assert!(IntentSet::from_toml(bad, "t").is_err());
        let empty = "[[intent]]\nname = \"a\"\nexamples.en = [\" \"]\n";
        let error = IntentSet::from_toml(empty, "t").unwrap_err().to_string();
        assert!(error.contains("no examples"), "{error}");
    }

    #[test]
    fn shouted_messages_are_lowered_before_embedding() {
        assert_eq!(
            text_for_embedding("WHERE IS MY  ORDER"),
            "where is my order"
        );
        assert_eq!(text_for_embedding("STOP"), "stop");
        assert_eq!(text_for_embedding("OK"), "OK");
        assert_eq!(text_for_embedding("Hi, I'm Ana"), "Hi, I'm Ana");
    }

    #[test]
    fn the_question_after_an_opening_greeting_is_found() {
        assert_eq!(
            after_greeting("Buongiorno, avete luci anteriori ricaricabili?"),
            Some("avete luci anteriori ricaricabili?")
        );
        assert_eq!(
            after_greeting("Olá! Têm cadeirinhas de criança?"),
            Some("Têm cadeirinhas de criança?")
        );
        assert_eq!(
            after_greeting("hola buenas,\n¿tenéis cascos para niños?"),
            Some("tenéis cascos para niños?")
        );
        // A greeting's short tail, one clause, or a long first clause is no question after a
        // greeting ("hi, how are you?" gives "how are you?", which the classifier reads as a
        // greeting again).
        assert_eq!(after_greeting("hola, ¿hay alguien?"), None);
        assert_eq!(after_greeting("hello is this the shop?"), None);
        assert_eq!(
            after_greeting("the bike I bought last week, is it under warranty?"),
            None
        );
        assert_eq!(after_greeting(""), None);
        assert_eq!(after_greeting(",,,"), None);
        assert_eq!(as_sent_alone("têm cadeirinhas?"), "Têm cadeirinhas?");
        assert_eq!(as_sent_alone(""), "");
    }

    #[test]
    fn dot_product_matches_the_naive_sum() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}
