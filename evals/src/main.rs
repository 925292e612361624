//! `charla-evals`: measures charla on public datasets and writes JSON and Markdown reports.
//!
//! - `metrics`: ranking and classification metrics, unit-tested by hand.
//! - `datasets`: finding and reading the public datasets.
//! - `sample`: deterministic `--limit` and few-shot samples.
//! - `embedding`: one suite's in-memory embedding memo, with progress.
//! - `progress`: progress of long steps on stderr.
//! - `ask`: calls to the chat model a few at a time, stopping when the endpoint is down.
//! - `suites`: one module per suite family.
//! - `scenarios`: the `scenarios:PATH` suite, whole conversations through `charla serve`.
//! - `report`: the JSON and Markdown reports and what a run was measured with.
//! - `thresholds`: `--threshold METRIC=VALUE`, the quality floor for CI.
//! - `subset`: `charla-evals subset`, the fixed subset CI runs, committed as `evals/data/ci`.

mod ask;
mod datasets;
mod embedding;
mod metrics;
mod progress;
mod report;
mod sample;
mod scenarios;
mod subset;
mod suites;
mod thresholds;

use anyhow::{Context, Result, bail};
use charla_knowledge::Embedder;
use charla_knowledge::embed::CachedEmbedder;
use charla_knowledge::embed::bert::LocalEmbedder;
use charla_knowledge::embed::locate::find_local_model;
use clap::{Parser, Subcommand, ValueEnum};
use embedding::CountingEmbedder;
use report::SuiteReport;
use report::run_info::RunInfo;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use suites::intent::{IntentDataset, IntentVariants};
use suites::retrieval::RetrievalDataset;
use suites::sentiment::Language;
use thresholds::Threshold;

/// Measures charla on public datasets, beside their published results.
#[derive(Debug, Parser)]
#[command(name = "charla-evals", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes the fixed subset CI measures (evals/data/ci) from the public datasets.
    ///
    /// The 10-shot intent samples and test queries, and StackFAQ, in the datasets folder's
    /// layout: `charla-evals run` on it with `--datasets DIR --limit LIMIT` gives the figures
    /// of the whole datasets.
    Subset {
        /// Where to write it (the committed copy is evals/data/ci).
        #[arg(long)]
        out: PathBuf,
        /// Test examples (intent) and queries (StackFAQ) kept per set.
        #[arg(long, default_value_t = 300)]
        limit: usize,
        /// The public datasets folder (default: shared/datasets beside the repository).
        #[arg(long, env = "CHARLA_DATASETS")]
        datasets: Option<PathBuf>,
    },
    /// Runs suites, e.g. `charla-evals run intent:banking77 sentiment:tweets:es`.
    Run {
        /// Suites to run: retrieval:stackfaq, retrieval:tau2-banking, intent:banking77,
        /// intent:clinc150, intent:hwu64 (both variants; add :full or :10shot for one),
        /// sentiment:tweets (es, it, pt and en) or sentiment:tweets:LANG[,LANG],
        /// scenarios:PATH (a scenario file or a folder of them), tools:bfcl (BFCL's
        /// single-turn categories) or tools:bfcl:CATEGORY[,CATEGORY], tools:sgd (the next API
        /// call of SGD dialogues); the tools suites need --model openai and are reported as
        /// not run without it.
        #[arg(required = true, value_name = "SUITE")]
        suites: Vec<String>,
        /// Where the JSON and Markdown reports go.
        #[arg(long, default_value = "eval-reports")]
        report_dir: PathBuf,
        /// At most this many test examples (queries, tweets per language, examples per BFCL
        /// category, SGD service calls) per suite, spread evenly over the test split.
        #[arg(long)]
        limit: Option<usize>,
        /// The chat model. With `offline` the intent suites measure the embedding classifier;
        /// with `openai` charla's LLM intent classifier (CHARLA_INTENT_CLASSIFIER=llm). The
        /// sentiment analyser takes no chat model: it only runs with `offline`. The tools
        /// suites need `openai`: with `offline` they are reported as not run.
        #[arg(long, value_enum, default_value_t = ModelChoice::Offline)]
        model: ModelChoice,
        /// Exit with status 1 when METRIC is below VALUE (a fraction), after writing the
        /// reports; repeatable. Names are SUITE/VARIANT/METRIC, e.g.
        /// intent:banking77/full/accuracy=0.85, intent:clinc150/full/oos_recall=0.3,
        /// sentiment:tweets/es/macro_f1=0.55, retrieval:stackfaq/dense/ndcg_at_10=0.85,
        /// tools:bfcl/all/accuracy=0.7, tools:sgd/all/arg_f1=0.6; the `metrics` object of
        /// report.json lists them all.
        #[arg(long = "threshold", value_name = "METRIC=VALUE", value_parser = thresholds::parse)]
        thresholds: Vec<Threshold>,
        /// The public datasets folder (default: shared/datasets beside the repository).
        #[arg(long, env = "CHARLA_DATASETS")]
        datasets: Option<PathBuf>,
        /// A folder with local embedding models (default: ./models).
        #[arg(long, env = "CHARLA_MODEL_DIR")]
        model_dir: Option<PathBuf>,
        /// Keep the intent and sentiment suites' embeddings in this folder (charla's embedding
        /// cache, as `charla chat` keeps its intent examples'), so a later run embeds only what
        /// is new: the figures are the same, the times then exclude the model. Never inside
        /// the repository. Retrieval always runs the model (its latency is measured).
        #[arg(long, env = "CHARLA_EVALS_EMBEDDING_CACHE", value_name = "DIR")]
        embedding_cache: Option<PathBuf>,
        /// The `charla` binary scenarios start (default: the one beside charla-evals, as
        /// `cargo build -p charla-agent --bin charla` puts it).
        #[arg(long, env = "CHARLA_BIN", value_name = "PATH")]
        charla_bin: Option<PathBuf>,
    },
}

