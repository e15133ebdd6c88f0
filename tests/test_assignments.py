"""Every assignment is well formed and round-trips through real nbgrader: full marks, zero, in between."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from rapportkit.nbgrader import commands
from tests.conftest import COHORTS, REPO

ASSIGNMENTS = commands.assignments(REPO)


def graded_cells(assignment: str) -> list:
    nb = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_has_varied_autograded_items_and_a_manual_reflection(assignment: str):
    cells = graded_cells(assignment)
    auto = [c for c in cells if c.cell_type == "code"]
    manual = [c for c in cells if c.cell_type == "markdown"]
    assert len(auto) >= 6, f"{assignment}: {len(auto)} autograded"
    assert manual, f"{assignment}: no manually graded reflection"
    kinds = {m.group(1) for c in auto for m in re.finditer(r"grading\.(score_\w+)\(", c.source)}
    assert len(kinds) >= 3, f"{assignment}: only {kinds}"
    assert "score_roleplay" in kinds, f"{assignment}: no graded role-play"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_points_in_test_cells_match_nbgrader_points(assignment: str):
    for cell in graded_cells(assignment):
        if cell.cell_type != "code":
            continue
        gid, points = cell.metadata.nbgrader["grade_id"], cell.metadata.nbgrader["points"]
        calls = re.findall(r"points=([0-9.]+)", cell.source)
        assert calls, f"{assignment}/{gid}: the test cell must return points"
        assert float(calls[-1]) == float(points), f"{assignment}/{gid}: points={calls[-1]} but cell has {points}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_manual_items_carry_a_rubric(assignment: str):
    nb = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "markdown":
            # The question is the markdown cell before it (a code cell may come between: 05 q8 prints figures).
            question = next(c.source for c in reversed(nb.cells[:i]) if c.cell_type == "markdown")
            assert "Rubric" in question and "|" in question, f"{assignment}/{meta['grade_id']}: no rubric table"
            # Anchored criteria, each 0-2: the item's points are the sum of the criteria's maxima.
            criteria = re.findall(r"^\| \*\*[A-Z]\. ", question, flags=re.MULTILINE)
            assert criteria and 2 * len(criteria) == meta["points"], f"{assignment}/{meta['grade_id']}: {criteria}"
            assert f"**Rubric ({meta['points']} points)**" in question, f"{assignment}/{meta['grade_id']}"


def autograded_scores(root: Path, assignment: str, student: str) -> dict[str, tuple[float, float]]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: (g.auto_score, g.max_score) for g in sub.grades if g.cell.cell_type == "code"}


@pytest.mark.nbgrader
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_round_trip_full_zero_and_partial(graded_cohort, assignment: str):
    assert (COHORTS / f"{assignment}.yaml").is_file(), f"no cohort file for {assignment}"
    root, proc = graded_cohort(assignment)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    full = autograded_scores(root, assignment, "demo_complete")
    assert all(s == m for s, m in full.values()), {k: v for k, v in full.items() if v[0] != v[1]}
    blank = autograded_scores(root, assignment, "demo_blank")
    assert all(s == 0 for s, _ in blank.values()), blank
    partial = autograded_scores(root, assignment, "demo_partial")
    got, top = sum(s for s, _ in partial.values()), sum(m for _, m in partial.values())
    assert 0 < got < top
