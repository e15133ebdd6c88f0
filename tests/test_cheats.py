"""Real attacks on autograding, graded in ONE real nbgrader batch beside honest students.

The cheats (``tests/data/cheats/01_trust.yaml``) read ``solutions/`` and the gradebook, write the
gradebook and outside the submission, open a network connection, hog memory, fork, loop forever, leave
a process running, bind answers to objects equal to anything, patch ``rapportkit`` and builtins, and edit
grading metadata. After the batch (``rapportkit course``'s ``grade_batch``, the instructor's command):
every student has exactly the points their genuine answers deserve (computed here independently, by
running the instructor's test code on those answers with plain Python), the instructor's files and the
other hand-ins are unchanged, no process is left, nothing reached the network, and the batch report
names each cheat.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import os
import socket
import threading
import uuid
from pathlib import Path

import nbformat
import pytest
import yaml
from nbgrader.api import Gradebook

from rapportkit import grading
from rapportkit.instructor import demo
from rapportkit.instructor.batch import grade_batch
from rapportkit.instructor.cli import build_parser
from rapportkit.nbgrader import commands
from rapportkit.nbgrader.sandbox import sandbox_problem
from tests.conftest import REPO, copy_course

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "01_trust"
NOTEBOOK = "01_trust.ipynb"
CHEATS = yaml.safe_load((REPO / "tests" / "data" / "cheats" / "01_trust.yaml").read_text(encoding="utf-8"))
# Honest first and last, so a cheat that rewrote the gradebook would show on both sides of it.
ORDER = ["honest_complete", "cheat_files", "cheat_kernel", "cheat_limits", "cheat_metadata", "copy_paste",
         "copy_roleplay", "honest_partial"]


# --------------------------------------------------------------------------------------------
# An independent oracle: the instructor's test code, run by Python itself on the genuine answers
# --------------------------------------------------------------------------------------------


def plain_answers(sources: dict[str, str]) -> dict[str, object]:
    """Run genuine answer cells (plain assignments) with Python to get their values."""
    ns: dict[str, object] = {}
    for src in sources.values():
        exec(src, {}, ns)  # our own test data, not student code
    return ns


def expected_points(test_source: str, points: float, answers: dict[str, object], folder: Path) -> float:
    """What nbgrader would record for a test cell run on ``answers``: 0 on error, else the last value."""
    tree = ast.parse(test_source)
    *body, last = tree.body
    ns = {"grading": grading, **answers}
    cwd = os.getcwd()
    os.chdir(folder)  # role-play transcripts are named relative to the notebook
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(ast.Module(body=body, type_ignores=[]), "<test>", "exec"), ns)
            if isinstance(last, ast.Expr):
                value = eval(compile(ast.Expression(last.value), "<test>", "eval"), ns)
            else:
                exec(compile(ast.Module(body=[last], type_ignores=[]), "<test>", "exec"), ns)
                value = None
    except Exception:
        return 0.0
    finally:
        os.chdir(cwd)
    return points if value is None else float(value)


def instructor_tests(root: Path) -> dict[str, tuple[str, float]]:
    """The autograded test cells of the instructor's notebook: {grade_id: (source, points)}."""
    nb = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            out[meta["grade_id"]] = (cell.source, float(meta["points"]))
    return out


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------


class Listener:
    """A TCP server on loopback that records every connection (a cheat must not reach it)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.connections.append(conn.recv(100))
                except OSError:
                    self.connections.append(b"")


def build_submission(root: Path, student: str, spec: dict, fill: dict[str, str]) -> None:
    """Write ``submitted/<student>/01_trust/`` from a spec of the cheats file."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    release = root / "exercises" / ASSIGNMENT / NOTEBOOK
    if spec["answers"] == "solution":
        answers = demo._solution_sources(root / "solutions" / ASSIGNMENT / NOTEBOOK)
    else:
        answers = {k: _fill(v, fill) for k, v in spec["answers"].items()}
    nb = demo.fill(release, answers)
    def cell_of(gid: str) -> nbformat.NotebookNode:
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)

    for gid, src in (spec.get("replace_source") or {}).items():
        cell_of(gid).source = src
    for gid, meta in (spec.get("metadata") or {}).items():
        cell = cell_of(gid)
        if meta is None:
            del cell.metadata["nbgrader"]
        else:
            cell.metadata["nbgrader"].update(meta)
    deleted = set(spec.get("delete") or [])
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in deleted]
    nbformat.write(nb, folder / NOTEBOOK)
    for name, played in (spec.get("transcripts") or {}).items():
        demo.write_transcript(played["scenario"], played["turns"], folder / name)


