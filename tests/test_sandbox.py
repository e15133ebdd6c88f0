"""Escape tests of the grading sandbox itself: a kernel started the way autograding starts it.

One notebook of attacks runs through :class:`rapportkit.nbgrader.sandbox.SandboxedExecute` (nbgrader's Execute
preprocessor with the sandboxed kernel manager) in a fake course laid out like a real one: solutions/, a
gradebook, another student's hand-in, a file of the instructor outside the course. Each attack cell
prints one ``RESULT {json}`` line; the tests read them, and check the host afterwards.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

import rapportkit
from rapportkit.instructor.batch import grade_batch
from rapportkit.nbgrader import commands
from rapportkit.nbgrader.judge import REPORT_TAG
from rapportkit.nbgrader.sandbox import SandboxedExecute, SandboxKernelManager, SandboxUnavailableError, sandbox_problem
from tests.conftest import copy_course

pytestmark = pytest.mark.kernel

SECRET = "the-answer-key-is-b"


def attack(name: str, body: str) -> str:
    """A cell that runs ``body`` (which sets ``out``) and prints ``RESULT {"name":..., ...}``."""
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return (
        "import json as _j\nout = {}\ntry:\n" + indented + "\nexcept BaseException as _e:\n"
        "    out['error'] = type(_e).__name__ + ': ' + str(_e)\n"
        f"print('RESULT', _j.dumps({{'name': {name!r}, **out}}))"
    )


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory):
    if problem := sandbox_problem():
        pytest.fail(f"the grading sandbox cannot run on this machine: {problem} (run scripts/system-deps.sh)")
    base = tmp_path_factory.mktemp("sandbox")
    course = base / "course"
    work = course / "autograded" / "ana" / "01_trust"
    work.mkdir(parents=True)
    (course / "solutions" / "01_trust").mkdir(parents=True)
    (course / "solutions" / "01_trust" / "key.txt").write_text(SECRET)
    (course / "gradebook.db").write_text(SECRET)
    other = course / "submitted" / "ben" / "01_trust"
    other.mkdir(parents=True)
    (other / "01_trust.ipynb").write_text("ben's work")
    (base / "instructor_notes.txt").write_text(SECRET)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    connections: list[str] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append("connected")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    mark = f"rk-sbx-{uuid.uuid4().hex[:8]}"
    os.environ["RK_TEST_SECRET_TOKEN"] = SECRET  # an instructor's token must not reach the kernel
    cells = [
        attack("read_solutions", f"out['text'] = open({str(course / 'solutions/01_trust/key.txt')!r}).read()"),
        attack("read_gradebook", "out['text'] = open('../../../gradebook.db').read()"),
        attack("read_other_student", f"out['text'] = open({str(other / '01_trust.ipynb')!r}).read()"),
        attack("read_outside_course", f"out['text'] = open({str(base / 'instructor_notes.txt')!r}).read()"),
        attack("list_home", f"import os\nout['entries'] = sorted(os.listdir({str(Path.home())!r}))"),
        attack("write_outside", "open('../../../PWNED.txt', 'w').write('x')\nout['wrote'] = True"),
        attack("write_gradebook", "open('../../../gradebook.db', 'a').write('x')\nout['wrote'] = True"),
        attack("write_own_folder", "open('mine.txt', 'w').write('ok')\nout['wrote'] = True"),
        attack("symlink_trap", f"import os\nos.symlink({str(base / 'instructor_notes.txt')!r}, 'trap.ipynb')\n"
                               "os.mkfifo('pipe')\nout['made'] = True"),
        attack("write_tmp", "open('/tmp/rk_private.txt', 'w').write('ok')\nout['wrote'] = True"),
        attack("network_loopback", f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
                                   "out['connected'] = True"),
        attack("network_outside", "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=3)\n"
                                  "out['connected'] = True"),
        attack("environment", "import os\nout['env'] = sorted(os.environ)\nout['uid'] = os.getuid()\n"
                              "out['caps'] = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0]"),
        attack("memory_hog", "hog = bytearray(3 * 2**30)\nhog[::4096] = b'x' * len(hog[::4096])\nout['got'] = True"),
        attack("still_alive_after_hog", "out['alive'] = True"),
        attack("daemon", "import subprocess, sys\n"
                         f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {mark!r}],"
                         " start_new_session=True)\nout['pid'] = p.pid"),
        "while True:\n    pass",  # an endless loop: the timeout interrupt must stop it, and only it
        attack("after_the_loop", "out['alive'] = True"),
        attack("fork_bomb", "import os, time\nout['children'] = 0\n"
                            "try:\n    for _ in range(400):\n        if os.fork() == 0:\n"
                            "            time.sleep(3)\n            os._exit(0)\n        out['children'] += 1\n"
                            "except OSError as e:\n    out['refused'] = str(e)"),
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    # The endless loop gets 8 s; the other cells a minute, so a busy machine cannot fail them by timeout.
    executor = SandboxedExecute(timeout=8, config=Config(),
                                timeout_func=lambda cell: 8 if cell.source.startswith("while True") else 60)
    started = time.monotonic()
    try:
        executor.preprocess(nb, {"metadata": {"path": str(work)}})
    finally:
        del os.environ["RK_TEST_SECRET_TOKEN"]
    elapsed = time.monotonic() - started
    results = {}
    for cell in nb.cells:
        # ipykernel may flush one print in several stream messages: join them before reading lines.
        text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream")
        for line in text.splitlines():
            if line.startswith("RESULT "):
                item = json.loads(line[len("RESULT "):])
                results[item["name"]] = item
    listener.close()
    return {"results": results, "nb": nb, "course": course, "base": base, "work": work, "mark": mark,
            "connections": connections, "elapsed": elapsed}


def test_solutions_gradebook_other_students_and_outside_files_are_invisible(attacked):
    r = attacked["results"]
    for name in ("read_solutions", "read_gradebook", "read_other_student", "read_outside_course"):
        assert "text" not in r[name], f"{name}: the sandbox let it read {r[name]}"
        assert "No such file or directory" in r[name]["error"], r[name]


def test_the_instructors_home_shows_only_what_python_needs(attacked):
    home = Path.home()
    needed = {Path(p).resolve().relative_to(home).parts[0] for p in (sys.base_prefix, sys.prefix,
              os.path.dirname(rapportkit.__file__)) if Path(p).resolve().is_relative_to(home)}
    entries = attacked["results"]["list_home"].get("entries", [])
    assert set(entries) <= needed, entries


def test_only_the_working_copy_and_a_private_tmp_are_writable(attacked):
    r, course = attacked["results"], attacked["course"]
    assert "wrote" not in r["write_outside"] and not (course / "PWNED.txt").exists()
    assert "wrote" not in r["write_gradebook"] and (course / "gradebook.db").read_text() == SECRET
    assert r["write_own_folder"].get("wrote") and (attacked["work"] / "mine.txt").read_text() == "ok"
    # What the kernel wrote is handed back to the owner of the working copy.
    assert (attacked["work"] / "mine.txt").stat().st_uid == attacked["work"].stat().st_uid == os.getuid()
    assert r["write_tmp"].get("wrote") and not Path("/tmp/rk_private.txt").exists()


def test_links_and_fifos_left_in_the_working_copy_are_removed(attacked):
    # nbgrader writes the graded notebook into this folder afterwards: a symlink would redirect that write.
    assert attacked["results"]["symlink_trap"].get("made"), attacked["results"]["symlink_trap"]
    work = attacked["work"]
    assert not (work / "trap.ipynb").is_symlink() and not (work / "pipe").exists()
    assert (attacked["base"] / "instructor_notes.txt").read_text() == SECRET


def test_no_network_not_even_loopback_to_the_grader(attacked):
    r = attacked["results"]
    assert "connected" not in r["network_loopback"] and "connected" not in r["network_outside"]
    assert attacked["connections"] == []


def test_the_kernel_gets_no_secrets_no_rights(attacked):
    env = attacked["results"]["environment"]
    assert "RK_TEST_SECRET_TOKEN" not in env["env"] and "JPY_PARENT_PID" not in env["env"]
    assert env["caps"].split()[1] == "0000000000000000"
    if os.geteuid() == 0:
        assert env["uid"] != 0


def test_memory_is_limited_and_the_kernel_survives(attacked):
    r = attacked["results"]
    assert "got" not in r["memory_hog"] and r["memory_hog"]["error"].startswith("MemoryError")
    assert r["still_alive_after_hog"]["alive"]


def test_process_count_is_limited(attacked):
    bomb = attacked["results"]["fork_bomb"]
    assert "refused" in bomb and bomb["children"] < SandboxKernelManager().max_processes, bomb


def test_the_timeout_interrupt_reaches_the_kernel_and_costs_only_the_looping_cell(attacked):
    cells = attacked["nb"].cells
    loop = next(c for c in cells if c.source.startswith("while True"))
    errors = [o.get("ename") for o in loop.outputs if o.output_type == "error"]
    # nbgrader records the timeout; the KeyboardInterrupt is the kernel's own answer to the interrupt.
    assert "CellTimeoutError" in errors and "KeyboardInterrupt" in errors, errors
    # The kernel was interrupted, not killed: the next cells ran in the same kernel.
    assert attacked["results"]["after_the_loop"]["alive"]
    assert "children" in attacked["results"]["fork_bomb"]


def test_nothing_the_submission_started_outlives_grading(attacked):
    mark = attacked["mark"]
    daemon = next(c for c in attacked["nb"].cells if "'daemon'" in c.source)
    assert attacked["results"].get("daemon", {}).get("pid"), daemon.outputs
    left = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if mark.encode() in Path(f"/proc/{entry.name}/cmdline").read_bytes():
                    left.append(entry.name)
            except OSError:
                pass
    assert left == []


def test_cpu_time_is_limited_and_grading_survives_the_dead_kernel(tmp_path, caplog):
    cfg = Config()
    cfg.SandboxKernelManager.cpu_limit_s = 2
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 30:\n    pass"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(burn), nbformat.v4.new_code_cell("print(1)")])
    executor = SandboxedExecute(timeout=120, config=cfg)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}, "nbgrader": {"student": "dan"}})
    # Killed by its CPU limit long before the 30 CPU seconds it wanted, or the cell's 120 s timeout.
    assert time.monotonic() - started < 60
    assert [o.get("ename") for o in nb.cells[0].outputs] == ["DeadKernelError"]
    assert nb.cells[1].outputs == []  # not run: the notebook is still returned, for the judge to grade
    assert any("dan: the kernel stopped" in r.getMessage() for r in caplog.records)


# --- where the sandbox cannot run ------------------------------------------------------------------


def test_required_sandbox_refuses_with_a_clear_message(tmp_path):
    km = SandboxKernelManager(require_sandbox=True, bwrap="no-such-bwrap-here")
    with pytest.raises(SandboxUnavailableError, match=r"grading refused.*bubblewrap \(bwrap\) is not installed"):
        asyncio.run(km.start_kernel(cwd=str(tmp_path)))


def test_missing_sandbox_warns_loudly_and_still_runs(tmp_path, caplog):
    cfg = Config()
    cfg.SandboxKernelManager.bwrap = "no-such-bwrap-here"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    executor = SandboxedExecute(timeout=30, config=cfg)
    with caplog.at_level(logging.WARNING):
        executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert "".join(o.get("text", "") for o in nb.cells[0].outputs).strip() == "42"
    warning = " ".join(r.getMessage() for r in caplog.records)
    assert REPORT_TAG in warning and "SANDBOX OFF" in warning and "solutions/ and the gradebook" in warning


@pytest.mark.nbgrader
def test_batch_report_records_a_missing_sandbox_and_required_sandbox_refuses(tmp_path):
    """Through grader_config.py and the instructor's batch command, as an instructor would meet it."""
    root = copy_course(tmp_path / "course")
    step = commands.generate("01_trust", root)
    assert step.ok, step.log
    folder = root / "submitted" / "cara" / "01_trust"
    folder.mkdir(parents=True)
    (folder / "01_trust.ipynb").write_bytes((root / "exercises" / "01_trust" / "01_trust.ipynb").read_bytes())
    config = root / "grader_config.py"
    shipped = config.read_text(encoding="utf-8")
    config.write_text(shipped + '\nc.SandboxKernelManager.bwrap = "no-such-bwrap-here"\n', encoding="utf-8")
    status = grade_batch("01_trust", ["cara"], root)["cara"]
    assert status.startswith("graded") and "SANDBOX OFF" in status and "solutions/ and the gradebook" in status
    config.write_text(shipped + '\nc.SandboxKernelManager.bwrap = "no-such-bwrap-here"\n'
                      "c.SandboxKernelManager.require_sandbox = True\n", encoding="utf-8")
    status = grade_batch("01_trust", ["cara"], root)["cara"]
    assert status.startswith("not graded") and "grading refused" in status and "require_sandbox" in status, status
