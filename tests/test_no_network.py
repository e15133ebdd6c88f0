"""Every lesson works with no network: run in a real kernel inside a network namespace that has only loopback.

``unshare -n`` (Linux; root, or ``-r`` for an unprivileged user namespace) gives the runner, nbclient and the kernel
a network of their own with only ``lo`` (brought up here, so the kernel's own channels work). Any connection to
anything else fails at once, and name lookups fail. A canary cell, run first in each notebook by the same kernel,
proves that: a connection to a public address and a DNS lookup must both fail. Then the lesson runs top to bottom
with fresh caches (matplotlib's font cache is rebuilt from the local fonts), so nothing is fetched at run time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.kernel

LESSONS = sorted((REPO / "course").glob("*.ipynb"))

# The canary: a public address by number (no DNS needed), then a name. Both must fail; loopback must work.
CANARY = r"""
import socket
blocked = []
for target in [("1.1.1.1", 443), ("93.184.216.34", 80)]:
    try:
        socket.create_connection(target, timeout=5).close()
    except OSError as err:
        blocked.append(f"{target[0]}: {err.__class__.__name__}")
try:
    socket.getaddrinfo("pypi.org", 443)
except OSError as err:
    blocked.append(f"pypi.org: {err.__class__.__name__}")
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
socket.create_connection(server.getsockname(), timeout=5).close()
import os
print("NETNS", os.readlink("/proc/self/ns/net"), "\nCANARY", len(blocked), "; ".join(blocked), flush=True)
"""

# Runs inside the namespace: bring loopback up, then execute the notebook with nbclient; prints a JSON report.
RUNNER = """
import fcntl, json, socket, struct, sys
import nbformat
from nbclient import NotebookClient

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0))[:18])[1]  # SIOCGIFFLAGS
fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))  # SIOCSIFFLAGS: IFF_UP

path, canary = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nb.cells.insert(0, nbformat.v4.new_code_cell(canary))
report = {"errors": [], "stderr": [], "canary": ""}
try:
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": sys.argv[3]}}).execute()
except Exception as err:  # a cell raised: nbclient stops there; the outputs below say which
    report["errors"].append(f"{type(err).__name__}: {str(err)[-1500:]}")
for cell in nb.cells:
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            report["errors"].append(f"{out.ename}: {out.evalue}")
        elif out.output_type == "stream" and out.name == "stderr":
            report["stderr"].append(out.text)
        elif out.output_type == "stream" and out.text.startswith("NETNS"):
            netns, canary = (out.text.strip().splitlines() + [""])[:2]
            report["netns"], report["canary"] = netns.split(" ", 1)[1], canary.strip()
report["executed"] = sum(1 for c in nb.cells if c.cell_type == "code" and c.execution_count)
report["code_cells"] = sum(1 for c in nb.cells if c.cell_type == "code")
print("REPORT " + json.dumps(report))
"""


def _unshare() -> list[str]:
    tool = shutil.which("unshare")
    assert tool, "unshare (util-linux) is missing: the no-network test needs it"
    return [tool, "-n"] if os.geteuid() == 0 else [tool, "-r", "-n"]


def test_there_are_lessons_to_run():
    assert LESSONS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_runs_with_no_network(path: Path, tmp_path: Path):
    work = tmp_path / "course"
    work.mkdir()
    shutil.copy2(path, work / path.name)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for var in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())  # fresh caches: nothing may come from a download done earlier
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["MPLBACKEND"] = "Agg"
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(proxy, None)
    proc = subprocess.run(
        [*_unshare(), sys.executable, "-c", RUNNER, str(work / path.name), CANARY, str(work)],
        capture_output=True, text=True, timeout=900, env=env, cwd=work,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT ")), None)
    assert proc.returncode == 0 and line, (
        f"runner failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    )
    report = json.loads(line[len("REPORT "):])
    # The canary ran in the lesson's own kernel, in a network namespace that is not this process's one,
    # where two public addresses and one name lookup were all refused.
    assert report.get("netns") and report["netns"] != os.readlink("/proc/self/ns/net"), report
    assert report["canary"].startswith("CANARY 3 "), report["canary"] or report
    assert not report["errors"], f"{path.name} fails without a network: {report['errors']}"
    assert not report["stderr"], f"{path.name} writes to stderr without a network: {report['stderr']}"
    assert report["executed"] == report["code_cells"], report
