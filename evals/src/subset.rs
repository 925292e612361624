//! `charla-evals subset --out DIR`: writes the fixed evaluation subset CI runs, in the
//! datasets folder's own layout, from the public datasets whose licences allow copying
//! (BANKING77, HWU64: CC BY 4.0; CLINC150: CC BY 3.0; StackFAQ: CC BY-SA). It is committed
//! as `evals/data/ci`, so CI measures the same examples on a machine without the datasets.
//!
//! A suite gives the same figures on the subset as on the whole dataset with the same
//! `--limit`: each intent set keeps exactly its [`SHOTS`]-per-intent training sample (drawn as
//! the suite draws it, so the suite's own sampling then keeps all of it) and the test examples
//! `--limit` spreads over; StackFAQ keeps its whole corpus, and the judged queries `--limit`
//! spreads over with their judgements. Lines are copied byte for byte.

use crate::sample::{self, FEW_SHOT_SEED};
use crate::suites::intent::{IntentDataset, SHOTS};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// One line of a dataset file, kept as read, with the field the subset is chosen by.
#[derive(Clone)]
struct Line<'a> {
    text: &'a str,
    key: String,
}

#[derive(Deserialize)]
struct Labelled {
    label: String,
}

#[derive(Deserialize)]
struct Identified {
    #[serde(rename = "_id")]
    id: String,
}

/// Writes the subset of `datasets` into `out`, `limit` test examples per set.
///
/// Errors: a dataset file is missing or has a bad line (named with its line number), or
/// `out` cannot be written.
pub fn write(datasets: &Path, out: &Path, limit: usize) -> Result<()> {
    for dataset in IntentDataset::ALL {
        let name = dataset.suite().trim_start_matches("intent:");
        let source = datasets.join(name);
        let target = out.join(name);
        let train_text = read(&source.join("train.jsonl"))?;
        let train = lines::<Labelled>(&train_text, &source.join("train.jsonl"), |l| l.label)?;
        let shots = sample::k_per_class(&train, |l| l.key.as_str(), SHOTS, FEW_SHOT_SEED);
        let test_text = read(&source.join("test.jsonl"))?;
        let test = lines::<Labelled>(&test_text, &source.join("test.jsonl"), |l| l.label)?;
        let test = sample::spread(test, Some(limit));
        save(&target.join("train.jsonl"), &shots)?;
        save(&target.join("test.jsonl"), &test)?;
        eprintln!(
            "{}: {} training examples, {} test examples",
            target.display(),
            shots.len(),
            test.len()
        );
    }

    let source = datasets.join("stackfaq");
    let target = out.join("stackfaq");
    std::fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
    // Read and written rather than copied, so the copy does not keep a read-only mode.
    std::fs::write(
        target.join("corpus.jsonl"),
        read(&source.join("corpus.jsonl"))?,
    )
    .context("writing the StackFAQ corpus")?;
    let qrels_text = read(&source.join("qrels.tsv"))?;
    let judged: HashSet<&str> = qrels_text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    let queries_text = read(&source.join("queries.jsonl"))?;
    let queries = lines::<Identified>(&queries_text, &source.join("queries.jsonl"), |q| q.id)?;
    let queries: Vec<Line> = queries
        .into_iter()
        .filter(|q| judged.contains(q.key.as_str()))
        .collect();
    let queries = sample::spread(queries, Some(limit));
    let kept: HashSet<&str> = queries.iter().map(|q| q.key.as_str()).collect();
    let mut qrels: Vec<&str> = qrels_text.lines().take(1).collect();
    qrels.extend(
        qrels_text
            .lines()
            .skip(1)
            .filter(|l| l.split('\t').next().is_some_and(|id| kept.contains(id))),
    );
    save(&target.join("queries.jsonl"), &queries)?;
    std::fs::write(target.join("qrels.tsv"), qrels.join("\n") + "\n")
        .context("writing the StackFAQ judgements")?;
    eprintln!("{}: {} queries", target.display(), queries.len());
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The non-empty lines of a JSON Lines file with the key `key_of` takes from each.
fn lines<'a, T: serde::de::DeserializeOwned>(
    text: &'a str,
    path: &Path,
    key_of: impl Fn(T) -> String,
) -> Result<Vec<Line<'a>>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let record: T = serde_json::from_str(line)
                .with_context(|| format!("{}:{}: invalid record", path.display(), i + 1))?;
            Ok(Line {
                text: line,
                key: key_of(record),
            })
        })
        .collect()
}

