#!/usr/bin/env bash
# The evaluation subset CI runs after the tests, with quality floors set just under what was
# measured (README, "Evaluation"). Exits non-zero when a metric falls below its floor.
# - Always: every scenario of the example business end to end through `charla serve`.
# - When the public datasets are beside the repository (../shared/datasets or
#   CHARLA_DATASETS): the 10-shot intent classifiers of BANKING77, CLINC150 and HWU64 on 300
#   test queries each, Spanish tweet sentiment on 300 tweets, and StackFAQ retrieval with 300
#   queries. The full runs (every training example, every query, τ²-bench's knowledge base)
#   embed tens of thousands of texts, more than CI's budget on two cores: run them by hand
#   (README).
#
# Needs the embedding model (scripts/fetch-models.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

export CHARLA_MODEL_DIR="${CHARLA_MODEL_DIR:-$PWD/models}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
report_dir="${CHARLA_EVALS_REPORT_DIR:-$PWD/eval-reports/ci}"

suites=(scenarios:examples/velora/scenarios)
floors=(--threshold scenarios/all/pass_rate=0.91 --threshold scenarios/all/check_pass_rate=0.98)
datasets="${CHARLA_DATASETS:-$PWD/../shared/datasets}"
if [ -d "$datasets/tweet_sentiment_multilingual" ]; then
  export CHARLA_DATASETS="$datasets"
  suites+=(intent:banking77:10shot intent:clinc150:10shot intent:hwu64:10shot)
  floors+=(--threshold intent:banking77/10shot/accuracy=0.75)
  floors+=(--threshold intent:clinc150/10shot/in_scope_accuracy=0.79)
  floors+=(--threshold intent:clinc150/10shot/oos_recall=0.57)
  floors+=(--threshold intent:hwu64/10shot/accuracy=0.70)
  suites+=(sentiment:tweets:es)
  floors+=(--threshold sentiment:tweets/es/macro_f1=0.60)
  suites+=(retrieval:stackfaq tools:bfcl tools:sgd)  # the tools suites report "not run" offline
  floors+=(--threshold retrieval:stackfaq/bm25/ndcg_at_10=0.70)
  floors+=(--threshold retrieval:stackfaq/hybrid/ndcg_at_10=0.82)
else
  echo "evals-ci: no datasets at $datasets: only the scenarios run"
fi

# charla-evals starts the charla binary beside it.
cargo build -p charla-agent --bin charla -p charla-evals --bin charla-evals
"$target/debug/charla-evals" run "${suites[@]}" --limit 300 --report-dir "$report_dir" "${floors[@]}"
