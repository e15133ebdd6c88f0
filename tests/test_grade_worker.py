"""The long-lived grading process behind ``rapportkit course autograde`` (``rapportkit.nbgrader.worker``).

It runs nbgrader's own autograde app for one student after another; its gradebook must equal what
``nbgrader autograde`` itself writes, and a worker that dies must cost only the student it was grading.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from nbgrader.api import Gradebook

from rapportkit.instructor import demo
from rapportkit.instructor.batch import grade_batch
from rapportkit.nbgrader import commands, worker
from tests.conftest import COHORTS, copy_course

ASSIGNMENT = "01_trust"


class DyingWorker(worker.Worker):
    """A worker whose process reads one request, says something on stderr and exits with code 3."""

    def command(self) -> list[str]:
        code = "import sys; sys.stdin.readline(); print('MemoryError: out of memory', file=sys.stderr); sys.exit(3)"
        return [sys.executable, "-c", code]


@pytest.mark.tools
def test_a_worker_that_dies_costs_only_its_student_and_the_next_call_starts_a_new_one(tmp_path: Path):
    grader = DyingWorker(ASSIGNMENT, tmp_path)
    try:
        first = grader(ASSIGNMENT, "ana", tmp_path)
        assert first == ("not graded: the grading process stopped (exit code 3) while grading ana: "
                         "MemoryError: out of memory")
        second = grader(ASSIGNMENT, "ben", tmp_path)
        assert second.startswith("not graded: the grading process stopped (exit code 3) while grading ben")
    finally:
        grader.close()


class GarblingWorker(worker.Worker):
    """A worker whose process answers with something that is not the protocol's JSON."""

    def command(self) -> list[str]:
        code = ("import sys, time; sys.stdin.readline(); print('Welcome to a chatty library!', flush=True); "
                "time.sleep(60)")
        return [sys.executable, "-c", code]


@pytest.mark.tools
def test_an_unreadable_answer_costs_only_its_student_and_the_worker_is_replaced(tmp_path: Path):
    grader = GarblingWorker(ASSIGNMENT, tmp_path)
    try:
        status = grader(ASSIGNMENT, "ana", tmp_path)
        assert status.startswith("not graded: the grading process gave an unreadable answer while grading ana")
        assert "Welcome to a chatty library!" in status and grader.proc is None  # killed, not left running
    finally:
        grader.close()


@pytest.mark.nbgrader
def test_nothing_but_answers_reaches_the_protocol_even_when_grading_code_prints(tmp_path: Path):
    """A real worker: prints on stdout between and during gradings never reach the answers channel."""
    code = ("import sys\n"
            "sys.argv = ['rapportkit.nbgrader.worker', '01_trust']\n"
            "import rapportkit.nbgrader.worker as w\n"
            "def chatty(*a, **k):\n"
            "    print('chatty library output'); sys.stdout.flush()\n"
            "    return 'graded'\n"
            "w.grade_student = chatty\n"
            "sys.exit(w.main())\n")
    proc = subprocess.run([sys.executable, "-c", code], input='{"student": "ana"}\n{"student": "ben"}\n',
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ['{"student": "ana", "status": "graded"}',
                                        '{"student": "ben", "status": "graded"}']
    assert proc.stderr.count("chatty library output") == 2


def test_a_worker_grades_only_its_own_assignment_and_course(tmp_path: Path):
    grader = worker.Worker(ASSIGNMENT, tmp_path)
    with pytest.raises(ValueError, match="this worker grades 01_trust"):
        grader("02_empathy", "ana", tmp_path)
    assert grader.proc is None  # nothing was started for a request it refuses


@pytest.mark.tools
def test_the_worker_command_says_how_to_call_it():
    proc = subprocess.run([sys.executable, "-m", "rapportkit.nbgrader.worker"], capture_output=True, text=True)
    assert proc.returncode == 2 and "usage: python -m rapportkit.nbgrader.worker ASSIGNMENT" in proc.stderr


def scores(db: Path) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    with Gradebook(f"sqlite:///{db}") as gb:
        return {(sub.student_id, g.name): (g.auto_score, g.manual_score)
                for sub in gb.assignment_submissions(ASSIGNMENT) for nb in sub.notebooks for g in nb.grades}


def collected_course(root: Path, students: list[str]) -> Path:
    """A course copy with the Trust assignment generated and ``students`` of the test cohort collected."""
    copy_course(root)
    cohort = yaml.safe_load((COHORTS / f"{ASSIGNMENT}.yaml").read_text(encoding="utf-8"))
    cohort["students"] = {s: cohort["students"][s] for s in students}
    subset = root / "cohort.yaml"
    subset.write_text(yaml.safe_dump(cohort, sort_keys=False), encoding="utf-8")
    for step in (commands.generate(ASSIGNMENT, root),):
        assert step.ok, step.log
    demo.build_submissions(subset, root)
    step = commands.zip_collect(ASSIGNMENT, root)
    assert step.ok, step.log
    return root


@pytest.mark.nbgrader
def test_one_worker_grades_exactly_like_nbgrader_autograde(tmp_path: Path):
    students = ["demo_complete", "demo_weak", "demo_broken"]
    ours = collected_course(tmp_path / "ours", students)
    theirs = collected_course(tmp_path / "theirs", students)
    status = grade_batch(ASSIGNMENT, students, ours)
    nbgrader = commands.autograde(ASSIGNMENT, None, theirs)  # nbgrader's own loop over every student
    assert not nbgrader.ok  # the broken notebook fails nbgrader's run, after it graded the others

    assert status["demo_complete"] == "graded", status
    assert status["demo_weak"].startswith("graded"), status
    assert status["demo_broken"].startswith("not graded: 01_trust.ipynb: not a notebook (broken JSON"), status
    got, want = scores(ours / "gradebook.db"), scores(theirs / "gradebook.db")
    graded = {"demo_complete", "demo_weak"}
    assert {s for s, _ in got} == graded  # the broken one was taken out of the gradebook
    assert got == {k: v for k, v in want.items() if k[0] in graded}
    total = {s: sum(auto or 0 for (who, _), (auto, _) in got.items() if who == s) for s in graded}
    assert total["demo_complete"] > total["demo_weak"]
