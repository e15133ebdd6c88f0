"""Regrade's prediction against real nbgrader: after a regrade, nothing is left to regrade.

The dry run (:func:`rapportkit.instructor.regrade.why_affected`) predicts, without a kernel, what autograding would
record now. If it disagreed with nbgrader anywhere (a late penalty capped by hand marks and extra credit, a
submission collected again without a time, a notebook not handed in), a regrade would leave the submission
"affected" for ever, and feedback and export would keep asking for one. Each case is set up, regraded for real, and
then predicted again.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from rapportkit.instructor import batch, demo, regrade
from tests.conftest import REPO, copy_course

pytestmark = pytest.mark.nbgrader
A = "01_trust"
SETTINGS = """
c.LateWork.due_dates = {"01_trust": "2026-10-05 17:00"}
c.LateWork.per = "day"
c.LateWork.percent = 25
c.LateWork.cap_percent = 100
c.LateWork.grace_minutes = 0
"""


def hand_in(root: Path, student: str, when: str | None, **answers: str) -> Path:
    folder = root / "submitted" / student / A
    folder.mkdir(parents=True, exist_ok=True)
    filled = demo._solution_sources(REPO / "solutions" / A / f"{A}.ipynb")
    filled.update(answers)
    nbformat.write(demo.fill(root / "exercises" / A / f"{A}.ipynb", filled), folder / f"{A}.ipynb")
    if when:
        (folder / "timestamp.txt").write_text(when, encoding="utf-8")
    return folder


def test_after_a_regrade_nothing_is_left_to_regrade(tmp_path: Path):
    root = copy_course(tmp_path / "course")
    with open(root / "grader_config.py", "a", encoding="utf-8") as fh:
        fh.write(SETTINGS)
    assert regrade.commands.generate(A, root).ok
    blank = {"q1_answer": 'answer_q1 = ""', "q2_answer": 'answer_q2 = ""', "q3_answer": 'answer_q3 = ""',
             "q4_answer": 'answer_q4 = ""'}
    hand_in(root, "late_marked", "2026-10-09 12:00:00", **blank)  # 4 days begun: the whole notebook's points
    hand_in(root, "untimed", "2026-10-06 12:00:00")  # one day begun
    hand_in(root, "on_time", "2026-10-05 12:00:00")
    status = batch.autograde(A, None, 2, root, progress=None)
    assert all(s.startswith("graded") for s in status.values()), status
    assert regrade.why_affected(A, root) == {}  # just graded: nothing to do

    # A penalty capped at a low score, then marks by hand and extra credit raise what it may take.
    before = regrade.recorded(A, root)
    assert before["late_marked"].penalty[A] < 0.25 * 4 * 26
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        reflection = gb.find_grade("q8_reflection", A, A, "late_marked")
        reflection.manual_score, reflection.extra_credit = 4.0, 1.0
        gb.db.commit()
    # Collected again without a time: nbgrader keeps the time it has, so nothing changes for it.
    (root / "submitted" / "untimed" / A / "timestamp.txt").unlink()
    # The notebook taken out of on_time's submission: every point it had is lost.
    (root / "submitted" / "on_time" / A / f"{A}.ipynb").unlink()
    due = regrade.why_affected(A, root)
    assert sorted(due) == ["late_marked", "on_time"], due
    assert any(w.startswith("late penalty") for w in due["late_marked"]), due
    assert all(" → 0" in w for w in due["on_time"]), due

    done = regrade.regrade(A, root, jobs=2)
    assert done.status["late_marked"].startswith("graded"), done.status
    # A submission with no notebook is not graded (and leaves the gradebook), with the reason named.
    assert done.status["on_time"] == f"not graded: {A}.ipynb: not handed in (the submission holds only timestamp.txt)"
    assert done.manual_lost == {} and done.manual_kept == {"late_marked": [f"{A}/q8_reflection"]}
    # The prediction is what nbgrader recorded: nothing left to regrade, and on_time still to be handed in.
    assert regrade.why_affected(A, root) == {"on_time": [regrade.NOT_GRADED_BEFORE]}
    after = regrade.recorded(A, root)
    assert after["late_marked"].grade == 0.0  # late by 4 days at 25% a day: everything, extra credit included
    assert after["untimed"].grade == before["untimed"].grade
