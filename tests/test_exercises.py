"""exercises/ is exactly what nbgrader generates from solutions/, and leaks nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from rapportkit.answers import read_answer_cell
from rapportkit.nbgrader import commands
from tests.conftest import COURSE_FILES, REPO

ASSIGNMENTS = commands.assignments(REPO)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def secret_lines(solution_nb: Path) -> list[str]:
    """Every line inside a solution or hidden-test region of an instructor notebook that holds a secret.

    Lines of call syntax alone (``points=3,``, ``)``) and lines the student sees anyway, outside the
    regions of the same notebook (a client's words repeated in a visible check), are not secrets.
    """
    hidden, visible = [], set()
    for cell in nbformat.read(solution_nb, as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 8:
                hidden.append(line.strip())
            elif not inside:
                visible.add(line.strip())
    # A lone short word of a hidden list ("feedback") names nothing; a phrase or a longer line does.
    return [line for line in hidden if line not in visible and any(q in line for q in "\"'{[")
            and (" " in line or len(line) >= 16)]


def test_every_assignment_is_released():
    assert ASSIGNMENTS, "no assignments under solutions/"
    for name in ASSIGNMENTS:
        assert (REPO / "exercises" / name).is_dir(), f"exercises/{name} missing: run `make generate`"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("regen")
    for name in COURSE_FILES:
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "solutions", root / "solutions")
    for name in ASSIGNMENTS:
        step = commands.generate(name, root)
        assert step.ok, step.log
    return root


@pytest.mark.nbgrader
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_match_what_nbgrader_generates(regenerated: Path, assignment: str):
    ours = REPO / "exercises" / assignment
    fresh = regenerated / "exercises" / assignment
    ours_files = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert ours_files == fresh_files
    for rel in ours_files:
        if rel.suffix == ".ipynb":
            assert json.loads((ours / rel).read_text()) == json.loads((fresh / rel).read_text()), (
                f"exercises/{assignment}/{rel} differs from nbgrader's output: run `make generate`"
            )
        else:
            assert (ours / rel).read_bytes() == (fresh / rel).read_bytes()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_solution_or_hidden_test_reaches_students(assignment: str):
    secrets = [
        line for nb in (REPO / "solutions" / assignment).glob("*.ipynb") for line in secret_lines(nb)
    ]
    assert secrets, "the instructor version should hold solutions and hidden tests"
    for path in (REPO / "exercises").rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for marker in MARKERS:
            assert marker not in text, f"{path}: contains {marker!r}"
        for line in secrets:
            # Notebook JSON escapes quotes; compare against both forms.
            assert line not in text and json.dumps(line)[1:-1] not in text, f"{path}: leaks {line!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_students_answer_in_words_not_python(assignment: str):
    """Every answer cell a student receives holds an empty answer in words (text between quotes) and a comment
    saying how to fill it in: no NotImplementedError, no set or dict to type, nothing but data."""
    for path in (REPO / "exercises" / assignment).glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
        assert cells, f"{path.name}: no answer cells"
        for cell in cells:
            where = f"{path.name} {cell.metadata['nbgrader']['grade_id']}"
            values, problem, _ = read_answer_cell(cell.source)
            assert problem is None and len(values) == 1, f"{where}: {problem or 'not one answer'}"
            assert all(isinstance(v, str) for v in values.values()), f"{where}: the answer is not text"
            assert "NotImplementedError" not in cell.source and "{" not in cell.source, where
            assert cell.source.lstrip().startswith("# "), f"{where}: no line saying how to answer"
