"""Every lesson runs top to bottom in a real kernel; every notebook is committed without outputs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

LESSONS = sorted((REPO / "course").glob("*.ipynb"))
ALL_NOTEBOOKS = sorted(
    p for d in ("course", "solutions", "exercises") for p in (REPO / d).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


def test_there_are_lessons():
    assert LESSONS


@pytest.mark.kernel
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_executes(path: Path, tmp_path: Path):
    # Run in a scratch copy: whatever a lesson writes (transcripts, figures) stays out of the repo.
    work = tmp_path / path.name
    shutil.copy2(path, work)
    nb = nbformat.read(work, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    stderr = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{path.name} writes to stderr (warnings?): {stderr}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO)))
def test_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} cell {i} has outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


CITATION = re.compile(r"^\* .+\((?:19|20)\d{2}\)", re.MULTILINE)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_ends_with_its_references(path: Path):
    """A lecturer checks a claim against its source: every lesson ends with what it cites (author, year)."""
    nb = nbformat.read(path, as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## References"), f"{path.name}: no references"
    assert len(CITATION.findall(last.source)) >= 2, f"{path.name}: its references cite fewer than two works"


HEAVY_THEMES = ("suicid", "eating disorder", "grief", "grieving", "bereave", "misgender")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_with_heavy_themes_opens_with_a_content_note(path: Path):
    """Students meet suicide, eating disorders, grief or misgendering only after a note saying where to get support."""
    nb = nbformat.read(path, as_version=4)
    text = " ".join(c.source.lower() for c in nb.cells[2:])
    if sum(text.count(theme) for theme in HEAVY_THEMES) < 2:
        return  # a word in passing ("dread, grief or mixed feelings") is not a lesson about it
    note = nb.cells[1].source
    assert note.startswith("> **Content note.**"), f"{path.name}: heavy themes without a content note after the title"
    assert "emergency number" in note and "tutor" in note
