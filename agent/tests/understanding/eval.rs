//! Evaluations behind the choices in `understanding` (run with `--ignored --nocapture`): which
//! example role and scoring classify intents best, the out-of-scope threshold, few-shot
//! accuracy on BANKING77 and CLINC150, sentiment macro-F1 per method on
//! tweet_sentiment_multilingual, and time per message. The datasets are read from the shared
//! folder (see `support::datasets`) and never copied; embeddings are cached under the system
//! temporary directory.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use charla_agent::understanding::intent::{ClassifierConfig, text_for_embedding};
use charla_agent::understanding::sentiment::lexicon_score;
use charla_agent::understanding::{
    IntentClassifier, IntentSet, OUT_OF_SCOPE, Scoring, SentimentAnalyzer, SentimentConfig,
    SentimentLabel, SentimentMethod, Understander,
};
use charla_knowledge::{EmbedRole, Embedder};

use super::messages::HELD_OUT;
use super::support::{self, CachingEmbedder, macro_f1, model_or_skip, read_jsonl};

const SCORINGS: [Scoring; 7] = [
    Scoring::Nearest,
    Scoring::TopKMean { k: 2 },
    Scoring::TopKMean { k: 3 },
    Scoring::TopKMean { k: 5 },
    Scoring::Knn { k: 5 },
    Scoring::Knn { k: 10 },
    Scoring::Centroid,
];

fn cached(model: Arc<dyn Embedder>) -> Arc<dyn Embedder> {
    Arc::new(CachingEmbedder::new(model))
}

async fn classifier(
    embedder: &Arc<dyn Embedder>,
    examples: Vec<(String, String)>,
    role: EmbedRole,
    threshold: f32,
) -> IntentClassifier {
    let config = ClassifierConfig {
        example_role: role,
        out_of_scope_threshold: threshold,
        ..ClassifierConfig::default()
    };
    IntentClassifier::with_config(Arc::clone(embedder), examples, config)
        .await
        .unwrap()
}

/// Accuracy of `classifier` with each scoring on `(text, gold)` with precomputed query vectors.
fn accuracy(classifier: &IntentClassifier, vectors: &[Vec<f32>], gold: &[String]) -> f64 {
    let right = vectors
        .iter()
        .zip(gold)
        .filter(|(v, g)| classifier.classify_embedding(v).intent == **g)
        .count();
    right as f64 / gold.len() as f64
}

async fn queries(embedder: &Arc<dyn Embedder>, texts: &[String]) -> Vec<Vec<f32>> {
    let inputs: Vec<String> = texts.iter().map(|t| text_for_embedding(t)).collect();
    embedder.embed(&inputs, EmbedRole::Query).await.unwrap()
}

