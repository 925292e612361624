//! `charla ingest PATH...`: reads files and folders into the business's index and prints what
//! changed. Exits non-zero when anything was rejected.

use crate::knowledge_setup::{self, Purpose};
use crate::settings::Settings;
use anyhow::Result;
use charla_knowledge::Kind;
use charla_knowledge::ingest::{IngestOptions, IngestProgress, IngestReport, Ingestor};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `charla ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Files and folders to read (folders recursively).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Treat every file as this kind instead of detecting it: catalog, faq or policy.
    #[arg(long, value_name = "KIND")]
    kind: Option<Kind>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub async fn run(settings: &Settings, args: IngestArgs) -> Result<ExitCode> {
    let knowledge = knowledge_setup::open(settings, Purpose::Ingest).await?;
    let ingestor = Ingestor::new(knowledge.index.clone(), knowledge.embedder.clone());
    let progress = TerminalProgress::new(!args.json && std::io::stderr().is_terminal());
    let report = ingestor
        .ingest(&args.paths, &IngestOptions { kind: args.kind }, &progress)
        .await?;
    progress.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
    } else {
        print_report(&report);
    }
    Ok(if report.has_problems() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(report: &IngestReport) {
    for rejection in &report.rejected {
        eprintln!("rejected: {rejection}");
    }
    for failure in &report.failed_files {
        eprintln!("failed: {}: {}", failure.source, failure.reason);
    }
    let rate = if report.elapsed.as_secs_f64() > 0.0 {
        (report.written() as f64 / report.elapsed.as_secs_f64()).round()
    } else {
        0.0
    };
    println!(
        "{} files: {} added, {} updated, {} unchanged, {} deleted, {} rejected{} ({:.2}s, {} embedded, {rate} chunks/s)",
        report.files,
        report.added,
        report.updated,
        report.unchanged,
        report.deleted,
        report.rejected.len(),
        if report.failed_files.is_empty() {
            String::new()
        } else {
            format!(", {} files failed", report.failed_files.len())
        },
        report.elapsed.as_secs_f64(),
        report.embedded,
    );
}

fn report_json(report: &IngestReport) -> serde_json::Value {
    serde_json::json!({
        "files": report.files,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "deleted": report.deleted,
        "embedded": report.embedded,
        "rejected": report.rejected.iter().map(|r| serde_json::json!({
            "source": r.source, "line": r.line, "reason": r.reason,
        })).collect::<Vec<_>>(),
        "failed_files": report.failed_files.iter().map(|f| serde_json::json!({
            "source": f.source, "reason": f.reason,
        })).collect::<Vec<_>>(),
        "elapsed_ms": report.elapsed.as_millis() as u64,
    })
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
struct TerminalProgress {
    bar: Option<ProgressBar>,
}

impl TerminalProgress {
    fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl IngestProgress for TerminalProgress {
    fn reading(&self, source: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("reading {source}"));
        }
    }

    fn start_writing(&self, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} embedding and indexing [{bar:30}] {pos}/{len} chunks ({per_sec}, eta {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
        }
    }

    fn wrote(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
    }
}
