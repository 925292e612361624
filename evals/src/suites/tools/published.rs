//! The published figures the tools reports quote, from the datasets' READMEs
//! (`shared/datasets/bfcl_v4/README.md`, `shared/datasets/sgd/README.md`), as fractions.

use serde::Serialize;

/// Where the BFCL figures come from.
pub const BFCL_SOURCE: &str = "BFCL V3 leaderboard snapshot (data_overall.csv in \
     github.com/ShishirPatil/gorilla, 2024-12, evaluator commit d7e52e5), via the bfcl_v4 \
     dataset README; Patil et al., ICML 2025";

/// One model's row of the BFCL V3 leaderboard.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedBfcl {
    /// The model and its mode (FC: native function calling; Prompt: calls written as text).
    pub model: &'static str,
    /// The leaderboard's overall accuracy (includes multi-turn and categories not run here).
    pub overall: f64,
    /// Non-live simple AST (V3 averages Python, Java and JavaScript; we run Python only).
    pub simple: f64,
    /// Non-live multiple AST.
    pub multiple: f64,
    /// Non-live parallel AST.
    pub parallel: f64,
    /// Non-live parallel multiple AST.
    pub parallel_multiple: f64,
    /// Live simple AST.
    pub live_simple: f64,
    /// Live multiple AST.
    pub live_multiple: f64,
    /// Multi-turn base (not run here).
    pub multi_turn_base: f64,
    /// Irrelevance detection (irrelevance and live irrelevance together).
    pub irrelevance: f64,
    /// Relevance detection (live relevance).
    pub relevance: f64,
}

impl PublishedBfcl {
    /// The published figure comparable with a row of our table (a category or a group), if
    /// there is one.
    pub fn for_row(&self, row: &str) -> Option<f64> {
        Some(match row {
            "simple_python" => self.simple,
            "multiple" => self.multiple,
            "parallel" => self.parallel,
            "parallel_multiple" => self.parallel_multiple,
            "live_simple" => self.live_simple,
            "live_multiple" => self.live_multiple,
            "live_relevance" => self.relevance,
            "irrelevance_detection" => self.irrelevance,
            _ => return None,
        })
    }
}

/// The BFCL V3 rows of the dataset README.
pub fn bfcl() -> Vec<PublishedBfcl> {
    let row = |model, values: [f64; 10]| {
        let [
            overall,
            simple,
            multiple,
            parallel,
            parallel_multiple,
            live_simple,
            live_multiple,
            multi_turn_base,
            irrelevance,
            relevance,
        ] = values.map(|v| v / 100.0);
        PublishedBfcl {
            model,
            overall,
            simple,
            multiple,
            parallel,
            parallel_multiple,
            live_simple,
            live_multiple,
            multi_turn_base,
            irrelevance,
            relevance,
        }
    };
    vec![
        row(
            "watt-tool-70B (FC)",
            [
                74.24, 78.75, 94.00, 85.50, 78.00, 84.88, 83.48, 67.00, 76.32, 94.44,
            ],
        ),
        row(
            "gpt-4o-2024-11-20 (FC)",
            [
                69.56, 77.17, 93.50, 93.00, 86.00, 81.01, 78.82, 62.50, 83.15, 83.33,
            ],
        ),
        row(
            "GPT-4o-mini-2024-07-18 (FC)",
            [
                64.09, 74.83, 92.00, 90.00, 84.00, 78.29, 76.16, 47.50, 74.75, 83.33,
            ],
        ),
        row(
            "Qwen2.5-72B-Instruct (Prompt)",
            [
                61.28, 80.25, 97.50, 93.50, 92.00, 84.50, 82.15, 24.50, 72.81, 100.0,
            ],
        ),
        row(
            "Llama-3.1-8B-Instruct (Prompt)",
            [
                50.70, 72.83, 93.50, 87.00, 83.50, 73.26, 73.31, 12.00, 48.82, 77.78,
            ],
        ),
        row(
            "Qwen2.5-7B-Instruct (Prompt)",
            [
                53.66, 75.33, 94.50, 91.50, 84.50, 75.97, 74.93, 9.50, 65.16, 88.89,
            ],
        ),
    ]
}

/// Where the SGD figures come from.
pub const SGD_SOURCE: &str = "Rastogi et al. 2020 (AAAI, arXiv:1909.05855) and the DSTC8 \
     track overview (arXiv:2002.01359), via the sgd dataset README, which quotes them from \
     memory and asks that they be verified before publishing";

/// A published SGD figure: dialogue state tracking on the full test split.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedSgd {
    /// The system.
    pub system: &'static str,
    /// The metric.
    pub metric: &'static str,
    /// Its value.
    pub value: f64,
}

/// The SGD figures of the dataset README (context only: another task).
pub fn sgd() -> Vec<PublishedSgd> {
    let baseline = "BERT baseline (Rastogi et al. 2020)";
    let best = "best DSTC8 team";
    [
        (baseline, "active intent accuracy", 0.906),
        (baseline, "requested slot F1", 0.965),
        (baseline, "average goal accuracy", 0.560),
        (baseline, "joint goal accuracy", 0.254),
        (best, "joint goal accuracy", 0.865),
        (best, "active intent accuracy", 0.948),
    ]
    .into_iter()
    .map(|(system, metric, value)| PublishedSgd {
        system,
        metric,
        value,
    })
    .collect()
}
