"""The course on a real JupyterHub (deploy/jupyterhub_config.py) on loopback: an instructor, two students.

Round trip through the hub: the instructor releases the assignment (``rapportkit course release`` as their
system user) and their formgrader (their own server, through the proxy) lists it; each student's server
fetches it, the student's answers are saved through Jupyter's contents API, and the server submits it; the
instructor collects, autogrades (``--jobs 2``) and releases feedback with ``rapportkit course`` as their system
user on the same exchange; the students' servers fetch their feedback; the formgrader lists the grades.
Everything the test started is stopped, and the system users it created (as root) are removed.
"""

from __future__ import annotations

import json
import os
import pwd
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
from urllib.parse import quote

import nbformat
import pytest

from rapportkit import demo
from tests.conftest import REPO, copy_course

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "01_trust"
COURSE_ID = "rapport-lab"
CHP = REPO / "build" / "node_modules" / ".bin" / "configurable-http-proxy"
# Users' servers run as the users: the hub and they use build/hub-venv (scripts/hub-deps.sh), made from a
# system-wide Python that every user can run.
BIN = REPO / "build" / "hub-venv" / "bin"
AS_ROOT = os.geteuid() == 0


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
    assert CHP.exists() and (BIN / "jupyterhub").exists()


class Hub:
    """A running hub and what the test needs to talk to it."""

    def __init__(self, base: Path, port: int, token: str, users: dict[str, str]) -> None:
        self.base, self.url, self.token, self.users = base, f"http://127.0.0.1:{port}", token, users
        self.user_tokens: dict[str, str] = {}

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


def run_as(user: str, home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a command as the user (``runuser``) with the venv on PATH, as in their hub terminal."""
    env = {"PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "JUPYTER_PLATFORM_DIRS": "1",
           "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    cmd = [runuser, "-u", user, "--", *args] if AS_ROOT else list(args)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


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


@pytest.fixture(scope="module")
def hub():
    ensure_hub_deps()
    base = Path(tempfile.mkdtemp(prefix="rkhub-"))
    os.chmod(base, 0o755)
    tag = secrets.token_hex(2)
    users = {"instructor": f"rkt{tag}i", "s1": f"rkt{tag}a", "s2": f"rkt{tag}b"}
    homes = {role: base / "home" / name for role, name in users.items()}
    created: list[str] = []
    proc = None
    log = open(base / "hub.log", "w")  # noqa: SIM115 (closed at teardown)
    try:
        (base / "home").mkdir(mode=0o755)
        if AS_ROOT:
            for role, name in users.items():
                subprocess.run(["useradd", "--create-home", "--home-dir", str(homes[role]), "--shell", "/bin/bash",
                                "--user-group", name], check=True, capture_output=True)
                created.append(name)
        course = copy_course(homes["instructor"] / "rapport-lab")
        if AS_ROOT:
            subprocess.run(["chown", "-R", f"{users['instructor']}:", str(homes["instructor"])], check=True)
        token = secrets.token_hex(24)
        port, hub_api, proxy_api = free_ports(3)
        config = base / "test_hub_config.py"
        config.write_text(
            f"load_subconfig({str(REPO / 'deploy' / 'jupyterhub_config.py')!r})  # noqa: F821\n"
            "c = get_config()  # noqa: F821\n"
            "c.JupyterHub.services = [{'name': 'rapport-test', 'api_token': %r}]\n"
            "c.JupyterHub.load_roles = [{'name': 'rapport-test', 'services': ['rapport-test'],\n"
            "    'scopes': ['admin:users', 'admin:servers', 'tokens', 'access:servers', 'list:users']}]\n" % token,
            encoding="utf-8")
        env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}",
                   RAPPORT_INSTRUCTORS=users["instructor"], RAPPORT_STUDENTS=f"{users['s1']} {users['s2']}",
                   RAPPORT_COURSE_DIR=str(course), RAPPORT_EXCHANGE=str(base / "exchange"),
                   RAPPORT_HUB_DIR=str(base / "hub"), RAPPORT_HUB_PORT=str(port),
                   RAPPORT_HUB_API_PORT=str(hub_api), RAPPORT_PROXY_API_PORT=str(proxy_api),
                   RAPPORT_SPAWNER="local" if AS_ROOT else "simple")
        if not AS_ROOT:
            homes = {role: base / "hub" / "home" / name for role, name in users.items()}
        proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=base, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        h = Hub(base, port, token, users)
        h.homes, h.course, h.exchange, h.proc = homes, course, base / "exchange", proc
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (base / "hub.log").read_text()[-4000:]
            try:
                if h.call("GET", "/hub/api/", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "hub did not answer: " + (base / "hub.log").read_text()[-4000:]
            time.sleep(0.5)
        yield h
    finally:
        proxy_pid = None
        try:
            proxy_pid = int((base / "hub" / "proxy.pid").read_text().strip())
        except (OSError, ValueError):
            pass
        if proc is not None and proc.poll() is None:
            try:  # stop the users' servers through the hub, then the hub (which stops its proxy)
                for name in users.values():
                    Hub(base, port, token, users).call("DELETE", f"/hub/api/users/{name}/server", timeout=30)
            except Exception:
                pass
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
        # The hub must have stopped its proxy and everything in its session; whatever is left is ended (by pid,
        # only what this test started) and reported after the clean-up.
        left = [p for p in pids_in_session(proc.pid)] if proc is not None else []
        if proxy_pid and Path(f"/proc/{proxy_pid}").exists() and proxy_pid not in left:
            left.append(proxy_pid)
        for name in created:
            uid = pwd.getpwnam(name).pw_uid
            left += pids_of(uid)  # anything the test's users still run
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for name in created:
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    assert not left, f"processes left running after the hub stopped: {left}"


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


def test_round_trip_through_the_hub(hub: Hub):
    t0 = time.monotonic()
    start_servers(hub)
    name = hub.users
    # The hub routes each user to a server running as that user.
    for role in ("instructor", "s1"):
        status, body = hub.as_user(role, "GET", "/api/status")
        assert status == 200, (status, body)
    status, body = hub.as_user("s1", "GET", "/formgrader/api/assignments")
    assert status == 404, "students must not have the formgrader"

    # Instructor: generate and release with the course command, run as the instructor's system user; their
    # formgrader (their own server, through the proxy) then shows the assignment as released.
    rk = [str(BIN / "rapportkit"), "course"]
    course = ["--course-dir", str(hub.course)]
    instructor, home = name["instructor"], hub.homes["instructor"]
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
        if AS_ROOT:
            assert fetched.stat().st_uid == pwd.getpwnam(name[role]).pw_uid  # written by the student's server
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
    print(f"hub round trip: {time.monotonic() - t0:.0f}s")


def test_everything_started_is_stopped(hub: Hub):
    """Stopping a user's server through the hub ends their processes (the fixture then stops the hub)."""
    for username in hub.users.values():
        status, _ = hub.call("DELETE", f"/hub/api/users/{username}/server")
        assert status in (202, 204), status
    if AS_ROOT:
        deadline = time.monotonic() + 60
        for username in hub.users.values():
            uid = pwd.getpwnam(username).pw_uid
            while pids_of(uid):
                assert time.monotonic() < deadline, f"{username} still runs {pids_of(uid)}"
                time.sleep(0.5)