#[tokio::test]
#[ignore = "evaluation: prints a comparison table"]
async fn intent_methods_on_own_examples_and_held_out_messages() {
    let embedder = cached(model_or_skip!());
    let set = IntentSet::builtin().unwrap();
    let examples = set.labelled_examples();
    let held_texts: Vec<String> = HELD_OUT.iter().map(|(_, t, _)| t.to_string()).collect();
    let held_gold: Vec<String> = HELD_OUT.iter().map(|(_, _, i)| i.to_string()).collect();
    let held_vectors = queries(&embedder, &held_texts).await;

    println!(
        "\n5-fold cross-validation on the built-in examples ({}), threshold off, and held-out messages ({})",
        examples.len(),
        held_texts.len()
    );
    println!(
        "{:<8} {:<22} {:>8} {:>9}",
        "role", "scoring", "5-fold", "held-out"
    );
    for (role_name, role) in [("query", EmbedRole::Query), ("passage", EmbedRole::Passage)] {
        // Folds by position: every fifth example is held out once. Rebuilding a classifier
        // is cheap: the cache answers the embedder.
        let mut folds = Vec::new();
        for fold in 0..5 {
            let (train, test): (Vec<_>, Vec<_>) = examples
                .iter()
                .cloned()
                .enumerate()
                .partition(|(i, _)| i % 5 != fold);
            let train: Vec<_> = train.into_iter().map(|(_, e)| e).collect();
            let texts: Vec<String> = test.iter().map(|(_, (_, t))| t.clone()).collect();
            let gold: Vec<String> = test.iter().map(|(_, (l, _))| l.clone()).collect();
            let vectors = queries(&embedder, &texts).await;
            folds.push((train, vectors, gold));
        }
        for scoring in SCORINGS {
            let (mut right, mut total) = (0.0, 0.0);
            for (train, vectors, gold) in &folds {
                let c = classifier(&embedder, train.clone(), role, -1.0)
                    .await
                    .with_scoring(scoring);
                right += accuracy(&c, vectors, gold) * gold.len() as f64;
                total += gold.len() as f64;
            }
            let full = classifier(&embedder, examples.clone(), role, -1.0)
                .await
                .with_scoring(scoring);
            let held = accuracy(&full, &held_vectors, &held_gold);
            println!(
                "{role_name:<8} {:<22} {:>8.3} {:>9.3}",
                format!("{scoring:?}"),
                right / total,
                held
            );
        }
    }

    // Out-of-scope threshold: in-scope accuracy vs out-of-scope recall on the held-out
    // messages plus extra out-of-scope questions.
    let extra_oos = [
        "how tall is the eiffel tower",
        "quien es el mejor jugador del mundo",
        "come si dice cane in inglese",
        "qual é a raiz quadrada de 144",
        "translate hello to german",
        "dame consejos para ligar",
        "qual è il senso della vita",
        "você acredita em extraterrestres?",
        "what's the meaning of life",
        "cuando es semana santa este año",
        "a che ora c'è la messa",
        "quanto custa um iphone 15 na apple",
        "who are you voting for",
        "hazme un resumen de la revolución francesa",
        "dimmi un proverbio",
        "o benfica ganhou ontem?",
    ];
    let mut texts = held_texts.clone();
    let mut gold = held_gold.clone();
    for t in extra_oos {
        texts.push(t.to_string());
        gold.push(OUT_OF_SCOPE.to_string());
    }
    let vectors = queries(&embedder, &texts).await;
    for scoring in [
        Scoring::Nearest,
        Scoring::TopKMean { k: 2 },
        Scoring::TopKMean { k: 3 },
    ] {
        println!(
            "\nthreshold sweep, query role, {scoring:?}: in-scope accuracy / out-of-scope recall / overall"
        );
        let base = classifier(&embedder, examples.clone(), EmbedRole::Query, -1.0)
            .await
            .with_scoring(scoring);
        let mut t = 0.80;
        let mut base = Some(base);
        while t <= 0.921 {
            let c = base.take().unwrap().with_out_of_scope_threshold(t);
            let (mut in_right, mut in_total, mut oos_right, mut oos_total) = (0, 0, 0, 0);
            for (v, g) in vectors.iter().zip(&gold) {
                let got = c.classify_embedding(v).intent;
                if g == OUT_OF_SCOPE {
                    oos_total += 1;
                    oos_right += usize::from(got == *g);
                } else {
                    in_total += 1;
                    in_right += usize::from(got == *g);
                }
            }
            println!(
                "  t={t:.2}: {:.3} / {:.3} / {:.3}",
                in_right as f64 / in_total as f64,
                oos_right as f64 / oos_total as f64,
                (in_right + oos_right) as f64 / (in_total + oos_total) as f64
            );
            base = Some(c);
            t += 0.01;
        }
    }
}

/// `k` training examples per label (the first ones in file order) and every `stride`-th test
/// example.
fn few_shot(
    train: &[(String, String)],
    test: &[(String, String)],
    k: usize,
    stride: usize,
) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let mut taken: HashMap<&str, usize> = HashMap::new();
    let shots = train
        .iter()
        .filter(|(label, _)| {
            let n = taken.entry(label.as_str()).or_default();
            *n += 1;
            *n <= k
        })
        .cloned()
        .collect();
    let sample = test.iter().step_by(stride).cloned().collect();
    (shots, sample)
}

