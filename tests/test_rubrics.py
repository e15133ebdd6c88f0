"""A tutor marks with the criteria the student was shown: each tutor-marked item's question cell prints, word for
word, the student-facing criteria of the instructor guide (docs/teaching/rubrics.md), and every such item has them."""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.conftest import REPO

GUIDE = REPO / "docs" / "teaching" / "rubrics.md"
HEADING = re.compile(r"^## (\d\d) · Question (\d+) \(", re.MULTILINE)


def guide_blocks() -> dict[tuple[str, str], str]:
    """``{(assignment number, question): student-facing criteria}`` from the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    heads = list(HEADING.finditer(text))
    blocks = {}
    for head, nxt in zip(heads, [*heads[1:], None], strict=True):
        section = text[head.end(): nxt.start() if nxt else len(text)]
        _, found, rest = section.partition("#### Student-facing criteria")
        if found:
            blocks[(head[1], head[2])] = re.split(r"\n---\n|\n## ", rest)[0].strip()
    return blocks


def manual_items() -> list[tuple[str, str, str]]:
    """``(assignment number, question, question cell source)`` of every tutor-marked item in solutions/."""
    items = []
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
        for gid, cell in cells.items():
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
                question = re.match(r"q(\d+)_", gid)[1]
                items.append((path.parent.name[:2], question, cells[f"q{question}_text"].source))
    return items


ITEMS = manual_items()


def test_every_tutor_marked_item_has_criteria_in_the_guide():
    assert ITEMS and {(a, q) for a, q, _ in ITEMS} == set(guide_blocks())


@pytest.mark.parametrize(("assignment", "question", "source"), ITEMS, ids=[f"{a}-q{q}" for a, q, _ in ITEMS])
def test_the_question_cell_prints_the_guide_s_criteria(assignment: str, question: str, source: str):
    block = guide_blocks()[(assignment, question)]
    assert block in source, f"{assignment} q{question}: the question cell's criteria differ from the guide's"
    assert "| criterion | 0 | 1 | 2 |" in block
