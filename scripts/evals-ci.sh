#!/usr/bin/env bash
# The evaluation subset CI runs after the tests, with quality floors set just under what was
# measured (README, "Evaluation"). Exits non-zero when a metric falls below its floor.
# - Always, from the repository alone: every scenario of the example business end to end
#   through `charla serve`; the 10-shot intent classifiers of BANKING77, CLINC150 and HWU64
#   on 300 test queries each, and StackFAQ retrieval with 300 queries, from the committed
#   subset evals/data/ci (the same figures as the whole datasets with --limit 300).
# - When the public datasets are beside the repository (../shared/datasets or
#   CHARLA_DATASETS): Spanish tweet sentiment on 300 tweets (research-use data, never copied
#   here), and the tool-calling suites, which report themselves as not run offline.
# The full runs (every training example, every query, τ²-bench's knowledge base) embed tens of
# thousands of texts, more than CI's budget on two cores: run them by hand (README).
#
# Needs the embedding model (scripts/fetch-models.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

export CHARLA_MODEL_DIR="${CHARLA_MODEL_DIR:-$PWD/models}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
report_dir="${CHARLA_EVALS_REPORT_DIR:-$PWD/eval-reports/ci}"

# charla-evals starts the charla binary beside it.
cargo build -p charla-agent --bin charla -p charla-evals --bin charla-evals
evals="$target/debug/charla-evals"

"$evals" run scenarios:examples/velora/scenarios \
  intent:banking77:10shot intent:clinc150:10shot intent:hwu64:10shot retrieval:stackfaq \
  --datasets evals/data/ci --limit 300 --report-dir "$report_dir" \
  --threshold scenarios/all/pass_rate=0.91 \
  --threshold scenarios/all/check_pass_rate=0.98 \
  --threshold intent:banking77/10shot/accuracy=0.75 \
  --threshold intent:clinc150/10shot/in_scope_accuracy=0.79 \
  --threshold intent:clinc150/10shot/oos_recall=0.57 \
  --threshold intent:hwu64/10shot/accuracy=0.70 \
  --threshold retrieval:stackfaq/bm25/ndcg_at_10=0.70 \
  --threshold retrieval:stackfaq/hybrid/ndcg_at_10=0.82

datasets="${CHARLA_DATASETS:-$PWD/../shared/datasets}"
if [ -d "$datasets/tweet_sentiment_multilingual" ]; then
  "$evals" run sentiment:tweets:es tools:bfcl tools:sgd \
    --datasets "$datasets" --limit 300 --report-dir "$report_dir/shared-datasets" \
    --threshold sentiment:tweets/es/macro_f1=0.60
else
  echo "evals-ci: no public datasets at $datasets: Spanish sentiment is not measured"
fi
