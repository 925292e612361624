//! `retrieval:tau2-banking`: the τ²-bench `banking_knowledge` domain (Sierra Research, MIT) as
//! a retrieval test. Its 698 knowledge-base articles (internal bank policies and product
//! documents, `{id, title, content}`) are written as one Markdown file each and ingested as a
//! business's policies; each of its 97 customer tasks is a query, and the task's
//! `required_documents` are the relevant articles.
//!
//! The tasks are instructions to a simulated customer, not questions: the query is the task's
//! `user_scenario.instructions` without the sentences many tasks share (role-play boilerplate
//! such as "You are playing the role of a customer…", list numbers, section labels), which
//! say nothing about what the customer needs. τ²-bench itself scores whole conversations
//! (pass^k), so there is no published recall to compare with; the figures are charla's own
//! baseline.

use super::{Corpus, JudgedQuery, RetrievalReport};
use anyhow::{Context, Result, ensure};
use charla_knowledge::index::Hit;
use charla_knowledge::{Embedder, Kind};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// The suite's name.
pub const SUITE: &str = "retrieval:tau2-banking";

/// A sentence found in more than this share of the tasks is boilerplate, not a need.
const BOILERPLATE_SHARE: f64 = 0.05;

#[derive(Debug, Deserialize)]
struct Article {
    id: String,
    title: String,
    content: String,
}

#[derive(Debug, Deserialize)]
struct Task {
    id: String,
    user_scenario: UserScenario,
    #[serde(default)]
    required_documents: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct UserScenario {
    instructions: String,
}

/// Runs `retrieval:tau2-banking` with at most `limit` tasks.
pub async fn run(
    datasets: &Path,
    embedder: Option<Arc<dyn Embedder>>,
    limit: Option<usize>,
) -> Result<RetrievalReport> {
    let dir = datasets.join("tau2_bench").join("banking_knowledge");
    let tasks_path = dir.join("tasks.json");
    let tasks: Vec<Task> = serde_json::from_slice(
        &std::fs::read(&tasks_path)
            .with_context(|| format!("cannot read {}", tasks_path.display()))?,
    )
    .with_context(|| format!("{}: invalid tasks", tasks_path.display()))?;
    let articles = read_articles(&dir.join("documents"))?;

    let work = tempfile::tempdir().context("temporary folder")?;
    let docs = work.path().join("documents");
    std::fs::create_dir_all(&docs).context("creating the documents folder")?;
    for article in &articles {
        // The id is the file name, so a hit's source names its article.
        std::fs::write(
            docs.join(format!("{}.md", article.id)),
            format!("# {}\n\n{}\n", article.title, article.content),
        )
        .with_context(|| format!("writing article {}", article.id))?;
    }
    let known: HashSet<&str> = articles.iter().map(|a| a.id.as_str()).collect();
    for task in &tasks {
        if let Some(unknown) = task
            .required_documents
            .iter()
            .find(|d| !known.contains(d.as_str()))
        {
            anyhow::bail!(
                "{}: task {} needs article {unknown}, which is not in documents/",
                tasks_path.display(),
                task.id
            );
        }
    }

    let boilerplate = boilerplate(&tasks);
    let qrels: HashMap<String, HashSet<String>> = tasks
        .iter()
        .map(|t| (t.id.clone(), t.required_documents.iter().cloned().collect()))
        .collect();
    let queries: Vec<JudgedQuery> = super::judged(
        tasks.iter().map(|t| {
            (
                t.id.clone(),
                query(&t.user_scenario.instructions, &boilerplate),
            )
        }),
        &qrels,
    );
    let queries = crate::sample::spread(queries, limit);
    let notes = vec![format!(
        "Each task's query is its customer instructions without the {} sentences found in more \
         than {:.0}% of the tasks (role-play boilerplate); the relevant articles are its \
         `required_documents`. τ²-bench publishes pass^k of whole conversations, not recall: \
         these figures are charla's own baseline.",
        boilerplate.len(),
        BOILERPLATE_SHARE * 100.0
    )];
    let corpus = Corpus {
        paths: vec![docs],
        kind: Kind::Policy,
        documents: articles.len(),
        document_of: article_id,
    };
    super::run(SUITE, work.path(), corpus, &queries, embedder, notes).await
}

fn read_articles(dir: &Path) -> Result<Vec<Article>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    ensure!(!paths.is_empty(), "{}: no articles", dir.display());
    paths
        .iter()
        .map(|path| {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: invalid article", path.display()))
        })
        .collect()
}

/// The article a hit comes from: its file name without `.md`.
fn article_id(hit: &Hit) -> Option<String> {
    let name = hit.chunk.source.rsplit('/').next()?;
    name.strip_suffix(".md").map(str::to_string)
}

/// The sentences of a task's instructions (split at line breaks and sentence ends).
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(end) = [". ", "? ", "! "].iter().filter_map(|p| rest.find(p)).min() {
            out.push(rest[..=end].trim());
            rest = &rest[end + 2..];
        }
        out.push(rest.trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Sentences that more than [`BOILERPLATE_SHARE`] of the tasks contain.
fn boilerplate(tasks: &[Task]) -> HashSet<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for task in tasks {
        let unique: HashSet<&str> = sentences(&task.user_scenario.instructions)
            .into_iter()
            .collect();
        for sentence in unique {
            *counts.entry(sentence).or_default() += 1;
        }
    }
    let cutoff = (tasks.len() as f64 * BOILERPLATE_SHARE).ceil() as usize;
    counts
        .into_iter()
        .filter(|&(_, n)| n > cutoff.max(1))
        .map(|(s, _)| s.to_string())
        .collect()
}

/// A task's instructions without the boilerplate sentences.
fn query(instructions: &str, boilerplate: &HashSet<String>) -> String {
    sentences(instructions)
        .into_iter()
        .filter(|s| !boilerplate.contains(*s))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, instructions: &str) -> Task {
        Task {
            id: id.into(),
            user_scenario: UserScenario {
                instructions: instructions.into(),
            },
            required_documents: Vec::new(),
        }
    }

    #[test]
    fn sentences_shared_by_many_tasks_are_left_out_of_the_query() {
        let common = "You are playing the role of a customer.";
        let tasks: Vec<Task> = (0..20)
            .map(|i| {
                task(
                    &format!("t{i}"),
                    &format!("{common} I want card number {i}."),
                )
            })
            .collect();
        let boilerplate = boilerplate(&tasks);
        assert_eq!(
            query(&tasks[3].user_scenario.instructions, &boilerplate),
            "I want card number 3."
        );
    }

    #[test]
    fn instructions_split_at_sentence_ends_and_line_breaks() {
        assert_eq!(
            sentences("One. Two? Three\n\n1. Four"),
            vec!["One.", "Two?", "Three", "1.", "Four"]
        );
    }
}
