"""Browser fixtures: a real JupyterLab on a free loopback port, driven by Debian's chromium through Playwright.

* ``lab``: ``jupyter lab`` from the venv with the Makefile's offline flags, serving a temp copy of the course
  (``course/``, ``exercises/``, and ``solutions/`` + ``grader_config.py`` + ``nbgrader_config.py`` for the
  instructor's formgrader), with a random token and private Jupyter/IPython state folders. The venv's lab
  extensions and its settings override (no news prompt) are still found: they live under ``sys.prefix``.
* ``browser``: chromium (``/usr/bin/chromium``, installed by ``scripts/system-deps.sh``; never a downloaded
  browser), headless, with a fresh profile.
* ``page``: a new browser context per test; a screenshot is saved to ``build/screenshots/`` when the test fails
  (``screenshots``: the pages to photograph).
* ``axe_source``: axe-core's ``axe.min.js``, installed from npm by ``scripts/axe.sh`` (pinned, into ``build/axe``).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The Makefile's LAB_FLAGS: nothing reaches the network (no news, no update check, no extension manager queries).
OFFLINE_FLAGS = [
    "--no-browser",
    "--LabApp.news_url=None",
    "--LabApp.extension_manager=readonly",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]
SCREENSHOTS = REPO / "build" / "screenshots"
START_TIMEOUT = 120  # seconds for the server to answer (the machine may be busy)
expect.set_options(timeout=30_000)  # ms for each expectation unless a test says otherwise


@dataclass(frozen=True)
class Lab:
    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path
    log: Path

    def open(self, path: str = "") -> str:
        """The URL of a file in JupyterLab, in a new workspace (nothing restored from another test)."""
        workspace = secrets.token_hex(8)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{path}?token={self.token}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and everything it started (kernels): its own process group, by id."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    try:  # kernels left in the group after the server exited
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="package")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    root = base / "course"
    root.mkdir()
    for name in ("course", "exercises", "solutions"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name in ("grader_config.py", "nbgrader_config.py"):
        shutil.copy2(REPO / name, root / name)
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[var] = str(base / var.lower())
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["MPLBACKEND"] = "Agg"
    port, token = _free_port(), secrets.token_hex(24)
    cmd = [
        str(Path(bindir) / "jupyter"),
        "lab",
        *OFFLINE_FLAGS,
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = base / "jupyter-lab.log"
    with open(log, "w") as out:
        # Its own session: stopping the group stops the server and every kernel it started.
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer in {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)  # polling the server's status: nothing to wait on but the socket
        yield Lab(url=url, token=token, root=root, log=log)
    finally:
        _stop(proc)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: `make test` installs it (scripts/system-deps.sh)"
    with sync_playwright() as pw:
        # launch() gives every run a fresh, temporary profile.
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def photograph_if_failed(request: pytest.FixtureRequest, pages: list[Page]) -> None:
    """Save a screenshot of each page to build/screenshots/ if the test's set-up or body failed."""
    reports = [getattr(request.node, f"rep_{when}", None) for when in ("setup", "call")]
    if not any(r is not None and r.failed for r in reports):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for i, pg in enumerate(pages):
        shot = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", request.node.name) + (f"_{i}" if i else "") + ".png")
        try:
            pg.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot: {shot}")
        except Exception as err:  # the page may be gone; the test's own error matters more
            print(f"\nno screenshot ({err})")
        errors = getattr(pg, "console_errors", [])
        if errors:
            print("browser console errors:\n  " + "\n  ".join(errors[-20:]))


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Iterator[list[Page]]:
    """Pages that outlive this test (e.g. a module's page) to photograph if it fails: append them."""
    pages: list[Page] = []
    yield pages
    photograph_if_failed(request, pages)


def new_page(browser: Browser) -> Page:
    """A page in a new browser context (its own cookies and storage), with generous timeouts for a busy machine."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.set_default_timeout(60_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    return page


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    pg = new_page(browser)
    try:
        yield pg
    finally:
        photograph_if_failed(request, [pg])
        pg.context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The text of axe.min.js (pinned in scripts/axe.sh, installed from npm into build/axe on first use)."""
    proc = subprocess.run(["bash", str(REPO / "scripts" / "axe.sh")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"scripts/axe.sh failed: {proc.stderr.strip()}"
    path = Path(proc.stdout.strip().splitlines()[-1])
    return path.read_text(encoding="utf-8")
