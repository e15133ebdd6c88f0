#!/usr/bin/env bash
# Debian packages the test suite needs: chromium (browser tests) and bubblewrap (sandboxed autograding).
# Installs whatever is missing when apt-get is available and we may use it; otherwise says what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Please install: ${need[*]} (browser tests and the grading sandbox need them)" >&2
  exit 1
fi