def _fill(text: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def hashes(root: Path) -> dict[str, str]:
    """Every file of the course but what grading itself writes (autograded/ and the gradebook)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("autograded",) or rel.name.startswith("gradebook.db") or not path.is_file():
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def processes_named(word: str) -> list[int]:
    """PIDs whose command line contains ``word``."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if word.encode() in Path(f"/proc/{entry.name}/cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    if problem := sandbox_problem():
        pytest.fail(f"the grading sandbox cannot run on this machine: {problem} (run scripts/system-deps.sh)")
    root = copy_course(tmp_path_factory.mktemp("cheats") / "course")
    with open(root / "grader_config.py", "a", encoding="utf-8") as fh:
        fh.write("\nc.Execute.timeout = 5  # tests: an endless loop costs 5 s, not 60\n")
    step = commands.generate(ASSIGNMENT, root)
    assert step.ok, step.log
    listener = Listener()
    mark = f"rk-cheat-{uuid.uuid4().hex[:8]}"
    home_target = Path.home() / "rk_cheat_PWNED.txt"
    fill = {"PORT": str(listener.port), "HOME": str(Path.home()), "MARK": mark}
    for student in ORDER:
        build_submission(root, student, CHEATS["students"][student], fill)
    before = hashes(root)
    status = grade_batch(ASSIGNMENT, list(ORDER), root)
    after = hashes(root)
    yield {"root": root, "status": status, "before": before, "after": after, "listener": listener,
           "mark": mark, "home_target": home_target}
    home_target.unlink(missing_ok=True)  # only there if the test failed


def recorded(root: Path, student: str) -> dict[str, tuple[float | None, float]]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook("01_trust", ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.max_score) for g in sub.grades if g.cell.cell_type == "code"}


def expected(root: Path, student: str) -> dict[str, float]:
    spec = CHEATS["students"][student]
    if spec["answers"] == "solution":
        genuine = demo._solution_sources(root / "solutions" / ASSIGNMENT / NOTEBOOK)
    else:
        genuine = spec.get("real", spec["answers"])
    nb = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    code_answers = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                    if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    answers = plain_answers({k: v for k, v in genuine.items() if k in code_answers})
    folder = root / "submitted" / student / ASSIGNMENT
    return {gid: expected_points(src, pts, answers, folder) for gid, (src, pts) in instructor_tests(root).items()}


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("student", ORDER)
def test_each_student_earns_exactly_what_their_genuine_answers_deserve(batch, student):
    root = batch["root"]
    assert batch["status"][student].startswith("graded"), batch["status"][student]
    got = recorded(root, student)
    want = expected(root, student)
    assert set(got) == set(want)
    for gid, points in want.items():
        score, top = got[gid]
        assert score == pytest.approx(points), f"{student} {gid}: {score} of {top}, deserves {points}"
        assert top == instructor_tests(root)[gid][1]


def test_blank_cheaters_score_zero_and_honest_students_full_or_partial(batch):
    root = batch["root"]
    for student in ("cheat_files", "cheat_kernel"):
        assert all(score == 0 for score, _ in recorded(root, student).values()), student
    full = recorded(root, "honest_complete")
    assert all(score == top for score, top in full.values()), full
    partial = recorded(root, "honest_partial")
    assert 0 < sum(s for s, _ in partial.values()) < sum(t for _, t in partial.values())
    assert sum(s for s, _ in recorded(root, "cheat_limits").values()) == 1
    assert sum(s for s, _ in recorded(root, "cheat_metadata").values()) > 1


def test_instructor_files_and_other_hand_ins_are_unchanged(batch):
    assert batch["after"] == batch["before"], sorted(set(batch["after"].items()) ^ set(batch["before"].items()))
    assert not (batch["root"] / "PWNED.txt").exists()
    assert not batch["home_target"].exists()


