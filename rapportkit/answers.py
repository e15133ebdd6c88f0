"""Read a student's answers from a notebook as plain data, without running any of their code."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat


def literal_assignments(source: str) -> dict[str, Any]:
    """``name = <literal>`` statements in ``source``; anything that is not plain data is left out."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
    return found


def notebook_answers(path: Path | str) -> dict[str, Any]:
    """Every plain-data answer in the notebook's nbgrader answer cells, by variable name."""
    nb = nbformat.read(str(path), as_version=4)
    answers: dict[str, Any] = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            answers.update(literal_assignments(cell.source))
    return answers
