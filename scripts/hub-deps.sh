#!/usr/bin/env bash
# Install what the course's JupyterHub needs (deploy/jupyterhub_config.py), idempotently (`make hub-deps`):
#   * build/hub-venv: a venv that every user can run, from a system-wide Python (HUB_PYTHON, default
#     /usr/bin/python3), with the course's pins (requirements.txt), JupyterHub (deploy/requirements-hub.txt)
#     and rapportkit. Users' servers run as the users themselves, so neither the venv nor the Python it was
#     made from may live in a private folder (a pyenv Python in root's home, for instance, is not usable);
#   * configurable-http-proxy from npm, pinned here, into build/node_modules.
# build/ is git-ignored. Needs python3 with venv, node >= 18 and npm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HUB_PYTHON="${HUB_PYTHON:-/usr/bin/python3}"
[ -x "$HUB_PYTHON" ] || HUB_PYTHON="$(command -v python3)"
HUB_VENV="$ROOT/build/hub-venv"
CHP_VERSION="5.3.0"
PREFIX="$ROOT/build"
umask 022

want="$(cat "$ROOT/requirements.txt" "$ROOT/deploy/requirements-hub.txt" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
stamp="$HUB_VENV/.installed"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  [ -x "$HUB_VENV/bin/python" ] || "$HUB_PYTHON" -m venv "$HUB_VENV"
  "$HUB_VENV/bin/python" -m pip install --quiet --upgrade pip
  "$HUB_VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt" -r "$ROOT/deploy/requirements-hub.txt"
  "$HUB_VENV/bin/python" -m pip install --quiet --no-deps -e "$ROOT"
  echo "$want" > "$stamp"
fi

CHP="$PREFIX/node_modules/.bin/configurable-http-proxy"
have=""
if [ -x "$CHP" ]; then
  have="$(node -p "require('$PREFIX/node_modules/configurable-http-proxy/package.json').version" 2>/dev/null || true)"
fi
if [ "$have" != "$CHP_VERSION" ]; then
  command -v npm >/dev/null || { echo "hub-deps: npm not found (Debian: apt-get install nodejs npm)" >&2; exit 1; }
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "configurable-http-proxy@$CHP_VERSION"
fi
chmod -R a+rX "$PREFIX/node_modules" "$HUB_VENV"
echo "hub-deps: $("$HUB_VENV/bin/jupyterhub" --version | tail -1 | sed 's/^/jupyterhub /') in $HUB_VENV," \
     "configurable-http-proxy $CHP_VERSION at $CHP"
