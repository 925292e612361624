//! `charla-evals`: measures charla on public datasets and writes JSON and Markdown reports.
//!
//! - `metrics`: ranking metrics (nDCG, MRR, recall, precision), unit-tested by hand.
//! - `datasets`: finding and reading the public datasets.
//! - `suites`: one module per suite family.
//! - `report`: the JSON and Markdown reports.

mod datasets;
mod metrics;
mod report;
mod suites;

use anyhow::{Result, bail};
use charla_knowledge::Embedder;
use charla_knowledge::embed::bert::LocalEmbedder;
use charla_knowledge::embed::locate::find_local_model;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Measures charla on public datasets, beside their published results.
#[derive(Debug, Parser)]
#[command(name = "charla-evals", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs suites, e.g. `charla-evals run retrieval:stackfaq`.
    Run {
        /// Suites to run: retrieval:stackfaq.
        #[arg(required = true, value_name = "SUITE")]
        suites: Vec<String>,
        /// Where the JSON and Markdown reports go.
        #[arg(long, default_value = "eval-reports")]
        report_dir: PathBuf,
        /// At most this many examples (queries) per suite, spread over the set.
        #[arg(long)]
        limit: Option<usize>,
        /// The public datasets folder (default: shared/datasets beside the repository).
        #[arg(long, env = "CHARLA_DATASETS")]
        datasets: Option<PathBuf>,
        /// A folder with local embedding models (default: ./models).
        #[arg(long, env = "CHARLA_MODEL_DIR")]
        model_dir: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let Command::Run {
        suites,
        report_dir,
        limit,
        datasets,
        model_dir,
    } = cli.command;
    let datasets = datasets::locate(datasets.as_deref())?;
    let mut dirs: Vec<PathBuf> = model_dir.into_iter().collect();
    dirs.push(PathBuf::from("models"));
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"));
    let embedder: Option<Arc<dyn Embedder>> = match find_local_model(&dirs) {
        Some(dir) => Some(Arc::new(LocalEmbedder::load(&dir)?)),
        None => {
            eprintln!(
                "note: no local embedding model found; dense and hybrid retrieval are not measured"
            );
            None
        }
    };
    let mut reports = Vec::new();
    for suite in &suites {
        eprintln!("== {suite}");
        match suite.as_str() {
            "retrieval:stackfaq" => {
                let report =
                    suites::retrieval::stackfaq(&datasets, embedder.clone(), limit).await?;
                eprintln!("{}", report::retrieval_markdown(&report));
                reports.push(report);
            }
            other => bail!("unknown suite {other:?}; available: retrieval:stackfaq"),
        }
    }
    report::write(&report_dir, &reports)?;
    eprintln!("reports written to {}", report_dir.display());
    Ok(ExitCode::SUCCESS)
}
