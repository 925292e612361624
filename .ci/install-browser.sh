#!/usr/bin/env bash
# CI, as root: installs Debian's Chromium for the WebMCP browser check
# (mcp-server/tests/clients/browser) when it is missing. Playwright's own browser downloads are
# never used: only Debian's package is reachable from CI.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  # The Debian launcher script prints shell noise on stderr with --version; only the version matters.
  echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null) already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-browser: installing Debian's chromium"
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null) installed"
