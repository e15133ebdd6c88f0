"""The course on a real JupyterHub (deploy/jupyterhub_config.py) on loopback: an instructor, two students.

Both of the configuration's modes, as a user meets them (the ``hub`` fixture is parametrized):

* ``local``: the hub runs as root; the instructor and the students are system users (created and removed
  here), each server runs as its user, login is PAM;
* ``simple``: the laptop trial. The hub runs as one unprivileged user (as root, a throw-away system user that
  owns the test's folders, the hub started with ``setpriv``; otherwise the user running the test), every
  server is a process of that user, login is the trial's shared password.

Round trip through the hub: the instructor releases the assignment (``rapportkit course release`` as their
system user, or as the trial's user) and their formgrader (their own server, through the proxy) lists it;
each student's server fetches it, the student's answers are saved through Jupyter's contents API, and the
server submits it; the instructor collects, autogrades (``--jobs 2``) and releases feedback with
``rapportkit course`` on the same exchange; the students' servers fetch their feedback; the formgrader lists
the grades. Everything the test started is stopped (every process the hub started carries a marker in its
environment), and the system users it created are removed.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat
import pytest

from rapportkit.instructor import demo
from tests.conftest import REPO, copy_course

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "01_trust"
COURSE_ID = "rapport-lab"
# Users' servers run as the users: the hub and they use the hub venv (scripts/hub-deps.sh), made from a
# system-wide Python that every user can run, in build/ or, when the checkout is closed to other users, in the
# place build/hub-prefix names (written by hub-deps.sh, which the hub fixture runs first).
PREFIX_FILE = REPO / "build" / "hub-prefix"


def hub_prefix() -> Path:
    return Path(PREFIX_FILE.read_text(encoding="utf-8").strip()) if PREFIX_FILE.exists() else REPO / "build"


class _HubPaths:
    """The hub venv's bin folder and the proxy, wherever hub-deps.sh put them."""

    @property
    def bin(self) -> Path:
        return hub_prefix() / "hub-venv" / "bin"

    @property
    def chp(self) -> Path:
        return hub_prefix() / "node_modules" / ".bin" / "configurable-http-proxy"


PATHS = _HubPaths()
AS_ROOT = os.geteuid() == 0
MARK = "RAPPORT_TEST_HUB"  # in the environment of everything the test's hub starts (hub, proxy, servers, kernels)


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def ensure_hub_deps() -> None:
    """JupyterHub (PyPI) and configurable-http-proxy (npm): the project's own script installs them (idempotent)."""
    proc = subprocess.run(["bash", str(REPO / "scripts" / "hub-deps.sh")], capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert PATHS.chp.exists() and (PATHS.bin / "jupyterhub").exists()


class Hub:
    """A running hub and what the test needs to talk to it."""

    def __init__(self, mode: str, base: Path, port: int, token: str, users: dict[str, str]) -> None:
        self.mode, self.base, self.url, self.token, self.users = mode, base, f"http://127.0.0.1:{port}", token, users
        self.user_tokens: dict[str, str] = {}
        self.tag = ""
        self.owner: str | None = None  # simple mode, as root: the throw-away user the hub runs as
        self.owner_home = base
        self.homes: dict[str, Path] = {}
        self.course = self.exchange = base
        self.proc: subprocess.Popen | None = None

    def log(self) -> str:
        """The end of the hub's log, for failure messages."""
        return "\n--- hub log ---\n" + (self.base / "hub.log").read_text(errors="replace")[-6000:]

    def call(self, method: str, path: str, body: object = None, token: str | None = None,
             timeout: float = 120) -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"token {token or self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw, status = resp.read(), resp.status
        except urllib.error.HTTPError as err:
            raw, status = err.read(), err.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def as_user(self, role: str, method: str, path: str, body: object = None) -> tuple[int, object]:
        """A request through the proxy to the user's own server, with the user's own token."""
        name = self.users[role]
        return self.call(method, f"/user/{name}{path}", body, token=self.user_tokens[name])

    def login(self, username: str, password: str) -> int:
        """Log in through the hub's login form, as in a browser: 302 when the hub lets the user in, 403 if not."""

        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
                return None

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stay)
        with opener.open(self.url + "/hub/login", timeout=30) as resp:
            page = resp.read().decode("utf-8", "replace")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page)
        assert xsrf, page[-2000:]
        form = urlencode({"username": username, "password": password, "_xsrf": xsrf.group(1)}).encode()
        try:
            with opener.open(self.url + "/hub/login", data=form, timeout=60) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    def runs_as(self, role: str) -> int:
        """The uid a user's server runs as."""
        if self.mode == "local":
            return pwd.getpwnam(self.users[role]).pw_uid
        return pwd.getpwnam(self.owner).pw_uid if self.owner else os.getuid()

    def instructor_account(self) -> str | None:
        """Who runs the instructor's course commands: their system user, or the trial's user (None: the test's)."""
        return self.users["instructor"] if self.mode == "local" else self.owner

    def instructor_home(self) -> Path:
        return self.homes["instructor"] if self.mode == "local" else self.owner_home

    def proxy_pid(self) -> int | None:
        try:
            return int((self.base / "hub" / "proxy.pid").read_text().strip())
        except (OSError, ValueError):
            return None