def test_gradebook_holds_only_the_batch(batch):
    root = batch["root"]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert sorted(s.id for s in gb.students) == sorted(ORDER)
        for student in ORDER:
            for grade in gb.find_submission_notebook("01_trust", ASSIGNMENT, student).grades:
                assert grade.auto_score is None or grade.auto_score <= grade.max_score, (student, grade.name)


def test_nothing_reached_the_network(batch):
    assert batch["listener"].connections == []


def test_no_process_is_left(batch):
    assert processes_named(batch["mark"]) == []
    # No kernel or sandbox of this batch is still running.
    assert processes_named(str(batch["root"] / "autograded")) == []


def test_honest_students_have_a_clean_report(batch):
    for student in ("honest_complete", "honest_partial"):
        assert batch["status"][student] == "graded", batch["status"][student]


# The same role-play from two students: named on both lines (either may have copied), for a person to look at.
COPIED_ROLEPLAY = ("roleplay_john.json: the same inputs from copy_paste, copy_roleplay "
                   "(4 typed replies; the same apart from spacing or capitals)")


@pytest.mark.parametrize(
    ("student", "named"),
    [
        ("cheat_files", ["q1_answer is not plain data", "import json, pathlib",  # reads solutions/
                         "q2_answer is not plain data", "import pathlib",  # reads the gradebook
                         "q3_answer is not plain data", "import sqlite3, pathlib",  # writes the gradebook
                         "q4_answer is not plain data",  # writes outside the submission
                         "removed links or special files", "01_trust.ipynb",  # a symlink trap
                         "q5_answer is not plain data", "import socket",  # network
                         "q6_answer is not plain data", "import subprocess, sys"]),  # a process left behind
        ("cheat_kernel", ["q1_answer is not plain data", "class Anything(str)",  # equal to anything
                          "q2_answer is not plain data", "from rapportkit import grading",  # patched rapportkit
                          "q3_answer is not plain data", "import builtins",  # patched builtins
                          "q4_answer is not plain data",
                          "the kernel's output would have scored"]),  # the patches fooled the kernel
        ("cheat_limits", ["q2_answer is not plain data", "bytearray",  # memory hog
                          "q3_answer is not plain data", "import os, time",  # fork bomb
                          "q4_answer is not plain data", "while True"]),  # endless loop
        ("cheat_metadata", ["grading metadata of q1_test was edited (points: 100",
                            "test cell q3_test was missing", "test cell q4_test was missing",
                            "an added code cell"]),
        ("copy_paste", ["the same written reply was handed in for q4_test, q5_test, q6_test",
                        "feeling really overwhelmed", COPIED_ROLEPLAY]),
        ("copy_roleplay", [COPIED_ROLEPLAY]),
    ],
)
def test_each_cheat_is_named_in_the_batch_report(batch, student, named):
    report = batch["status"][student]
    for words in named:
        assert words in report, f"{student}: {words!r} not in {report!r}"


def test_report_lines_are_per_student(batch):
    # A finding of one student never lands in another's line.
    assert "Anything" not in batch["status"]["cheat_files"]
    assert "sqlite3" not in batch["status"]["cheat_kernel"]



def test_a_shared_role_play_is_named_in_the_class_report_and_nowhere_else(batch, tmp_path, capsys):
    others = [s for s in ORDER if s not in ("copy_paste", "copy_roleplay")]
    assert not any("the same inputs from" in batch["status"][s] for s in others)
    args = build_parser().parse_args(["course", "report", ASSIGNMENT, "--course-dir", str(batch["root"]),
                                      "--out", str(tmp_path)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "Role-play transcripts to look at (handed in alike by several students; a finding, not a penalty):" in out
    assert f"  {COPIED_ROLEPLAY}\n" in out and out.count("the same inputs from") == 1
    # Written replies handed in alike are named the same way: here the solution's words, pasted by several students.
    assert "Written replies to look at (identical or nearly, from several students; a finding, not a penalty):" in out
    shared = [line for line in out.splitlines() if line.startswith("  reply_q6: identical from ")]
    assert len(shared) == 1 and "cheat_metadata" in shared[0], out
