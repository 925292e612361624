//! The `scenarios:PATH` suite: whole WhatsApp conversations from YAML files, run end to end
//! through a real `charla serve` with a stand-in Cloud API that records the replies.
//!
//! - [`format`]: the scenario file format (stable; documented in the README).
//! - [`cloud_api`]: the recording stand-in for Meta's Cloud API.
//! - [`charla`]: the `charla serve` process, its webhook and its operator API.
//! - [`run`]: one scenario, turn by turn.
//! - [`checks`]: each expectation against what happened.

pub mod charla;
pub mod checks;
pub mod cloud_api;
pub mod format;
pub mod run;

use anyhow::{Context, Result};
use charla::{Charla, Launch};
use format::Scenario;
use run::{ScenarioResult, run_scenario};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The example business, used by scenarios that name none.
pub const DEFAULT_BUSINESS: &str = "examples/velora";

/// What a scenarios suite measured.
#[derive(Debug, Clone, Serialize)]
pub struct ScenariosReport {
    /// The folder or file run.
    pub path: String,
    /// How many scenarios ran.
    pub scenarios: usize,
    /// How many passed every check.
    pub passed: usize,
    /// `passed / scenarios`.
    pub pass_rate: f64,
    /// How many checks there were in all.
    pub checks: usize,
    /// How many failed.
    pub failed_checks: usize,
    /// The share of checks that held.
    pub check_pass_rate: f64,
    /// Each scenario.
    pub results: Vec<ScenarioResult>,
    /// Wall time of the whole suite, preparation included.
    pub seconds: f64,
}

/// How scenario runs start charla.
#[derive(Debug, Clone)]
pub struct ScenarioOptions {
    /// The `charla` binary.
    pub charla_binary: PathBuf,
    /// Extra environment for charla (the chat model's settings with `--model openai`).
    pub env: Vec<(String, String)>,
    /// At most this many scenarios (the first ones by file name).
    pub limit: Option<usize>,
}

/// The `charla` binary beside this one (`target/<profile>/charla`), where cargo builds both.
pub fn default_charla_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join("charla");
    candidate.is_file().then_some(candidate)
}

/// Runs every scenario of `path` (a file or a folder), one at a time, each on its own
/// `charla serve`. `progress` hears about each scenario as it finishes.
pub async fn run_suite(
    path: &Path,
    options: &ScenarioOptions,
    progress: impl Fn(&ScenarioResult),
) -> Result<ScenariosReport> {
    let started = Instant::now();
    // reqwest is built without a default TLS provider; only plain loopback HTTP is used here.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut scenarios = format::load(path)?;
    if let Some(limit) = options.limit {
        scenarios.truncate(limit);
    }
    // Each business is ingested once; every scenario starts from a copy.
    let mut prepared: BTreeMap<PathBuf, tempfile::TempDir> = BTreeMap::new();
    let mut results = Vec::new();
    for scenario in &scenarios {
        let business = business_dir(scenario);
        let launch = Launch {
            binary: options.charla_binary.clone(),
            business_dir: business.clone(),
            cloud_api: String::new(),
            env: options.env.clone(),
        };
        if !prepared.contains_key(&business) {
            let dir = prepare(&launch)
                .await
                .with_context(|| format!("preparing the business {}", business.display()))?;
            prepared.insert(business.clone(), dir);
        }
        let Some(data) = prepared.get(&business) else {
            continue;
        };
        let result = run_scenario(scenario, &launch, data.path()).await;
        progress(&result);
        results.push(result);
    }
    let passed = results.iter().filter(|r| r.passed).count();
    let checks: usize = results.iter().map(|r| r.checks).sum();
    let failed_checks: usize = results.iter().map(|r| r.failed_checks).sum();
    Ok(ScenariosReport {
        path: path.display().to_string(),
        scenarios: results.len(),
        passed,
        pass_rate: ratio(passed, results.len()),
        checks,
        failed_checks,
        check_pass_rate: ratio(checks.saturating_sub(failed_checks), checks),
        results,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The name every metric of the scenarios suite starts with.
pub const SUITE: &str = "scenarios";

impl ScenariosReport {
    /// `scenarios/all/pass_rate` (scenarios with every check held) and
    /// `scenarios/all/check_pass_rate` (checks held), as fractions.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        BTreeMap::from([
            (format!("{SUITE}/all/pass_rate"), self.pass_rate),
            (format!("{SUITE}/all/check_pass_rate"), self.check_pass_rate),
        ])
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn business_dir(scenario: &Scenario) -> PathBuf {
    scenario
        .business
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_BUSINESS))
}

/// A data directory with the business ingested and its intent examples embedded: one start
/// of `charla serve` does both.
async fn prepare(launch: &Launch) -> Result<tempfile::TempDir> {
    if !launch.business_dir.is_dir() {
        anyhow::bail!("no business folder at {}", launch.business_dir.display());
    }
    let data = tempfile::tempdir()?;
    let api = cloud_api::FakeCloudApi::start().await?;
    let launch = Launch {
        cloud_api: api.base_url().to_string(),
        ..launch.clone()
    };
    let charla = Charla::start(&launch, data.path(), jiff::Timestamp::now()).await?;
    charla.stop().await;
    Ok(data)
}
