"""MITI summary on a hand-counted session (independent of the analyser's labels)."""

from __future__ import annotations

import pytest

from rapportkit.roleplay.summary import complex_band, rq_band, skill_counts, summarise
from rapportkit.skills import Analysis, Flag


def q(kind: str) -> Analysis:
    return Analysis(utterance="?", behaviour="question", question_type=kind)


def refl(kind: str, flags: tuple[Flag, ...] = ()) -> Analysis:
    return Analysis(utterance=".", behaviour="reflection", reflection_type=kind, flags=flags)


def test_hand_counted_session() -> None:
    # Hand count: 2 open + 1 closed = 3 questions; 2 simple + 3 complex = 5 reflections; 1 silence; 1 input.
    jargon = Flag("jargon", ("ideation",), "", "", False)
    session = [
        q("open"),
        refl("simple"),
        refl("complex"),
        None,
        q("closed"),
        refl("complex", (jargon,)),
        Analysis(utterance="Here is some information.", behaviour="therapist_input"),
        refl("simple"),
        q("open"),
        refl("complex"),
    ]
    s = summarise(session, [30, 35, 40], intake_asked=["hoped_outcome", "how_are_you", "how_are_you"])
    assert s.turns == 10
    assert (s.open_questions, s.closed_questions, s.questions) == (2, 1, 3)
    assert (s.simple_reflections, s.complex_reflections, s.reflections) == (2, 3, 5)
    assert s.rq_ratio == pytest.approx(5 / 3, abs=0.01) and s.rq_band == "fair"  # 1.67:1 is >= 1:1, < 2:1
    assert s.pct_complex == 60.0 and s.complex_band == "good"  # 3/5
    assert s.intake_asked == ("how_are_you", "hoped_outcome")  # course order, no duplicates
    assert len(s.intake_missing) == 4
    assert s.flags == {"jargon": 1}
    assert s.final_rapport == 40 and s.rapport_curve == (30, 35, 40)
    assert s.to_dict()["rapport_curve"] == [30, 35, 40]
    assert skill_counts(s) == {
        "open questions": 2,
        "closed questions": 1,
        "simple reflections": 2,
        "complex reflections": 3,
    }


@pytest.mark.parametrize(
    ("r", "q_", "band"),
    [
        (2, 1, "good"),
        (1, 1, "fair"),
        (3, 4, "below fair"),
        (0, 0, "n/a"),
        (2, 0, "good"),
        (0, 3, "below fair"),
    ],
)
def test_rq_bands(r: int, q_: int, band: str) -> None:
    assert rq_band(r, q_) == band


@pytest.mark.parametrize(("pct", "band"), [(None, "n/a"), (39.9, "below fair"), (40, "fair"), (50, "good")])
def test_complex_bands(pct: float | None, band: str) -> None:
    assert complex_band(pct) == band


def test_empty_session() -> None:
    s = summarise([], [30])
    assert s.rq_ratio is None and s.pct_complex is None and s.rq_text == "no questions or reflections"
