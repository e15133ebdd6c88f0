"""Which of the six rapport-building intake questions an utterance asks."""

from __future__ import annotations

from .lexicon import intake_data
from .text import normalise

INTAKE_IDS = ("how_are_you", "small_talk", "why_here", "previous_therapy", "what_disliked", "hoped_outcome")


def intake_questions(utterance: str) -> tuple[str, ...]:
    """The intake question ids asked by ``utterance``, in the course's order (may be empty)."""
    norm = normalise(utterance).norm
    data = intake_data()
    return tuple(qid for qid in INTAKE_IDS if data[qid].search(norm))
