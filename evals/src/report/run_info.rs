//! What a report was measured with: date, commit, model, embedder and machine.

use serde::Serialize;
use std::process::Command;

/// The run's circumstances, at the top of both reports.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// When the run started, RFC 3339 in UTC.
    pub date: String,
    /// `git rev-parse --short HEAD`, when in a git checkout.
    pub commit: Option<String>,
    /// Whether tracked files differed from that commit.
    pub dirty: Option<bool>,
    /// The chat model (`offline` or `openai`).
    pub model: String,
    /// The embedding model, if one was loaded.
    pub embedder: Option<String>,
    /// `--limit`, if given.
    pub limit: Option<usize>,
    /// The `--embedding-cache` folder, if any: with a warm cache the times exclude the model.
    pub embedding_cache: Option<String>,
    /// Texts the embedding model itself embedded during the run (the rest came from the
    /// cache or from the run's own memo).
    pub texts_embedded: usize,
    /// The command line.
    pub command: String,
    /// Where it ran.
    pub machine: Machine,
    /// Seconds the whole run took (model loading included).
    pub seconds: f64,
}

/// The machine a run measured on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// `linux`, `macos`, ...
    pub os: String,
    /// `x86_64`, `aarch64`, ...
    pub arch: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// The CPU model, when the OS says (Linux `/proc/cpuinfo`).
    pub cpu: Option<String>,
    /// Total memory in GiB, when the OS says (Linux `/proc/meminfo`).
    pub memory_gib: Option<f64>,
    /// The kernel release, when the OS says (Linux).
    pub kernel: Option<String>,
}

impl RunInfo {
    /// The circumstances of a run starting now; `seconds` and `texts_embedded` are filled in
    /// at the end.
    pub fn collect(
        model: &str,
        embedder: Option<String>,
        limit: Option<usize>,
        embedding_cache: Option<&std::path::Path>,
    ) -> Self {
        Self {
            date: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string()),
            commit: git(&["rev-parse", "--short", "HEAD"]),
            dirty: git(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty()),
            model: model.to_string(),
            embedder,
            limit,
            embedding_cache: embedding_cache.map(|d| d.display().to_string()),
            texts_embedded: 0,
            command: std::env::args().collect::<Vec<_>>().join(" "),
            machine: Machine::current(),
            seconds: 0.0,
        }
    }
}

impl Machine {
    fn current() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok();
        let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
        Self {
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu: cpuinfo.as_deref().and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            }),
            memory_gib: meminfo.as_deref().and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some((kib / (1024.0 * 1024.0) * 10.0).round() / 10.0)
            }),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .ok()
                .map(|s| s.trim().to_string()),
        }
    }
}

/// The trimmed output of a successful `git` command, else `None`.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}