fn labelled(rows: Vec<serde_json::Value>) -> Vec<(String, String)> {
    rows.into_iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
#[ignore = "evaluation: BANKING77 and CLINC150 few-shot"]
async fn few_shot_accuracy_on_banking77_and_clinc150() {
    let embedder = cached(model_or_skip!());
    let Some(datasets) = support::datasets() else {
        eprintln!("skipped: no datasets folder");
        return;
    };
    let train = labelled(read_jsonl(&datasets.join("banking77/train.jsonl")));
    let test = labelled(read_jsonl(&datasets.join("banking77/test.jsonl")));
    let (shots, sample) = few_shot(&train, &test, 10, test.len() / 500);
    let sample: Vec<_> = sample.into_iter().take(500).collect();
    let texts: Vec<String> = sample.iter().map(|(_, t)| t.clone()).collect();
    let gold: Vec<String> = sample.iter().map(|(l, _)| l.clone()).collect();
    println!(
        "\nBANKING77 10-shot ({} examples), {} test examples",
        shots.len(),
        texts.len()
    );
    for (role_name, role) in [("query", EmbedRole::Query), ("passage", EmbedRole::Passage)] {
        let started = Instant::now();
        let base = classifier(&embedder, shots.clone(), role, -1.0).await;
        let built = started.elapsed();
        let vectors = queries(&embedder, &texts).await;
        let mut base = Some(base);
        for scoring in SCORINGS {
            let c = base.take().unwrap().with_scoring(scoring);
            println!(
                "  {role_name:<8} {:<22} acc {:.3}  (built in {built:.1?})",
                format!("{scoring:?}"),
                accuracy(&c, &vectors, &gold)
            );
            base = Some(c);
        }
    }

    let train = labelled(read_jsonl(&datasets.join("clinc150/train.jsonl")));
    let test = labelled(read_jsonl(&datasets.join("clinc150/test.jsonl")));
    let in_train: Vec<_> = train.into_iter().filter(|(l, _)| l != "oos").collect();
    let in_test: Vec<_> = test.iter().filter(|(l, _)| l != "oos").cloned().collect();
    let oos_test: Vec<_> = test
        .iter()
        .filter(|(l, _)| l == "oos")
        .step_by(4)
        .cloned()
        .collect();
    let (shots, sample) = few_shot(&in_train, &in_test, 10, 5);
    let mut eval = sample.clone();
    eval.extend(oos_test.iter().cloned());
    let texts: Vec<String> = eval.iter().map(|(_, t)| t.clone()).collect();
    let gold: Vec<String> = eval.iter().map(|(l, _)| l.clone()).collect();
    println!(
        "\nCLINC150 10-shot ({} examples), {} in-scope + {} out-of-scope test queries, query role",
        shots.len(),
        sample.len(),
        oos_test.len()
    );
    let vectors = queries(&embedder, &texts).await;
    let config = ClassifierConfig {
        out_of_scope_label: "oos".into(),
        ..ClassifierConfig::default()
    };
    let mut base = Some(
        IntentClassifier::with_config(Arc::clone(&embedder), shots, config)
            .await
            .unwrap(),
    );
    for scoring in [
        Scoring::Nearest,
        Scoring::TopKMean { k: 2 },
        Scoring::TopKMean { k: 3 },
        Scoring::Centroid,
    ] {
        for t in [-1.0, 0.84, 0.86, 0.87, 0.88, 0.89, 0.90] {
            let c = base
                .take()
                .unwrap()
                .with_scoring(scoring)
                .with_out_of_scope_threshold(t);
            let (mut in_right, mut in_total, mut oos_right, mut oos_total) = (0, 0, 0, 0);
            for (v, g) in vectors.iter().zip(&gold) {
                let got = c.classify_embedding(v).intent;
                if g == "oos" {
                    oos_total += 1;
                    oos_right += usize::from(got == "oos");
                } else {
                    in_total += 1;
                    in_right += usize::from(got == *g);
                }
            }
            println!(
                "  {:<22} t={t:>5.2}: in-scope acc {:.3}, oos recall {:.3}",
                format!("{scoring:?}"),
                in_right as f64 / in_total as f64,
                oos_right as f64 / oos_total as f64
            );
            base = Some(c);
        }
    }
}

/// One language's tweets: texts and labels per split.
struct Tweets {
    code: &'static str,
    splits: BTreeMap<&'static str, (Vec<String>, Vec<SentimentLabel>)>,
}

fn tweets(datasets: &std::path::Path) -> Vec<Tweets> {
    [
        ("es", "spanish"),
        ("it", "italian"),
        ("pt", "portuguese"),
        ("en", "english"),
    ]
    .into_iter()
    .map(|(code, folder)| {
        let splits = ["train", "val", "test"]
            .into_iter()
            .map(|split| {
                let rows = read_jsonl(&datasets.join(format!(
                    "tweet_sentiment_multilingual/{folder}/{split}.jsonl"
                )));
                let texts = rows
                    .iter()
                    .map(|r| r["text"].as_str().unwrap().to_string())
                    .collect();
                let labels = rows
                    .iter()
                    .map(|r| match r["label"].as_u64().unwrap() {
                        0 => SentimentLabel::Negative,
                        1 => SentimentLabel::Neutral,
                        _ => SentimentLabel::Positive,
                    })
                    .collect();
                (split, (texts, labels))
            })
            .collect();
        Tweets { code, splits }
    })
    .collect()
}

const CLASSES: [SentimentLabel; 3] = [
    SentimentLabel::Negative,
    SentimentLabel::Neutral,
    SentimentLabel::Positive,
];

fn labels_at(polarities: &[f32], threshold: f32) -> Vec<SentimentLabel> {
    polarities
        .iter()
        .map(|&p| {
            if p >= threshold {
                SentimentLabel::Positive
            } else if p <= -threshold {
                SentimentLabel::Negative
            } else {
                SentimentLabel::Neutral
            }
        })
        .collect()
}

/// The threshold in 0.01..0.95 with the best mean macro-F1 over languages on `val`.
fn best_threshold(val: &[(Vec<f32>, Vec<SentimentLabel>)]) -> (f32, f64) {
    (1..=95)
        .map(|i| i as f32 / 100.0)
        .map(|t| {
            let mean = val
                .iter()
                .map(|(p, g)| macro_f1(g, &labels_at(p, t), &CLASSES))
                .sum::<f64>()
                / val.len() as f64;
            (t, mean)
        })
        .fold((0.0, -1.0), |best, x| if x.1 > best.1 { x } else { best })
}

#[test]
#[ignore = "evaluation: the lexicon alone on tweet_sentiment_multilingual (no model)"]
fn sentiment_lexicon_on_multilingual_tweets() {
    let Some(datasets) = support::datasets() else {
        eprintln!("skipped: no datasets folder");
        return;
    };
    let languages = tweets(&datasets);
    let polarities = |split: &str| -> Vec<(Vec<f32>, Vec<SentimentLabel>)> {
        languages
            .iter()
            .map(|l| {
                let (texts, gold) = &l.splits[split];
                (
                    texts
                        .iter()
                        .map(|t| lexicon_score(t, l.code).polarity)
                        .collect(),
                    gold.clone(),
                )
            })
            .collect()
    };
    let (val, test) = (polarities("val"), polarities("test"));
    let (t, _) = best_threshold(&val);
    let f1s: Vec<f64> = test
        .iter()
        .map(|(p, g)| macro_f1(g, &labels_at(p, t), &CLASSES))
        .collect();
    println!(
        "\nlexicon + rules, t={t:.2}: es {:.3}  it {:.3}  pt {:.3}  en {:.3}  mean {:.3}",
        f1s[0],
        f1s[1],
        f1s[2],
        f1s[3],
        f1s.iter().sum::<f64>() / 4.0
    );
    let covered = test
        .iter()
        .map(|(p, _)| p.iter().filter(|x| **x != 0.0).count() as f64 / p.len() as f64)
        .collect::<Vec<_>>();
    println!("share of test tweets with any lexicon hit: {covered:.2?}");
}

#[tokio::test]
#[ignore = "evaluation: sentiment methods on tweet_sentiment_multilingual"]
async fn sentiment_methods_on_multilingual_tweets() {
    let embedder = cached(model_or_skip!());
    let Some(datasets) = support::datasets() else {
        eprintln!("skipped: no datasets folder");
        return;
    };
    let languages = tweets(&datasets);
    let started = Instant::now();
    let mut vectors: HashMap<(&str, &str), Vec<Vec<f32>>> = HashMap::new();
    for language in &languages {
        for (split, (texts, _)) in &language.splits {
            vectors.insert((language.code, split), queries(&embedder, texts).await);
        }
    }
    println!(
        "\nembedded the tweets in {:.1?} (cached after the first run)",
        started.elapsed()
    );
    let analyzer = SentimentAnalyzer::with_config(&embedder, SentimentConfig::default())
        .await
        .unwrap();

    // Polarity per method per split; thresholds tuned on val, reported on test.
    let lexical = |split: &str| -> Vec<(Vec<f32>, Vec<SentimentLabel>)> {
        languages
            .iter()
            .map(|l| {
                let (texts, gold) = &l.splits[split];
                (
                    texts
                        .iter()
                        .map(|t| lexicon_score(t, l.code).polarity)
                        .collect(),
                    gold.clone(),
                )
            })
            .collect()
    };
    let prototype = |split: &str, gain: f32, k: usize| -> Vec<(Vec<f32>, Vec<SentimentLabel>)> {
        let a = analyzer.reconfigured(SentimentConfig {
            method: SentimentMethod::Prototypes,
            prototype_gain: gain,
            prototype_k: k,
            ..SentimentConfig::default()
        });
        languages
            .iter()
            .map(|l| {
                let (texts, gold) = &l.splits[split];
                let v = &vectors[&(l.code, split)];
                (
                    texts
                        .iter()
                        .zip(v)
                        .map(|(t, e)| a.analyze(t, l.code, Some(e)).polarity)
                        .collect(),
                    gold.clone(),
                )
            })
            .collect()
    };
    let report = |name: &str, threshold: f32, test: &[(Vec<f32>, Vec<SentimentLabel>)]| {
        let f1s: Vec<f64> = test
            .iter()
            .map(|(p, g)| macro_f1(g, &labels_at(p, threshold), &CLASSES))
            .collect();
        println!(
            "{name:<44} t={threshold:.2}  es {:.3}  it {:.3}  pt {:.3}  en {:.3}  mean {:.3}",
            f1s[0],
            f1s[1],
            f1s[2],
            f1s[3],
            f1s.iter().sum::<f64>() / 4.0
        );
    };

    println!("\nmacro-F1 on test (threshold tuned on val):");
    let (lex_val, lex_test) = (lexical("val"), lexical("test"));
    let (t, _) = best_threshold(&lex_val);
    report("(a) lexicon + rules", t, &lex_test);
    let mut best_proto = (0.0, 0, 0.0, -1.0);
    for gain in [200.0, 400.0, 800.0] {
        for k in [8, 12, 24, 48] {
            let (t, f) = best_threshold(&prototype("val", gain, k));
            if f > best_proto.3 {
                best_proto = (gain, k, t, f);
            }
        }
    }
    let (gain, k, t, _) = best_proto;
    let proto_test = prototype("test", gain, k);
    report(
        &format!("(b) prototypes (gain {gain}, k {k})"),
        t,
        &proto_test,
    );

    // (c) the lexicon as evidence inside the prototype softmax: its polarity shifts the
    // positive and negative logits by ±beta before normalising.
    let similarities = |split: &str| -> Vec<(Vec<[f32; 3]>, Vec<f32>, Vec<SentimentLabel>)> {
        let a = analyzer.reconfigured(SentimentConfig {
            prototype_k: k,
            ..SentimentConfig::default()
        });
        languages
            .iter()
            .map(|l| {
                let (texts, gold) = &l.splits[split];
                let v = &vectors[&(l.code, split)];
                (
                    v.iter()
                        .map(|e| a.prototype_similarities(e).unwrap())
                        .collect(),
                    texts
                        .iter()
                        .map(|t| lexicon_score(t, l.code).polarity)
                        .collect(),
                    gold.clone(),
                )
            })
            .collect()
    };
    let biased = |data: &[(Vec<[f32; 3]>, Vec<f32>, Vec<SentimentLabel>)],
                  beta: f32,
                  g: f32|
     -> Vec<(Vec<f32>, Vec<SentimentLabel>)> {
        data.iter()
            .map(|(sims, lex, gold)| {
                let p = sims
                    .iter()
                    .zip(lex)
                    .map(|(s, l)| {
                        let logits = [g * s[0] - beta * l, g * s[1], g * s[2] + beta * l];
                        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                        let e = logits.map(|x| (x - top).exp());
                        (e[2] - e[0]) / (e[0] + e[1] + e[2])
                    })
                    .collect();
                (p, gold.clone())
            })
            .collect()
    };
    let (sim_val, sim_test) = (similarities("val"), similarities("test"));
    let mut best_biased = (0.0, 0.0, 0.0, -1.0);
    for g in [200.0, 400.0, 800.0] {
        for beta in [1.0, 2.0, 3.0, 4.0, 6.0, 8.0] {
            let (t, f) = best_threshold(&biased(&sim_val, beta, g));
            if f > best_biased.3 {
                best_biased = (g, beta, t, f);
            }
        }
    }
    let (g, beta, t, _) = best_biased;
    report(
        &format!("(c) prototypes + lexicon bias (gain {g}, bias {beta})"),
        t,
        &biased(&sim_test, beta, g),
    );
    // The same through the library, as shipped: must agree with the line above, and be the
    // default.
    let combined = analyzer.reconfigured(SentimentConfig {
        method: SentimentMethod::Combined { lexicon_bias: beta },
        threshold: t,
        prototype_gain: g,
        prototype_k: k,
        ..SentimentConfig::default()
    });
    let combined_test: Vec<(Vec<f32>, Vec<SentimentLabel>)> = languages
        .iter()
        .map(|l| {
            let (texts, gold) = &l.splits["test"];
            let v = &vectors[&(l.code, "test")];
            (
                texts
                    .iter()
                    .zip(v)
                    .map(|(x, e)| combined.analyze(x, l.code, Some(e)).polarity)
                    .collect(),
                gold.clone(),
            )
        })
        .collect();
    report("(c) combined, through SentimentAnalyzer", t, &combined_test);
    println!(
        "    tuned: {:?}\n    default: {:?}",
        combined.config(),
        SentimentConfig::default()
    );

    // Reference only, never shipped: a linear probe trained on the train split.
    for (name, with_lexicon) in [
        ("(ref) linear probe on embeddings", false),
        ("(ref) linear probe on embeddings + lexicon", true),
    ] {
        let features = |code: &str, split: &str| -> Vec<Vec<f32>> {
            let l = languages.iter().find(|l| l.code == code).unwrap();
            let (texts, _) = &l.splits[split];
            vectors[&(code, split)]
                .iter()
                .zip(texts)
                .map(|(v, t)| {
                    let mut f = v.clone();
                    if with_lexicon {
                        f.push(lexicon_score(t, code).polarity);
                    }
                    f
                })
                .collect()
        };
        let mut x = Vec::new();
        let mut y = Vec::new();
        for l in &languages {
            x.extend(features(l.code, "train"));
            y.extend(
                l.splits["train"]
                    .1
                    .iter()
                    .map(|g| CLASSES.iter().position(|c| c == g).unwrap()),
            );
        }
        let probe = Probe::train(&x, &y);
        let f1s: Vec<f64> = languages
            .iter()
            .map(|l| {
                let predicted: Vec<SentimentLabel> = features(l.code, "test")
                    .iter()
                    .map(|f| CLASSES[probe.predict(f)])
                    .collect();
                macro_f1(&l.splits["test"].1, &predicted, &CLASSES)
            })
            .collect();
        println!(
            "{name:<44}         es {:.3}  it {:.3}  pt {:.3}  en {:.3}  mean {:.3}",
            f1s[0],
            f1s[1],
            f1s[2],
            f1s[3],
            f1s.iter().sum::<f64>() / 4.0
        );
    }
}

/// Multinomial logistic regression on standardised features, full-batch gradient descent.
struct Probe {
    mean: Vec<f32>,
    scale: Vec<f32>,
    weights: Vec<[f32; 3]>,
    bias: [f32; 3],
}

impl Probe {
    fn train(x: &[Vec<f32>], y: &[usize]) -> Self {
        let dims = x[0].len();
        let n = x.len() as f32;
        let mut mean = vec![0.0; dims];
        for row in x {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v / n;
            }
        }
        let mut scale = vec![0.0; dims];
        for row in x {
            for ((s, v), m) in scale.iter_mut().zip(row).zip(&mean) {
                *s += (v - m) * (v - m) / n;
            }
        }
        let scale: Vec<f32> = scale.iter().map(|v| 1.0 / v.sqrt().max(1e-6)).collect();
        let z: Vec<Vec<f32>> = x
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&mean)
                    .zip(&scale)
                    .map(|((v, m), s)| (v - m) * s)
                    .collect()
            })
            .collect();
        let mut probe = Self {
            mean,
            scale,
            weights: vec![[0.0; 3]; dims],
            bias: [0.0; 3],
        };
        let (rate, l2) = (0.5, 1e-3);
        for _ in 0..300 {
            let mut grad = vec![[0.0f32; 3]; dims];
            let mut grad_bias = [0.0f32; 3];
            for (row, &label) in z.iter().zip(y) {
                let p = probe.probabilities(row);
                for c in 0..3 {
                    let error = p[c] - if c == label { 1.0 } else { 0.0 };
                    grad_bias[c] += error / n;
                    for (g, v) in grad.iter_mut().zip(row) {
                        g[c] += error * v / n;
                    }
                }
            }
            for (w, g) in probe.weights.iter_mut().zip(&grad) {
                for c in 0..3 {
                    w[c] -= rate * (g[c] + l2 * w[c]);
                }
            }
            for c in 0..3 {
                probe.bias[c] -= rate * grad_bias[c];
            }
        }
        probe
    }

    fn probabilities(&self, z: &[f32]) -> [f32; 3] {
        let mut logits = self.bias;
        for (w, v) in self.weights.iter().zip(z) {
            for c in 0..3 {
                logits[c] += w[c] * v;
            }
        }
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp = logits.map(|l| (l - top).exp());
        let total: f32 = exp.iter().sum();
        exp.map(|e| e / total)
    }

    fn predict(&self, row: &[f32]) -> usize {
        let z: Vec<f32> = row
            .iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((v, m), s)| (v - m) * s)
            .collect();
        let p = self.probabilities(&z);
        (0..3).fold(0, |best, c| if p[c] > p[best] { c } else { best })
    }
}

