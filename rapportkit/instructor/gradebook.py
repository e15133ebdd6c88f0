"""What the instructor's reports read from nbgrader's gradebook: scores per graded item."""

from __future__ import annotations

import math
import re
from pathlib import Path

from nbgrader.api import Gradebook

from rapportkit.nbgrader.commands import ensure_tools_on_path


def _open(db_url: str) -> Gradebook:
    """Open an existing gradebook; a wrong path must not silently create an empty one."""
    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        raise FileNotFoundError(f"no gradebook at {db_url.removeprefix('sqlite:///')}: autograde first")
    ensure_tools_on_path()
    return Gradebook(db_url)


def item_scores(db_url: str, assignment: str) -> dict[str, list[tuple[str, float | None, float]]]:
    """Scores per graded item: ``{item: [(student, score or None if ungraded, max_score), ...]}``."""
    items: dict[str, list[tuple[str, float | None, float]]] = {}
    with _open(db_url) as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    graded = grade.auto_score is not None or grade.manual_score is not None
                    score = grade.score if graded else None
                    items.setdefault(grade.name, []).append((sub.student_id, score, grade.max_score))
    return dict(sorted(items.items(), key=lambda item: question_order(item[0])))


def question_order(grade_id: str) -> tuple[float, str]:
    """Sort key putting q2_test before q10_test (question number first, then the id)."""
    match = re.match(r"q(\d+)", grade_id)
    return (int(match[1]) if match else math.inf, grade_id)
