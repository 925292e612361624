#!/usr/bin/env bash
# charla's main job on its embedded defaults, with no key and no network beyond PyPI for the
# model: ingest the example business (Velora Cycles) into the embedded Qdrant engine, search it
# in four languages, then let customers chat with the agent (offline model) in Spanish,
# Italian, English and Portuguese: catalog, FAQ with its source, a ticket, a booking, a handoff.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-models.sh models
cargo build --release --quiet
charla="${CARGO_TARGET_DIR:-target}/release/charla"
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

# Each run talks as new customers, so earlier demo runs (and their handoffs) do not interfere.
run="$(date +%s)"
chat() {
  local contact="$1"; shift
  for message in "$@"; do
    echo
    echo "== [$contact] $message"
    "$charla" chat --contact "$contact-$run" --message "$message"
  done
}
chat lucia "¿Tenéis cascos para niños por menos de 40 €?" \
           "¿Puedo pagar con Bizum?" \
           "Quiero reservar una revisión básica en Barcelona mañana" \
           "la 2"
chat giulia "Vorrei prenotare un tagliando base a Milano domani alle 10"
chat tom "My order VC-20931 arrived with a cracked light and I'm annoyed"
chat joao "Qual é a política de devolução?" \
          "Quero falar com uma pessoa"
echo
echo "Chat yourself: $charla chat   (--message TEXT --json for scripts)"
