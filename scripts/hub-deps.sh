#!/usr/bin/env bash
# Install what the course's JupyterHub needs (deploy/jupyterhub_config.py), idempotently (`make hub-deps`):
#   * build/hub-venv: a venv that every user can run, from a system-wide Python (HUB_PYTHON, default
#     /usr/bin/python3), with the course's pins (requirements.txt), JupyterHub (deploy/requirements-hub.txt)
#     and rapportkit. Users' servers run as the users themselves, so neither the venv nor the Python it was
#     made from may live in a private folder (a pyenv Python in root's home, for instance, is not usable);
#   * configurable-http-proxy from npm, pinned here, into build/node_modules.
# build/ is git-ignored. Needs python3 with venv, node >= 18 and npm.
# When the checkout sits in a folder other users cannot enter (a clone in a `mktemp -d` folder, a 0750 home), the
# users could not run anything inside it: the venv and the proxy then go to /var/tmp/rapportlab-hub-<uid>-<hash>,
# and rapportkit is installed as a copy (not editable), since the users cannot read the checkout either.
# build/hub-prefix names where they went, for the hub test and for anyone starting the hub by hand.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HUB_PYTHON="${HUB_PYTHON:-/usr/bin/python3}"
[ -x "$HUB_PYTHON" ] || HUB_PYTHON="$(command -v python3)"
CHP_VERSION="5.3.0"
umask 022

closed_to_others() {  # the first folder on the way to $1 that others cannot enter, if any
  local dir="$1"
  while [ "$dir" != "/" ]; do
    [ "$(( 0$(stat -c %a "$dir") & 1 ))" -ne 0 ] || { echo "$dir"; return; }
    dir="$(dirname "$dir")"
  done
}
closed="$(closed_to_others "$ROOT")"
if [ -n "$closed" ]; then
  PREFIX="/var/tmp/rapportlab-hub-$(id -u)-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  echo "hub-deps: $closed is closed to other users; the hub's venv and proxy go to $PREFIX" >&2
else
  PREFIX="$ROOT/build"
fi
HUB_VENV="$PREFIX/hub-venv"
mkdir -p "$ROOT/build" "$PREFIX"
echo "$PREFIX" > "$ROOT/build/hub-prefix"

want="$(cat "$ROOT/requirements.txt" "$ROOT/deploy/requirements-hub.txt" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
stamp="$HUB_VENV/.installed"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  [ -x "$HUB_VENV/bin/python" ] || "$HUB_PYTHON" -m venv "$HUB_VENV"
  "$HUB_VENV/bin/python" -m pip install --quiet --upgrade pip
  "$HUB_VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt" -r "$ROOT/deploy/requirements-hub.txt"
  rm -f "$HUB_VENV/.rapportkit"  # pyproject.toml changed: the package (and its commands) are installed afresh
  [ -n "$closed" ] || "$HUB_VENV/bin/python" -m pip install --quiet --no-deps -e "$ROOT"
  echo "$want" > "$stamp"
fi
if [ -n "$closed" ]; then
  # A copy the users can read, renewed whenever the package's files change.
  have_src="$(cat "$HUB_VENV/.rapportkit" 2>/dev/null || true)"
  want_src="$(cd "$ROOT" && find rapportkit pyproject.toml -type f ! -name '*.pyc' -print0 | sort -z \
              | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  if [ "$have_src" != "$want_src" ]; then
    "$HUB_VENV/bin/python" -m pip install --quiet --no-deps --force-reinstall "$ROOT"
    echo "$want_src" > "$HUB_VENV/.rapportkit"
  fi
elif ! "$HUB_VENV/bin/python" -I -c "import rapportkit, sys; sys.exit(not rapportkit.__file__.startswith('$ROOT/'))" \
     2>/dev/null; then  # -I: the checkout in the current folder must not pass for an installed package
  "$HUB_VENV/bin/python" -m pip install --quiet --no-deps -e "$ROOT"
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
chmod a+rx "$PREFIX"
chmod -R a+rX "$PREFIX/node_modules" "$HUB_VENV"
echo "hub-deps: $("$HUB_VENV/bin/jupyterhub" --version | tail -1 | sed 's/^/jupyterhub /') in $HUB_VENV," \
     "configurable-http-proxy $CHP_VERSION at $CHP"
