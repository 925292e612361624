#!/usr/bin/env bash
# Installs the third-party clients that the MCP and WebMCP tests drive charla with:
# - a Python venv with the official MCP SDK, for mcp-server/tests/clients/python/mcp_check.py;
# - playwright-core, for mcp-server/tests/clients/browser/webmcp_check.mjs (the browser itself is
#   Debian's Chromium: .ci/install-browser.sh installs it as root).
#
# Idempotent and quick when nothing changed: the venv is refreshed only when requirements.txt
# differs from what was installed, node_modules only when package-lock.json is newer. Needs no
# root. A missing Python, Node or Chromium is a warning, not a failure: the Rust tests decide
# what they require, unless CHARLA_REQUIRE_TEST_CLIENTS=1 makes every warning an error.
#
# The venv goes to $CHARLA_TEST_VENV, by default .venv-test at the repository's root.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${CHARLA_TEST_VENV:-$PWD/.venv-test}"
REQUIREMENTS=mcp-server/tests/clients/python/requirements.txt
BROWSER_CLIENT=mcp-server/tests/clients/browser
CHROMIUM="${CHARLA_CHROMIUM:-/usr/bin/chromium}"
warnings=0

warn() {
  echo "setup-test-clients: WARNING: $*" >&2
  warnings=$((warnings + 1))
}

setup_python() {
  local stamp="$VENV/.charla-requirements"
  if ! command -v python3 >/dev/null; then
    warn "python3 is missing: the MCP Python SDK client cannot be installed"
    return
  fi
  # The stamp is a copy of the requirements last installed here.
  local fresh=()
  if [ -x "$VENV/bin/python" ] && cmp -s "$REQUIREMENTS" "$stamp"; then
    # Finding the package is much quicker than importing it.
    if "$VENV/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("mcp") is None)'; then
      echo "setup-test-clients: Python MCP SDK up to date in $VENV"
      return
    fi
    # Installed once, broken since: pip would trust the leftover metadata, so start afresh.
    fresh=(--clear)
  fi
  if [ ! -x "$VENV/bin/python" ] || [ "${#fresh[@]}" -gt 0 ]; then
    echo "setup-test-clients: creating the venv $VENV"
    python3 -m venv "${fresh[@]}" "$VENV" || { warn "could not create the venv $VENV"; return; }
  fi
  echo "setup-test-clients: installing $REQUIREMENTS into $VENV"
  if "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"; then
    cp "$REQUIREMENTS" "$stamp"
    echo "setup-test-clients: installed $(grep -E '^mcp==' "$REQUIREMENTS")"
  else
    rm -f "$stamp"
    warn "pip could not install $REQUIREMENTS"
  fi
}

setup_browser_client() {
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    warn "node/npm is missing: the WebMCP browser check cannot be installed"
    return
  fi
  # npm writes node_modules/.package-lock.json on every install: older than the lock file means
  # the lock changed since.
  local installed="$BROWSER_CLIENT/node_modules/.package-lock.json"
  if [ -f "$installed" ] && [ ! "$BROWSER_CLIENT/package-lock.json" -nt "$installed" ]; then
    echo "setup-test-clients: browser check's node_modules up to date"
  else
    echo "setup-test-clients: npm ci in $BROWSER_CLIENT"
    if (cd "$BROWSER_CLIENT" && npm ci --no-audit --no-fund --loglevel=error); then
      echo "setup-test-clients: installed playwright-core $(cd "$BROWSER_CLIENT" && node -p "require('playwright-core/package.json').version")"
    else
      warn "npm ci failed in $BROWSER_CLIENT"
    fi
  fi
  if [ ! -x "$CHROMIUM" ]; then
    warn "no Chromium at $CHROMIUM: run .ci/install-browser.sh as root (or set CHARLA_CHROMIUM)"
  fi
}

setup_python
setup_browser_client

if [ "$warnings" -gt 0 ] && [ "${CHARLA_REQUIRE_TEST_CLIENTS:-0}" = 1 ]; then
  echo "setup-test-clients: $warnings warning(s), and CHARLA_REQUIRE_TEST_CLIENTS=1" >&2
  exit 1
fi