/// The chat model a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModelChoice {
    /// The deterministic offline model (no key, no network).
    Offline,
    /// An OpenAI-compatible endpoint (OPENAI_API_KEY, OPENAI_BASE_URL, CHARLA_CHAT_MODEL).
    Openai,
}

impl ModelChoice {
    fn name(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::Openai => "openai",
        }
    }
}

/// The size at which an `--embedding-cache` file starts over: room for every training and
/// test text of the intent and sentiment suites (about 50,000 vectors of 384 dimensions,
/// 1,552 bytes each) with margin.
const EMBEDDING_CACHE_BYTES: u64 = 256 << 20;

/// A suite named on the command line.
#[derive(Debug, Clone, PartialEq)]
enum Suite {
    Retrieval(RetrievalDataset),
    Intent(IntentDataset, IntentVariants),
    Sentiment(Vec<Language>),
    Scenarios(PathBuf),
    Bfcl(Vec<suites::tools::bfcl::Category>),
    Sgd,
}

const AVAILABLE: &str = "retrieval:stackfaq, retrieval:tau2-banking, intent:banking77, \
                         intent:clinc150, intent:hwu64 (each also :full or :10shot), \
                         sentiment:tweets, sentiment:tweets:LANG[,LANG] (es, it, pt, en), \
                         scenarios:PATH, tools:bfcl, tools:bfcl:CATEGORY[,CATEGORY], tools:sgd";

impl Suite {
    fn parse(name: &str) -> Result<Self> {
        if let Some(dataset) = RetrievalDataset::from_suite(name) {
            return Ok(Self::Retrieval(dataset));
        }
        if let Some((dataset, variants)) = suites::intent::parse_suite(name) {
            return Ok(Self::Intent(dataset, variants));
        }
        if let Some(path) = name.strip_prefix("scenarios:") {
            if path.is_empty() {
                bail!(
                    "scenarios: needs a file or folder, e.g. scenarios:examples/velora/scenarios"
                );
            }
            return Ok(Self::Scenarios(PathBuf::from(path)));
        }
        if name.starts_with(suites::sentiment::SUITE) {
            return Ok(Self::Sentiment(suites::sentiment::languages(name)?));
        }
        if name.starts_with(suites::tools::bfcl::SUITE) {
            return Ok(Self::Bfcl(suites::tools::bfcl::categories(name)?));
        }
        if name == suites::tools::sgd::SUITE {
            return Ok(Self::Sgd);
        }
        bail!("unknown suite {name:?}; available: {AVAILABLE}")
    }