#[tokio::test]
#[ignore = "evaluation: time per message"]
async fn time_per_message() {
    let model = model_or_skip!();
    let started = Instant::now();
    let understander = Understander::with_embedder(Arc::clone(&model), None)
        .await
        .unwrap();
    println!(
        "\nbuilt the understander (embedding the examples and seeds) in {:.1?}",
        started.elapsed()
    );
    let texts: Vec<String> = HELD_OUT.iter().map(|(_, t, _)| t.to_string()).collect();
    // Warm up.
    for text in texts.iter().take(5) {
        understander.understand(text, "es").await.unwrap();
    }
    let mut embed_ms = Vec::new();
    let mut total_ms = Vec::new();
    for text in &texts {
        let started = Instant::now();
        model
            .embed(&[text_for_embedding(text)], EmbedRole::Query)
            .await
            .unwrap();
        embed_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        understander.understand(text, "es").await.unwrap();
        total_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() * 9 / 10])
    };
    let (embed_p50, embed_p90) = median(&mut embed_ms);
    let (total_p50, total_p90) = median(&mut total_ms);
    println!(
        "per message over {} messages: embedding p50 {embed_p50:.2} ms p90 {embed_p90:.2} ms; whole understanding p50 {total_p50:.2} ms p90 {total_p90:.2} ms",
        texts.len()
    );

    // The part after the embedding, measured alone: language, intent from a vector, sentiment.
    let classifier = IntentClassifier::new(Arc::clone(&model), &IntentSet::builtin().unwrap())
        .await
        .unwrap();
    let sentiment = SentimentAnalyzer::new(&model).await.unwrap();
    let vectors = queries(&model, &texts).await;
    let rounds = 20;
    let per_message =
        |elapsed: std::time::Duration| elapsed.as_secs_f64() * 1e6 / (rounds * texts.len()) as f64;
    let started = Instant::now();
    for _ in 0..rounds {
        for text in &texts {
            std::hint::black_box(charla_agent::understanding::detect_language(text, "es"));
        }
    }
    let language_us = per_message(started.elapsed());
    let started = Instant::now();
    for _ in 0..rounds {
        for vector in &vectors {
            std::hint::black_box(classifier.classify_embedding(vector));
        }
    }
    let intent_us = per_message(started.elapsed());
    let started = Instant::now();
    for _ in 0..rounds {
        for (text, vector) in texts.iter().zip(&vectors) {
            std::hint::black_box(sentiment.analyze(text, "es", Some(vector)));
        }
    }
    let sentiment_us = per_message(started.elapsed());
    let rest_us = language_us + intent_us + sentiment_us;
    println!(
        "after the embedding, per message: language {language_us:.0} µs, intent {intent_us:.0} µs ({} examples), sentiment {sentiment_us:.0} µs",
        classifier.example_count()
    );
    println!(
        "language + intent (from the vector) + sentiment: {rest_us:.0} µs per message (this build's optimisation level)"
    );
}
