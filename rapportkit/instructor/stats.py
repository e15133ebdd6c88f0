"""Statistics of a class's grades: item difficulty and discrimination, and each student's share per skill.

Pure functions of the scores :func:`rapportkit.instructor.gradebook.item_scores` reads: nothing here opens a
gradebook or draws a figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemStat:
    """Classical test statistics of one graded item over the students graded on it."""

    item: str
    max_score: float
    students: int
    difficulty: float | None  # mean share of the item's points (0..1): low means hard
    discrimination: float | None  # item-rest correlation: do strong students do better on it?


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def item_stats(items: dict[str, list[tuple[str, float | None, float]]]) -> list[ItemStat]:
    """Difficulty and item-rest discrimination for each item of :func:`rapportkit.instructor.gradebook.item_scores`."""
    totals: dict[str, float] = {}
    for rows in items.values():
        for student, score, _ in rows:
            if score is not None:
                totals[student] = totals.get(student, 0.0) + score
    out = []
    for name, rows in items.items():
        graded = [(s, score, top) for s, score, top in rows if score is not None]
        top = max((t for _, _, t in rows), default=0.0)
        shares = [score / t for _, score, t in graded if t]
        difficulty = sum(shares) / len(shares) if shares else None
        item = [score for _, score, _ in graded]
        rest = [totals[s] - score for s, score, _ in graded]
        out.append(ItemStat(name, top, len(graded), difficulty, _pearson(item, rest)))
    return out


def skill_shares(items: dict[str, list[tuple[str, float | None, float]]],
                 skills: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """``{skill: {student: share 0..1}}``: each student's points on the items covering a skill over their maximum."""
    got: dict[str, dict[str, list[float]]] = {}
    for name, rows in items.items():
        for skill in skills.get(name, []):
            for student, score, top in rows:
                if score is not None and top:
                    acc = got.setdefault(skill, {}).setdefault(student, [0.0, 0.0])
                    acc[0] += score
                    acc[1] += top
    return {k: {s: a / b for s, (a, b) in v.items()} for k, v in sorted(got.items())}