    /// The name its metrics start with.
    fn name(&self) -> &'static str {
        match self {
            Self::Retrieval(dataset) => dataset.suite(),
            Self::Intent(dataset, _) => dataset.suite(),
            Self::Sentiment(_) => suites::sentiment::SUITE,
            Self::Scenarios(_) => scenarios::SUITE,
            Self::Bfcl(_) => suites::tools::bfcl::SUITE,
            Self::Sgd => suites::tools::sgd::SUITE,
        }
    }

    /// Whether the suite cannot run without the local embedding model (the LLM intent
    /// classifier, with `openai`, needs none).
    fn needs_embedder(&self, model: ModelChoice) -> bool {
        match self {
            Self::Intent(..) => model == ModelChoice::Offline,
            Self::Sentiment(_) => true,
            Self::Retrieval(_) | Self::Scenarios(_) | Self::Bfcl(_) | Self::Sgd => false,
        }
    }

    /// Why the suite will be reported as not run with `model`, if it will: the tools suites
    /// need a real chat model.
    fn skipped(&self, model: ModelChoice) -> Option<&'static str> {
        match (self, model) {
            (Self::Bfcl(_) | Self::Sgd, ModelChoice::Offline) => {
                Some(suites::tools::NOT_RUN_REASON)
            }
            _ => None,
        }
    }

    /// Why the suite cannot run with `model`, if it cannot.
    fn refuses(&self, model: ModelChoice) -> Option<String> {
        match (self, model) {
            (Self::Sentiment(_), ModelChoice::Openai) => Some(format!(
                "{} measures charla's sentiment analyser, which no chat model takes part in; run \
                 it with --model offline (the default).",
                self.name()
            )),
            _ => None,
        }
    }
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
    let started = Instant::now();
    let command = match cli.command {
        Command::Subset {
            out,
            limit,
            datasets,
        } => {
            subset::write(&datasets::locate(datasets.as_deref())?, &out, limit)?;
            return Ok(ExitCode::SUCCESS);
        }
        run => run,
    };
    let Command::Run {
        suites: names,
        report_dir,
        limit,
        model,
        thresholds,
        datasets,
        model_dir,
        embedding_cache,
        charla_bin,
    } = command
    else {
        bail!("not a run");
    };

    // Everything that can be wrong with the command line fails before the long part.
    let suites = plan(&names, model, &thresholds)?;
    // Scenarios need no public dataset: a run of scenarios alone works without the folder.
    let datasets = if suites.iter().all(|s| matches!(s, Suite::Scenarios(_))) {
        PathBuf::new()
    } else {
        datasets::locate(datasets.as_deref())?
    };
    // The chat model of the tools suites and of the LLM intent classifier, built now so that a missing setting fails before the
    // long part.
    let needs_chat_model = suites
        .iter()
        .any(|s| matches!(s, Suite::Bfcl(_) | Suite::Sgd | Suite::Intent(..)));
    let chat_model = if model == ModelChoice::Openai && needs_chat_model {
        Some(suites::tools::chat_model_from_env()?)
    } else {
        None
    };

    let mut dirs: Vec<PathBuf> = model_dir.into_iter().collect();
    dirs.push(PathBuf::from("models"));
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"));
    let Embedders {
        model: model_embedder,
        uncached,
        embedder,
    } = embedders(&dirs, embedding_cache.as_deref())?;
    let required = |suite: &Suite| -> Result<Arc<dyn Embedder>> {
        embedder.clone().with_context(|| {
            format!(
                "{} needs the local embedding model (charla's default understanding); none found \
                 in {}: run scripts/fetch-models.sh or pass --model-dir",
                suite.name(),
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    };
    for suite in &suites {
        if suite.needs_embedder(model) {
            required(suite)?;
        }
    }
    if embedder.is_none() {
        eprintln!(
            "note: no local embedding model found; dense and hybrid retrieval are not measured"
        );
    }

    let mut run_info = RunInfo::collect(
        model.name(),
        embedder.as_ref().map(|e| e.id().to_string()),
        limit,
        embedding_cache.as_deref(),
    );
    let mut reports = Vec::new();
    for suite in &suites {
        eprintln!("== {}", suite.name());
        if let Some(reason) = suite.skipped(model) {
            eprintln!("  not run: it {reason}");
        }
        let report = match suite {
            Suite::Retrieval(dataset) => {
                SuiteReport::Retrieval(dataset.run(&datasets, uncached.clone(), limit).await?)
            }
            Suite::Intent(dataset, variants) => SuiteReport::Intent(
                suites::intent::run(
                    *dataset,
                    *variants,
                    &datasets,
                    match model {
                        ModelChoice::Offline => Some(required(suite)?),
                        ModelChoice::Openai => embedder.clone(),
                    },
                    chat_model.clone(),
                    limit,
                )
                .await?,
            ),
            Suite::Sentiment(languages) => SuiteReport::Sentiment(
                suites::sentiment::run(&datasets, required(suite)?, languages, limit).await?,
            ),
            Suite::Scenarios(path) => {
                let options = scenario_options(charla_bin.clone(), model, limit)?;
                SuiteReport::Scenarios(
                    scenarios::run_suite(path, &options, |r| {
                        let verdict = if r.passed { "pass" } else { "FAIL" };
                        eprintln!(
                            "  {verdict} {} ({} of {} checks failed, {:.1}s)",
                            r.name, r.failed_checks, r.checks, r.seconds
                        );
                    })
                    .await?,
                )
            }
            Suite::Bfcl(categories) => SuiteReport::ToolsBfcl(
                suites::tools::bfcl::run(&datasets, chat_model.clone(), categories, limit).await?,
            ),
            Suite::Sgd => SuiteReport::ToolsSgd(
                suites::tools::sgd::run(&datasets, chat_model.clone(), limit).await?,
            ),
        };
        for (name, value) in report.metrics() {
            eprintln!("  {name} = {value:.4}");
        }
        reports.push(report);
    }
    run_info.seconds = started.elapsed().as_secs_f64();
    run_info.texts_embedded = model_embedder.as_ref().map_or(0, |m| m.texts());
    report::write(&report_dir, &run_info, &reports)?;
    eprintln!(
        "reports written to {} ({:.1}s in all)",
        report_dir.display(),
        run_info.seconds
    );

    let breaches = thresholds::check(&thresholds, &report::metrics(&reports))?;
    if breaches.is_empty() {
        if !thresholds.is_empty() {
            eprintln!("all {} thresholds met", thresholds.len());
        }
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "quality below threshold ({} of {}):",
        breaches.len(),
        thresholds.len()
    );
    for b in &breaches {
        eprintln!("  {} = {:.4} < {}", b.metric, b.value, b.min);
    }
    Ok(ExitCode::FAILURE)
}

/// How scenarios start charla: the binary, and the chat model's settings with `--model openai`
/// (charla reads the endpoint and key from the same environment).
fn scenario_options(
    charla_bin: Option<PathBuf>,
    model: ModelChoice,
    limit: Option<usize>,
) -> Result<scenarios::ScenarioOptions> {
    let charla_binary = match charla_bin {
        Some(path) if path.is_file() => path,
        Some(path) => bail!("--charla-bin {}: no such file", path.display()),
        None => scenarios::default_charla_binary().context(
            "scenarios need the charla binary: build it (cargo build -p charla-agent --bin charla, \
             beside charla-evals) or pass --charla-bin PATH",
        )?,
    };
    let mut env = Vec::new();
    if model == ModelChoice::Openai {
        let chat_model = std::env::var("CHARLA_CHAT_MODEL").context(
            "--model openai runs scenarios with the chat model named by CHARLA_CHAT_MODEL \
             (and OPENAI_BASE_URL, OPENAI_API_KEY); it is not set",
        )?;
        env.push(("CHARLA_CHAT_MODEL".to_string(), chat_model));
    }
    Ok(scenarios::ScenarioOptions {
        charla_binary,
        env,
        limit,
    })
}

/// The suites to run, after checking every name, the model and the thresholds' suites.
fn plan(names: &[String], model: ModelChoice, thresholds: &[Threshold]) -> Result<Vec<Suite>> {
    let mut suites: Vec<Suite> = Vec::new();
    for name in names {
        let suite = Suite::parse(name)?;
        if suites.iter().any(|s| s.name() == suite.name()) {
            bail!(
                "suite {} given twice (for several languages write sentiment:tweets:es,it)",
                suite.name()
            );
        }
        if let Some(reason) = suite.refuses(model) {
            bail!("--model {}: {reason}", model.name());
        }
        suites.push(suite);
    }
    for threshold in thresholds {
        let suite = thresholds::suite_of(&threshold.metric);
        if let Some(reason) = suites
            .iter()
            .find(|s| s.name() == suite)
            .and_then(|s| s.skipped(model))
        {
            bail!(
                "--threshold {}: {suite} will not run with --model {}, so it has no metrics: \
                 it {reason}",
                threshold.metric,
                model.name()
            );
        }
        if !suites.iter().any(|s| s.name() == suite) {
            bail!(
                "--threshold {}: no suite of this run produces it (running: {})",
                threshold.metric,
                suites
                    .iter()
                    .map(Suite::name)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(suites)
}

/// The embedding model as loaded (counting its texts), as retrieval uses it (always the
/// model, its latency is measured), and as the intent and sentiment suites use it (through
/// the `--embedding-cache` when there is one).
struct Embedders {
    model: Option<Arc<CountingEmbedder>>,
    uncached: Option<Arc<dyn Embedder>>,
    embedder: Option<Arc<dyn Embedder>>,
}

fn embedders(dirs: &[PathBuf], cache: Option<&std::path::Path>) -> Result<Embedders> {
    let model_embedder: Option<Arc<CountingEmbedder>> = match find_local_model(dirs) {
        Some(dir) => Some(Arc::new(CountingEmbedder::new(Arc::new(
            LocalEmbedder::load(&dir)
                .with_context(|| format!("embedding model in {}", dir.display()))?,
        )))),
        None => None,
    };
    let uncached: Option<Arc<dyn Embedder>> =
        model_embedder.clone().map(|e| -> Arc<dyn Embedder> { e });
    let embedder: Option<Arc<dyn Embedder>> = match (&model_embedder, cache) {
        (Some(model), Some(dir)) => Some(Arc::new(
            CachedEmbedder::open(model.clone(), dir)
                .with_context(|| format!("embedding cache in {}", dir.display()))?
                .with_max_bytes(EMBEDDING_CACHE_BYTES),
        )),
        _ => uncached.clone(),
    };
    Ok(Embedders {
        model: model_embedder,
        uncached,
        embedder,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn suites_parse_by_name() {
        assert_eq!(
            Suite::parse("retrieval:stackfaq").unwrap(),
            Suite::Retrieval(RetrievalDataset::StackFaq)
        );
        assert_eq!(
            Suite::parse("retrieval:tau2-banking").unwrap(),
            Suite::Retrieval(RetrievalDataset::Tau2Banking)
        );
        assert_eq!(
            Suite::parse("intent:clinc150").unwrap(),
            Suite::Intent(IntentDataset::Clinc150, IntentVariants::Both)
        );
        assert_eq!(
            Suite::parse("intent:hwu64:10shot").unwrap(),
            Suite::Intent(IntentDataset::Hwu64, IntentVariants::FewShot)
        );
        assert_eq!(
            Suite::parse("intent:hwu64:10shot").unwrap().name(),
            "intent:hwu64"
        );
        assert_eq!(
            Suite::parse("sentiment:tweets:en").unwrap().name(),
            "sentiment:tweets"
        );
    }

    #[test]
    fn an_unknown_suite_lists_the_available_ones() {
        let error = Suite::parse("intent:banking78").unwrap_err().to_string();
        assert!(
            error.contains("intent:banking78") && error.contains("intent:banking77"),
            "{error}"
        );
    }

    #[test]
    fn sentiment_refuses_the_openai_model() {
        assert!(
            Suite::Intent(IntentDataset::Hwu64, IntentVariants::Both)
                .refuses(ModelChoice::Openai)
                .is_none()
        );
        assert!(
            Suite::Sentiment(Vec::new())
                .refuses(ModelChoice::Openai)
                .is_some()
        );
        assert!(
            Suite::Intent(IntentDataset::Hwu64, IntentVariants::Both)
                .refuses(ModelChoice::Offline)
                .is_none()
        );
        assert!(
            Suite::Retrieval(RetrievalDataset::Tau2Banking)
                .refuses(ModelChoice::Openai)
                .is_none()
        );
    }

    #[test]
    fn a_plan_refuses_repeated_suites_and_thresholds_of_suites_not_run() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let plan_of = |v: &[&str], t: &[&str]| {
            let thresholds: Vec<Threshold> =
                t.iter().map(|t| thresholds::parse(t).unwrap()).collect();
            plan(&names(v), ModelChoice::Offline, &thresholds)
        };
        assert_eq!(
            plan_of(
                &["intent:hwu64", "sentiment:tweets:es"],
                &["intent:hwu64/full/accuracy=0.8"]
            )
            .unwrap()
            .len(),
            2
        );
        let error = plan_of(&["intent:hwu64"], &["intent:banking77/full/accuracy=0.8"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("intent:banking77/full/accuracy"), "{error}");
        assert!(plan_of(&["sentiment:tweets:es", "sentiment:tweets:it"], &[]).is_err());
    }

    #[test]
    fn thresholds_parse_on_the_command_line() {
        let cli = Cli::try_parse_from([
            "charla-evals",
            "run",
            "intent:banking77",
            "--threshold",
            "intent:banking77/full/accuracy=0.9",
            "--threshold",
            "intent:banking77/10shot/macro_f1=0.75",
        ])
        .unwrap();
        let Command::Run { thresholds, .. } = cli.command else {
            unreachable!("parsed as a run")
        };
        assert_eq!(thresholds.len(), 2);
        let error = Cli::try_parse_from(["charla-evals", "run", "x", "--threshold", "oops"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("oops"), "{error}");
    }
}
