"""The instructor's path with real nbgrader on a real gradebook: collect, autograde, feedback, export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from rapportkit.nbgrader import commands

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "01_trust"


def cell_scores(root: Path, student: str) -> dict[str, tuple[float | None, float]]:
    """Autograded scores per cell: {grade_id: (score, max)} for cells graded by tests."""
    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook("01_trust", ASSIGNMENT, student)
        for grade in sub.grades:
            if grade.cell.cell_type == "code":
                out[grade.name] = (grade.auto_score, grade.max_score)
    return out


def test_demo_command_succeeds(demo_course):
    root, proc = demo_course
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "demo_broken" in proc.stdout


def test_solution_scores_full_marks(demo_course):
    root, _ = demo_course
    scores = cell_scores(root, "demo_complete")
    assert len(scores) >= 5
    for name, (score, top) in scores.items():
        assert score == top, f"{name}: {score} of {top}"


def test_untouched_release_scores_zero_everywhere(demo_course):
    root, _ = demo_course
    scores = cell_scores(root, "demo_blank")
    assert len(scores) >= 5
    assert all(score == 0 for score, _ in scores.values()), scores


def test_partial_answer_scores_strictly_between(demo_course):
    root, _ = demo_course
    total = sum(s for s, _ in cell_scores(root, "demo_partial").values())
    top = sum(m for _, m in cell_scores(root, "demo_partial").values())
    assert 0 < total < top
    # Partial credit within one written reply, not only across items.
    assert any(0 < s < m for s, m in cell_scores(root, "demo_partial").values())


def test_grades_csv_ranks_the_cohort(demo_course):
    root, _ = demo_course
    with open(root / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: float(r["raw_score"] or 0) for r in csv.DictReader(fh)}
    expected = {"demo_complete", "demo_strong", "demo_partial", "demo_weak", "demo_blank", "demo_broken"}
    assert set(rows) == expected
    assert rows["demo_complete"] > rows["demo_partial"] > rows["demo_blank"] == 0
    assert rows["demo_partial"] > rows["demo_weak"] > 0
    assert rows["demo_broken"] == 0


def test_broken_submission_is_named_and_does_not_stop_the_batch(demo_course):
    root, proc = demo_course
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("demo_broken"))
    assert "not graded" in line and "broken JSON at line 1" in line, line
    # Every other student has an autograded notebook.
    for student in ("demo_complete", "demo_strong", "demo_partial", "demo_weak", "demo_blank"):
        assert (root / "autograded" / student / ASSIGNMENT / "01_trust.ipynb").is_file(), student


def test_feedback_exists_and_hides_hidden_tests(demo_course):
    root, _ = demo_course
    for student in ("demo_complete", "demo_partial", "demo_blank"):
        html = (root / "feedback" / student / ASSIGNMENT / "01_trust.html").read_text()
        assert "HIDDEN TESTS" not in html
        assert "score_choice" not in html and "score_labels" not in html
        assert "hidden tests were run here" in html


def test_class_report_figure_written(demo_course):
    root, _ = demo_course
    png = root / "reports" / f"{ASSIGNMENT}_items.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_nbgrader_export_writes_where_it_is_told(demo_course):
    """Nothing in the course's config pins the export file: `nbgrader export --to FILE` writes FILE."""
    root, _ = demo_course
    step = commands.nbgrader("export", "--to", "elsewhere.csv", course_dir=root)
    assert step.ok, step.log
    with open(root / "elsewhere.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["student_id"] for r in rows} >= {"demo_complete", "demo_blank"}