fn save(path: &Path, lines: &[Line]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut text = String::new();
    for line in lines {
        text.push_str(line.text);
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn labelled(n: usize, labels: &[&str]) -> String {
        (0..n)
            .map(|i| {
                let label = labels[i % labels.len()];
                format!("{{\"text\": \"message {i}\", \"label\": \"{label}\"}}\n")
            })
            .collect()
    }

    fn datasets() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in ["banking77", "clinc150", "hwu64"] {
            let folder = dir.path().join(name);
            std::fs::create_dir_all(&folder).unwrap();
            // 30 examples of each of two intents, 3 of a third.
            let mut train = labelled(60, &["a", "b"]);
            train.push_str(&labelled(3, &["rare"]));
            std::fs::write(folder.join("train.jsonl"), train).unwrap();
            std::fs::write(folder.join("test.jsonl"), labelled(40, &["a", "b"])).unwrap();
        }
        let folder = dir.path().join("stackfaq");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("corpus.jsonl"),
            "{\"_id\": \"d1\", \"question\": \"q\", \"answer\": \"a\"}\n",
        )
        .unwrap();
        let queries: String = (0..10)
            .map(|i| format!("{{\"_id\": \"q{i}\", \"text\": \"query {i}\"}}\n"))
            .collect();
        std::fs::write(folder.join("queries.jsonl"), queries).unwrap();
        // Only the even queries are judged.
        let qrels: String = std::iter::once("query-id\tcorpus-id\tscore\n".to_string())
            .chain((0..10).step_by(2).map(|i| format!("q{i}\td1\t1\n")))
            .collect();
        std::fs::write(folder.join("qrels.tsv"), qrels).unwrap();
        dir
    }

    #[test]
    fn the_subset_keeps_ten_examples_per_intent_and_the_limited_test_split() {
        let source = datasets();
        let out = tempfile::tempdir().unwrap();
        write(source.path(), out.path(), 8).unwrap();

        let train = std::fs::read_to_string(out.path().join("hwu64/train.jsonl")).unwrap();
        let count = |label: &str| {
            train
                .lines()
                .filter(|l| l.contains(&format!("\"label\": \"{label}\"")))
                .count()
        };
        assert_eq!((count("a"), count("b"), count("rare")), (10, 10, 3));
        // Lines are copied as they were, and in their original order.
        let original = std::fs::read_to_string(source.path().join("hwu64/train.jsonl")).unwrap();
        let positions: Vec<usize> = train
            .lines()
            .map(|l| original.lines().position(|o| o == l).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]));

        let test = std::fs::read_to_string(out.path().join("banking77/test.jsonl")).unwrap();
        assert_eq!(test.lines().count(), 8);
        assert!(test.starts_with("{\"text\": \"message 0\""));
    }

    #[test]
    fn the_stackfaq_subset_keeps_only_judged_queries_and_their_judgements() {
        let source = datasets();
        let out = tempfile::tempdir().unwrap();
        write(source.path(), out.path(), 3).unwrap();

        let queries = std::fs::read_to_string(out.path().join("stackfaq/queries.jsonl")).unwrap();
        let ids: Vec<&str> = queries
            .lines()
            .map(|l| l.split('"').nth(3).unwrap())
            .collect();
        // Five judged queries (q0, q2, q4, q6, q8), three spread over them.
        assert_eq!(ids, vec!["q0", "q2", "q6"]);
        let qrels = std::fs::read_to_string(out.path().join("stackfaq/qrels.tsv")).unwrap();
        assert_eq!(
            qrels,
            "query-id\tcorpus-id\tscore\nq0\td1\t1\nq2\td1\t1\nq6\td1\t1\n"
        );
        assert!(out.path().join("stackfaq/corpus.jsonl").is_file());
    }
}
