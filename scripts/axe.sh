#!/usr/bin/env bash
# axe-core (accessibility checks in the browser tests), pinned, from npm into the git-ignored build/axe/ folder (its own prefix).
# Prints the path of axe.min.js. Run by tests/browser/conftest.py when the file is missing.
set -euo pipefail
AXE_VERSION=4.14.1
cd "$(dirname "$0")/.."
target=build/axe/node_modules/axe-core/axe.min.js
if [ ! -f "$target" ] || ! grep -q "axe v$AXE_VERSION" "$target"; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: install Node.js and npm (Debian: apt-get install npm) for the accessibility tests" >&2
    exit 1
  fi
  npm install --silent --no-audit --no-fund --prefix build/axe "axe-core@$AXE_VERSION" >&2
fi
echo "$PWD/$target"
