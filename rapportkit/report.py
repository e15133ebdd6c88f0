"""Class reports for instructors, read from nbgrader's gradebook."""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # reports are files; never open a window
import matplotlib.pyplot as plt  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from rapportkit.course import ensure_tools_on_path  # noqa: E402


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


def plot_item_distribution(db_url: str, assignment: str, out: Path | str) -> Path:
    """Save a PNG of the score distribution per item (as a share of its points), one dot per student."""
    items = item_scores(db_url, assignment)
    if not items:
        raise ValueError(f"no graded submissions for assignment {assignment!r} in {db_url}")
    names = list(items)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(names) + 2), 4.2))
    for i, name in enumerate(names):
        shares = [100 * s / m for _, s, m in items[name] if s is not None and m]
        if shares:
            ax.boxplot(shares, positions=[i], widths=0.5, showfliers=False)
            jitter = [i + 0.12 * ((k % 5) - 2) / 2 for k in range(len(shares))]
            ax.scatter(jitter, shares, s=18, alpha=0.7)
        else:
            ax.text(i, 50, "to grade\nby hand", ha="center", va="center", fontsize=8, color="grey")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("score (% of the item's points)")
    ax.set_title(f"{assignment}: score per item ({len(next(iter(items.values())))} students)")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
