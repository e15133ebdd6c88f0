"""JupyterHub for one Rapport Lab course on one server (nbgrader's "one class, one grader" layout).

* Local system users log in with their own password (PAM) and each gets a Jupyter server running as them
  (``LocalProcessSpawner``), from this project's venv, with nbgrader's extensions.
* Students and instructors share one nbgrader exchange folder (``RAPPORT_EXCHANGE``, world-writable with the
  sticky bit): release, fetch, submit, collect and feedback go through it.
* The instructor's formgrader is their own server: it starts in the course folder (``RAPPORT_COURSE_DIR``, a
  copy of this repository's ``nbgrader_config.py``, ``grader_config.py``, ``solutions/`` and ``exercises/``,
  owned by the instructor), so nbgrader reads the course's one configuration, sandbox included. Students'
  servers have the formgrader and assignment-creation extensions switched off.

Run as root, from the repository (``make hub-deps`` first):

    RAPPORT_INSTRUCTORS=alice RAPPORT_STUDENTS="ana ben" RAPPORT_COURSE_DIR=/home/alice/rapport-lab \\
        .venv/bin/jupyterhub -f deploy/jupyterhub_config.py

Everything is set by environment variables (defaults in brackets):

RAPPORT_INSTRUCTORS, RAPPORT_STUDENTS  user names, separated by spaces or commas [none: nobody may log in]
RAPPORT_COURSE_DIR   the instructor's course folder [/srv/rapport-lab/course]
RAPPORT_COURSE_ID    nbgrader course id [rapport-lab, as in grader_config.py]
RAPPORT_EXCHANGE     nbgrader exchange [/srv/nbgrader/exchange]
RAPPORT_HUB_DIR      the hub's own state: database, cookie secret, users' Jupyter config [/srv/rapport-hub]
RAPPORT_HUB_IP, RAPPORT_HUB_PORT   public address [127.0.0.1:8000]; loopback unless you put TLS in front
RAPPORT_HUB_API_PORT, RAPPORT_PROXY_API_PORT  internal ports [8081, 8001]
RAPPORT_SPAWNER      "local" (one system user each, run as root) or "simple" (the laptop trial below) [local]
RAPPORT_TRIAL_PASSWORD  "simple" only: the trial's shared password, 8 characters or more [generated once and
                     kept in RAPPORT_HUB_DIR/trial_password, readable only by the hub's user]

Trial on a laptop (RAPPORT_SPAWNER=simple) -- a TRIAL, NOT FOR REAL STUDENTS
-----------------------------------------------------------------------------
An instructor without root can try the whole course (release, fetch, submit, collect, autograde, feedback)
as their own user, with made-up names that need not be system users:

    RAPPORT_SPAWNER=simple RAPPORT_HUB_DIR=~/rapport-trial RAPPORT_EXCHANGE=~/rapport-trial/exchange \
    RAPPORT_INSTRUCTORS=alice RAPPORT_STUDENTS="ana ben" RAPPORT_COURSE_DIR=~/rapport-lab \
        build/hub-venv/bin/jupyterhub -f deploy/jupyterhub_config.py
    cat ~/rapport-trial/trial_password      # then open http://127.0.0.1:8000 and log in as alice, ana or ben

* Every user's server (``SimpleLocalProcessSpawner``) runs as the hub's own user, in
  RAPPORT_HUB_DIR/home/<name> (the instructor's in the course folder): there is no isolation at all between
  "students", and any of them can read the course's solutions.
* Login is one shared password for every name in RAPPORT_INSTRUCTORS and RAPPORT_STUDENTS (JupyterHub's
  ``SharedPasswordAuthenticator``; PAM cannot work here: a hub that is not root can check no one's password
  but its own, and the trial's names are not system users). Anyone with the password can log in as anyone.
* So the trial refuses to listen anywhere but on loopback, and refuses to start as root (every server would
  run as root). nbgrader names a student by the system user of the process; the trial tells each student's
  server its hub name instead (``CourseDirectory.student_id``), so submissions and feedback stay apart.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when JupyterHub loads the file)

VENV_BIN = Path(sys.executable).parent  # the venv the hub runs from: users' servers run from it too


def _names(var: str) -> list[str]:
    return [n for n in re.split(r"[\s,]+", os.environ.get(var, "")) if n]


INSTRUCTORS = _names("RAPPORT_INSTRUCTORS")
STUDENTS = _names("RAPPORT_STUDENTS")
COURSE_DIR = Path(os.environ.get("RAPPORT_COURSE_DIR", "/srv/rapport-lab/course"))
COURSE_ID = os.environ.get("RAPPORT_COURSE_ID", "rapport-lab")
EXCHANGE = Path(os.environ.get("RAPPORT_EXCHANGE", "/srv/nbgrader/exchange"))
HUB_DIR = Path(os.environ.get("RAPPORT_HUB_DIR", "/srv/rapport-hub"))
IP = os.environ.get("RAPPORT_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("RAPPORT_HUB_PORT", "8000"))
HUB_API_PORT = int(os.environ.get("RAPPORT_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("RAPPORT_PROXY_API_PORT", "8001"))
SPAWNER = os.environ.get("RAPPORT_SPAWNER", "local")
TRIAL = SPAWNER == "simple"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


if SPAWNER not in ("local", "simple"):
    raise SystemExit(f"RAPPORT_SPAWNER must be 'local' or 'simple', not {SPAWNER!r}")
if SPAWNER == "local" and os.geteuid() != 0:
    raise SystemExit("RAPPORT_SPAWNER=local runs each user's server as that system user: start the hub as root, "
                     "or try the course as yourself with RAPPORT_SPAWNER=simple (a trial, not for real students)")
if TRIAL and os.geteuid() == 0:
    raise SystemExit("RAPPORT_SPAWNER=simple runs every user's server as the hub's own user: do not start it as "
                     "root (use RAPPORT_SPAWNER=local for a course with real students)")
if TRIAL and not _loopback(IP):
    raise SystemExit(f"RAPPORT_SPAWNER=simple is a trial with one shared password and no isolation between "
                     f"users: it listens on loopback only, not on {IP!r}")

# --- The hub's own state --------------------------------------------------------------------------
HUB_DIR.mkdir(parents=True, exist_ok=True)
os.chmod(HUB_DIR, 0o755)  # users' servers read their Jupyter config from here
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")
c.JupyterHub.ip = IP
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_API_PORT
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the users' servers
# configurable-http-proxy from npm: scripts/hub-deps.sh installs it beside the hub's venv (build/, or the place
# build/hub-prefix names); a system-wide one (npm install -g) is used otherwise.
_CHP = VENV_BIN.parent.parent / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(_CHP) if _CHP.exists() else "configurable-http-proxy"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "proxy.pid")
# Nothing reaches the network: JupyterHub's own usage reporting is off by default; keep the logs local too.
c.JupyterHub.log_level = os.environ.get("RAPPORT_HUB_LOG_LEVEL", "INFO")

# --- Who may log in -------------------------------------------------------------------------------
# PAM: local system users and their own passwords. Instructors are not hub admins: they grade through their
# own server and need no access to students' servers.
c.Authenticator.allowed_users = set(INSTRUCTORS) | set(STUDENTS)
if not TRIAL:
    c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
else:
    # The laptop trial: one shared password for the course's names (see the top of this file).
    c.JupyterHub.authenticator_class = "jupyterhub.authenticators.shared.SharedPasswordAuthenticator"
    password_file = HUB_DIR / "trial_password"
    password = os.environ.get("RAPPORT_TRIAL_PASSWORD", "")
    if not password:
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            password = secrets.token_urlsafe(12)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(password + "\n")
        where = f"the password in {password_file}"
    else:
        where = "the password in RAPPORT_TRIAL_PASSWORD"
    if len(password) < 8:
        raise SystemExit("the trial's shared password must have 8 characters or more")
    c.SharedPasswordAuthenticator.user_password = password
    print(f"Rapport Lab TRIAL hub, not for real students: http://{IP}:{PORT}/ -- log in as "
          f"{', '.join(INSTRUCTORS + STUDENTS) or '(nobody: set RAPPORT_INSTRUCTORS, RAPPORT_STUDENTS)'} with "
          f"{where}", file=sys.stderr)
c.JupyterHub.load_groups = {
    "instructors": {"users": INSTRUCTORS},
    "students": {"users": STUDENTS},
}

# --- The shared nbgrader exchange -----------------------------------------------------------------
# Everyone writes into it; the sticky bit keeps students from removing each other's files. nbgrader sets the
# permissions of the course's own folders inside (outbound readable, inbound write-only for students).
if os.geteuid() == 0 or not EXCHANGE.exists():
    EXCHANGE.mkdir(parents=True, exist_ok=True)
    os.chmod(EXCHANGE, 0o1777)

# nbgrader in every user's server reads this (JUPYTER_CONFIG_PATH). A server starts in the user's home, so the
# instructor's file also loads the course's own settings (grader_config.py: course root, sandbox, judge...):
# the formgrader and the nbgrader commands behave exactly as `nbgrader ...` run in the course folder.
ETC = HUB_DIR / "jupyter-etc"
for role in ("instructor", "student"):
    (ETC / role).mkdir(parents=True, exist_ok=True)
    course_settings = f"load_subconfig({str(COURSE_DIR / 'grader_config.py')!r})  # noqa: F821\n"
    (ETC / role / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        + (course_settings if role == "instructor" else "")
        + f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(EXCHANGE)!r}\n",
        encoding="utf-8",
    )
    os.chmod(ETC / role, 0o755)
# Students get neither the formgrader nor the assignment toolbar.
(ETC / "student" / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
    "nbgrader.server_extensions.formgrader": False,
}}}, indent=1), encoding="utf-8")

# --- Users' servers -------------------------------------------------------------------------------
if TRIAL:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(HUB_DIR / "home" / "{username}")
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120  # a busy machine on the first day of term
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",  # nbgrader runs `jupyter` and `alembic` from the venv
    "JUPYTER_PLATFORM_DIRS": "1",
    "MPLBACKEND": "Agg",
}


def _pre_spawn(spawner) -> None:  # noqa: ANN001 (jupyterhub.spawner.Spawner)
    """Instructors start in the course folder (their formgrader); students in their home."""
    name = spawner.user.name
    role = "instructor" if name in INSTRUCTORS else "student"
    config_path = [ETC / role]
    if role == "instructor":
        spawner.notebook_dir = str(COURSE_DIR)
    elif TRIAL:
        Path(spawner.home_dir).mkdir(parents=True, exist_ok=True)
        # Every trial server runs as the same system user, which nbgrader would take as the student's name:
        # give each student's nbgrader their hub name, so their submissions and feedback are their own.
        own = ETC / "trial-students" / name
        own.mkdir(parents=True, exist_ok=True)
        (own / "nbgrader_config.py").write_text(
            f"c = get_config()  # noqa: F821\nc.CourseDirectory.student_id = {name!r}\n", encoding="utf-8")
        config_path.insert(0, own)
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": os.pathsep.join(map(str, config_path))}


c.Spawner.pre_spawn_hook = _pre_spawn
