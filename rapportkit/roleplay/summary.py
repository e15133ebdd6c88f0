"""MITI-style session summary: counts of questions and reflections, ratios against MITI 4.2.1 bands.

Counts come only from ``rapportkit.skills.analyse`` results, so the summary the student sees and the
grade the autograder gives agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rapportkit.skills import INTAKE_IDS

INTAKE_LABELS: dict[str, str] = {
    "how_are_you": "How are you today?",
    "small_talk": "Small talk (e.g. do you live nearby?)",
    "why_here": "Why are you here?",
    "previous_therapy": "Have you been to therapy before, and how did it feel?",
    "what_disliked": "What didn't you like about it?",
    "hoped_outcome": "How do you hope to see yourself at the end?",
}

# MITI 4.2.1 thresholds: reflection-to-question ratio 1:1 fair, 2:1 good;
# complex reflections 40% of reflections fair, 50% good.
RQ_FAIR, RQ_GOOD = 1.0, 2.0
COMPLEX_FAIR, COMPLEX_GOOD = 40.0, 50.0
# The bands as people read them, beside a student's own figures.
RQ_BANDS = f"MITI 4.2.1: {RQ_FAIR:g}:1 fair, {RQ_GOOD:g}:1 good"
COMPLEX_BANDS = f"MITI 4.2.1: {COMPLEX_FAIR:g}% fair, {COMPLEX_GOOD:g}% good"


def rq_band(reflections: int, questions: int) -> str:
    """MITI band for the reflection-to-question ratio: "good", "fair", "below fair" or "n/a"."""
    if questions == 0:
        # Any reflections with no questions beat every ratio; nothing at all cannot be rated.
        return "good" if reflections > 0 else "n/a"
    ratio = reflections / questions
    if ratio >= RQ_GOOD:
        return "good"
    return "fair" if ratio >= RQ_FAIR else "below fair"


def complex_band(pct_complex: float | None) -> str:
    """MITI band for the percentage of complex reflections."""
    if pct_complex is None:
        return "n/a"
    if pct_complex >= COMPLEX_GOOD:
        return "good"
    return "fair" if pct_complex >= COMPLEX_FAIR else "below fair"


@dataclass(frozen=True)
class SessionSummary:
    """What ``RolePlay.summary()`` returns; ``to_dict()`` is what transcripts store."""

    turns: int
    open_questions: int
    closed_questions: int
    questions: int
    simple_reflections: int
    complex_reflections: int
    reflections: int
    rq_ratio: float | None
    rq_band: str
    pct_complex: float | None
    complex_band: str
    rapport_curve: tuple[int, ...]
    final_rapport: int
    intake_asked: tuple[str, ...]
    intake_missing: tuple[str, ...]
    flags: dict[str, int] = field(default_factory=dict)
    ending: str | None = None
    outcome: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        d = asdict(self)
        for key, value in d.items():
            if isinstance(value, tuple):
                d[key] = list(value)
        return d

    @property
    def rq_text(self) -> str:
        """The ratio as people say it, e.g. "2.0 : 1"."""
        if self.rq_ratio is None:
            return "no questions asked" if self.reflections else "no questions or reflections"
        return f"{self.rq_ratio:.1f} : 1"


def summarise(
    analyses: Iterable[Any],
    rapport_curve: Sequence[int],
    intake_asked: Iterable[str] = (),
    ending: str | None = None,
    outcome: str | None = None,
) -> SessionSummary:
    """Build the summary from analyser results (``None`` entries, e.g. silences, are skipped)."""
    counts: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    n = 0
    for a in analyses:
        n += 1
        if a is None:
            continue
        if a.behaviour == "question":
            counts["questions"] += 1
            if a.question_type in ("open", "closed"):
                counts[a.question_type] += 1
        elif a.behaviour == "reflection":
            counts["reflections"] += 1
            if a.reflection_type in ("simple", "complex"):
                counts[a.reflection_type] += 1
        for flag in a.flags:
            flags[flag.kind] += 1
    q, r = counts["questions"], counts["reflections"]
    rq = round(r / q, 2) if q else None
    pct = round(100.0 * counts["complex"] / r, 1) if r else None
    asked = tuple(i for i in INTAKE_IDS if i in set(intake_asked))
    curve = tuple(int(x) for x in rapport_curve)
    return SessionSummary(
        turns=n,
        open_questions=counts["open"],
        closed_questions=counts["closed"],
        questions=q,
        simple_reflections=counts["simple"],
        complex_reflections=counts["complex"],
        reflections=r,
        rq_ratio=rq,
        rq_band=rq_band(r, q),
        pct_complex=pct,
        complex_band=complex_band(pct),
        rapport_curve=curve,
        final_rapport=curve[-1] if curve else 0,
        intake_asked=asked,
        intake_missing=tuple(i for i in INTAKE_IDS if i not in asked),
        flags=dict(sorted(flags.items())),
        ending=ending,
        outcome=outcome,
    )


def skill_counts(summary: SessionSummary | Mapping[str, Any]) -> dict[str, int]:
    """The four MITI counts, ready for ``plots.skill_profile``."""
    d = summary.to_dict() if isinstance(summary, SessionSummary) else summary
    return {
        "open questions": int(d["open_questions"]),
        "closed questions": int(d["closed_questions"]),
        "simple reflections": int(d["simple_reflections"]),
        "complex reflections": int(d["complex_reflections"]),
    }