def run_as(user: str | None, home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a command as the user (``runuser``; None: as the test) with the venv on PATH, as in their terminal."""
    env = {"PATH": f"{PATHS.bin}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "JUPYTER_PLATFORM_DIRS": "1",
           "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    cmd = [runuser, "-u", user, "--", *args] if user and AS_ROOT else list(args)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def closed_to_others(path: Path) -> Path | None:
    """The first folder on the way to ``path`` that other users cannot enter, if any."""
    for folder in [*reversed(path.parents)]:
        if not folder.stat().st_mode & 0o001:
            return folder
    return None


def marked(tag: str) -> dict[int, dict[str, str]]:
    """The processes the test's hub started, with their environment (those this test may read)."""
    out = {}
    needle = f"{MARK}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "environ").read_bytes()
            except OSError:
                continue
            items = raw.split(b"\0")
            if needle in items:
                out[int(entry.name)] = dict(i.decode("utf-8", "replace").partition("=")[::2] for i in items if i)
    return out


def pids_of(uid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    out.append(int(entry.name))
            except FileNotFoundError:
                continue
    return out


def pids_in_session(sid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    out.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return out


def useradd(name: str, home: Path) -> None:
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group",
                    name], check=True, capture_output=True)


@pytest.fixture(scope="module", params=["local", "simple"])
def hub(request: pytest.FixtureRequest):
    mode = request.param
    if mode == "local" and not AS_ROOT:
        pytest.skip("RAPPORT_SPAWNER=local runs each server as its system user: the hub (and so this test) must "
                    "run as root; the simple mode runs as you")
    ensure_hub_deps()
    # Users other than the test's (the students, the trial's user) enter the test's folders: put them in a
    # folder everyone can enter (TMPDIR may be a private one).
    tmp = Path(tempfile.gettempdir())
    base = Path(tempfile.mkdtemp(prefix=f"rkhub-{mode}-", dir=tmp if closed_to_others(tmp / "x") is None else "/tmp"))
    os.chmod(base, 0o755)
    tag = secrets.token_hex(2)
    users = {"instructor": f"rkt{tag}i", "s1": f"rkt{tag}a", "s2": f"rkt{tag}b"}
    token = secrets.token_hex(24)
    port, hub_api, proxy_api = free_ports(3)
    h = Hub(mode, base, port, token, users)
    h.tag = tag
    created: list[str] = []
    proc = None
    left: list[int] = []
    log = open(base / "hub.log", "w")  # noqa: SIM115 (closed at teardown)
    try:
        h.owner_home = base / "laptop"  # simple mode: the home of the hub's user (the instructor on their laptop)
        if mode == "local":
            (base / "home").mkdir(mode=0o755)
            h.homes = {role: base / "home" / name for role, name in users.items()}
            for role, name in users.items():
                useradd(name, h.homes[role])
                created.append(name)
            h.course = copy_course(h.homes["instructor"] / "rapport-lab")
            subprocess.run(["chown", "-R", f"{users['instructor']}:", str(h.homes["instructor"])], check=True)
        else:
            h.homes = {role: base / "hub" / "home" / name for role, name in users.items()}
            if AS_ROOT:  # as on the instructor's laptop: an ordinary user owns the hub and all its folders
                h.owner = f"rkt{tag}h"
                useradd(h.owner, h.owner_home)
                created.append(h.owner)
            else:
                h.owner_home.mkdir()
            h.course = copy_course(h.owner_home / "rapport-lab")
            if h.owner:
                subprocess.run(["chown", "-R", f"{h.owner}:", str(base)], check=True)
        h.exchange = base / "exchange"
        # The venv and the proxy must be usable by the users the servers run as (not only root).
        account = h.instructor_account()
        for path in (PATHS.bin / "python", PATHS.chp):
            closed = closed_to_others(path)
            assert not (account and AS_ROOT and closed), f"{closed} is closed to other users: {path} is unusable"
        probe = run_as(account, h.instructor_home(), str(PATHS.bin / "python"), "-c",
                       "import jupyterhub, nbgrader, rapportkit")
        assert probe.returncode == 0, probe.stderr
        probe = run_as(account, h.instructor_home(), str(PATHS.chp), "--version")
        assert probe.returncode == 0, probe.stderr

        # The hub's owner reads the course's hub configuration: a copy where it can (the checkout may be closed).
        deploy_config = base / "jupyterhub_config.py"
        shutil.copy2(REPO / "deploy" / "jupyterhub_config.py", deploy_config)
        config = base / "test_hub_config.py"
        config.write_text(
            f"load_subconfig({str(deploy_config)!r})  # noqa: F821\n"
            "c = get_config()  # noqa: F821\n"
            "c.JupyterHub.services = [{'name': 'rapport-test', 'api_token': %r}]\n"
            "c.JupyterHub.load_roles = [{'name': 'rapport-test', 'services': ['rapport-test'],\n"
            "    'scopes': ['admin:users', 'admin:servers', 'tokens', 'access:servers', 'list:users']}]\n"
            "c.Spawner.environment = dict(c.Spawner.environment, %s=%r)\n" % (token, MARK, tag),
            encoding="utf-8")
        if h.owner:
            subprocess.run(["chown", f"{h.owner}:", str(config)], check=True)
        hub_user = pwd.getpwnam(h.owner) if h.owner else pwd.getpwuid(os.geteuid())
        env = {"PATH": f"{PATHS.bin}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "SHELL": "/bin/bash",
               "HOME": str(h.owner_home) if mode == "simple" else hub_user.pw_dir,
               "USER": hub_user.pw_name, "LOGNAME": hub_user.pw_name, MARK: tag,
               "RAPPORT_INSTRUCTORS": users["instructor"], "RAPPORT_STUDENTS": f"{users['s1']} {users['s2']}",
               "RAPPORT_COURSE_DIR": str(h.course), "RAPPORT_EXCHANGE": str(h.exchange),
               "RAPPORT_HUB_DIR": str(base / "hub"), "RAPPORT_HUB_PORT": str(port),
               "RAPPORT_HUB_API_PORT": str(hub_api), "RAPPORT_PROXY_API_PORT": str(proxy_api),
               "RAPPORT_SPAWNER": mode}
        cmd = [str(PATHS.bin / "jupyterhub"), "-f", str(config)]
        if h.owner:  # setpriv execs the hub (no parent left behind to forward, or cut short, its signals)
            cmd = [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={hub_user.pw_uid}",
                   f"--regid={hub_user.pw_gid}", "--init-groups", "--", *cmd]
        proc = subprocess.Popen(cmd, cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        h.proc = proc
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, h.log()
            try:
                if h.call("GET", "/hub/api/", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "hub did not answer: " + h.log()
            time.sleep(0.5)
        assert os.stat(f"/proc/{proc.pid}").st_uid == hub_user.pw_uid
        yield h
    finally:
        proxy_pid = h.proxy_pid()
        if proc is not None and proc.poll() is None:
            try:  # stop the users' servers through the hub, then the hub (which stops its proxy)
                for name in users.values():
                    h.call("DELETE", f"/hub/api/users/{name}/server", timeout=30)
            except Exception:
                pass
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
        # The hub must have stopped its proxy, the servers and everything in its session; whatever is left is
        # ended (by pid, only what this test started: marked, in the hub's session, or run by a user created
        # here) and reported after the clean-up.
        if proc is not None:
            left = sorted(set(marked(tag)) | set(pids_in_session(proc.pid)))
        if proxy_pid and Path(f"/proc/{proxy_pid}").exists() and proxy_pid not in left:
            left.append(proxy_pid)
        for name in created:
            left += [pid for pid in pids_of(pwd.getpwnam(name).pw_uid) if pid not in left]
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for name in created:
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    assert not left, f"processes left running after the hub stopped: {left}"
    assert not [n for n in created if subprocess.run(["id", n], capture_output=True).returncode == 0], created


def start_servers(h: Hub) -> None:
    for name in h.users.values():
        status, body = h.call("POST", f"/hub/api/users/{name}/server")
        assert status in (201, 202), f"{status} {body}{h.log()}"
        status, body = h.call("POST", f"/hub/api/users/{name}/tokens", {"note": "round trip", "expires_in": 3600})
        assert status == 201, f"{status} {body}{h.log()}"
        h.user_tokens[name] = body["token"]
    deadline = time.monotonic() + 240
    for name in h.users.values():
        while True:
            status, model = h.call("GET", f"/hub/api/users/{name}")
            server = (model.get("servers") or {}).get("", {}) if isinstance(model, dict) else {}
            if server.get("ready"):
                break
            assert time.monotonic() < deadline, f"{name}'s server never became ready: {model}{h.log()}"
            time.sleep(1)


def answers(release_nb: Path, solution_nb: Path, quality: str) -> dict:
    """A student's notebook: the instructor's answers, or the release untouched."""
    sources = demo._solution_sources(solution_nb) if quality == "solution" else {}
    return json.loads(nbformat.writes(demo.fill(release_nb, sources)))


def test_login(hub: Hub):
    """The login a user meets: PAM with the user's own password, or the trial's shared password."""
    student, instructor = hub.users["s1"], hub.users["instructor"]
    if hub.mode == "local":
        password = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{student}:{password}\n", text=True, check=True, capture_output=True)
    else:  # generated by the hub on its first start, readable only by the hub's user
        password_file = hub.base / "hub" / "trial_password"
        assert password_file.stat().st_mode & 0o777 == 0o600
        assert password_file.stat().st_uid == hub.runs_as("s1")
        password = password_file.read_text().strip()
        assert len(password) >= 8
        assert "TRIAL hub, not for real students" in hub.log()
        assert hub.login(instructor, password) == 302, hub.log()
        assert hub.login("rktnobody", password) == 403, "only the course's names may log in"
    assert hub.login(student, password) == 302, hub.log()
    assert hub.login(student, password + "x") == 403


def test_round_trip_through_the_hub(hub: Hub):
    t0 = time.monotonic()
    start_servers(hub)
    name = hub.users
    # The hub routes each user to a server running as that user (simple mode: as the hub's own user).
    for role in ("instructor", "s1"):
        status, body = hub.as_user(role, "GET", "/api/status")
        assert status == 200, (status, body)
    servers = {env.get("JUPYTERHUB_USER"): os.stat(f"/proc/{pid}").st_uid for pid, env in marked(hub.tag).items()
               if pid != hub.proc.pid}
    for role, username in name.items():
        assert servers.get(username) == hub.runs_as(role), servers
    status, body = hub.as_user("s1", "GET", "/formgrader/api/assignments")
    assert status == 404, "students must not have the formgrader"

    # Instructor: generate and release with the course command, run as the instructor's system user; their
    # formgrader (their own server, through the proxy) then shows the assignment as released.
    rk = [str(PATHS.bin / "rapportkit"), "course"]
    course = ["--course-dir", str(hub.course)]
    instructor, home = hub.instructor_account(), hub.instructor_home()
    proc = run_as(instructor, home, *rk, "release", ASSIGNMENT, "--exchange", str(hub.exchange), *course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (hub.exchange / COURSE_ID / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    status, body = hub.as_user("instructor", "GET", "/formgrader/api/assignments")
    assert status == 200, (status, body)
    listed = {a["name"]: a for a in body}
    assert listed[ASSIGNMENT]["status"] == "released", body

    # Students: fetch, answer (saved through their server's contents API), submit.
    release_nb = hub.course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    solution_nb = hub.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for role, quality in (("s1", "solution"), ("s2", "blank")):
        status, listing = hub.as_user(role, "GET", f"/assignments?course_id={COURSE_ID}")
        assert status == 200 and listing["success"], listing
        assert [a["assignment_id"] for a in listing["value"]] == [ASSIGNMENT]
        status, body = hub.as_user(role, "POST", "/assignments/fetch",
                                   {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
        assert status == 200 and body["success"], body
        nb_path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
        status, model = hub.as_user(role, "GET", f"/api/contents/{nb_path}?content=0")
        assert status == 200, (status, model)
        status, model = hub.as_user(role, "PUT", f"/api/contents/{nb_path}",
                                    {"type": "notebook", "format": "json",
                                     "content": answers(release_nb, solution_nb, quality)})
        assert status == 200, (status, model)
        fetched = hub.homes[role] / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert fetched.stat().st_uid == hub.runs_as(role)  # written by the student's server
        status, body = hub.as_user(role, "POST", "/assignments/submit",
                                   {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
        assert status == 200 and body["success"], body

    # Instructor: collect, autograde in parallel, release feedback: the course commands, as the instructor.
    proc = run_as(instructor, home, *rk, "collect", ASSIGNMENT, "--exchange", str(hub.exchange), *course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 students in submitted/" in proc.stdout
    proc = run_as(instructor, home, *rk, "autograde", ASSIGNMENT, "--jobs", "2", *course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    graded = dict(line.split(None, 1) for line in proc.stdout.splitlines())
    assert sorted(graded) == sorted([name["s1"], name["s2"]]), proc.stdout
    assert all(st.startswith("graded") and "outside" not in st for st in graded.values()), proc.stdout
    proc = run_as(instructor, home, *rk, "feedback", ASSIGNMENT, "--release", "--exchange", str(hub.exchange),
                  *course)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # Students: fetch their feedback through their servers.
    for role in ("s1", "s2"):
        status, body = hub.as_user(role, "POST", "/assignments/fetch_feedback",
                                   {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
        assert status == 200 and body["success"], body
        status, folder = hub.as_user(role, "GET", f"/api/contents/{ASSIGNMENT}/feedback")
        assert status == 200, (status, folder)
        stamps = [item["path"] for item in folder["content"] if item["type"] == "directory"]
        assert len(stamps) == 1, folder
        status, html = hub.as_user(role, "GET", f"/api/contents/{quote(stamps[0])}/{ASSIGNMENT}.html"
                                                  "?type=file&format=text")
        assert status == 200, (status, html)
        assert "HIDDEN TESTS" not in html["content"] and "Score" in html["content"]

    # The formgrader shows the grades: full marks on the autograded items for the solution, nothing for blank.
    status, subs = hub.as_user("instructor", "GET", f"/formgrader/api/submissions/{ASSIGNMENT}")
    assert status == 200, (status, subs)
    scores = {s["student"]: (s["code_score"], s["max_code_score"]) for s in subs if s["submitted"]}
    assert set(scores) == {name["s1"], name["s2"]}, subs
    got, top = scores[name["s1"]]
    # q7 grades a role-play transcript the student did not hand in: everything else is full marks.
    assert top - 3 <= got < top and got > 0, scores
    assert scores[name["s2"]][0] == 0, scores
    print(f"hub round trip ({hub.mode}): {time.monotonic() - t0:.0f}s")


def test_everything_started_is_stopped(hub: Hub):
    """Stopping a user's server through the hub ends its processes: only the hub and its proxy are left (the
    fixture then stops the hub); in local mode the users run nothing any more."""
    for username in hub.users.values():
        status, _ = hub.call("DELETE", f"/hub/api/users/{username}/server")
        assert status in (202, 204), status
    hub_own = {hub.proc.pid, hub.proxy_pid()}
    uids = [pwd.getpwnam(u).pw_uid for u in hub.users.values()] if hub.mode == "local" else []
    deadline = time.monotonic() + 60
    while True:
        left = sorted(set(marked(hub.tag)) - hub_own) + [pid for uid in uids for pid in pids_of(uid)]
        if not left:
            break
        assert time.monotonic() < deadline, f"still running after the servers were stopped: {left}"
        time.sleep(0.5)
    assert hub.proc.poll() is None and hub.proxy_pid() in marked(hub.tag), "the hub and its proxy still run"
