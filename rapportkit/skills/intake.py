"""Which of the six rapport-building intake questions an utterance asks."""

from __future__ import annotations

from .behaviour import label_sentences, question_syntax, strip_markers
from .lexicon import intake_data
from .text import normalise

INTAKE_IDS = ("how_are_you", "small_talk", "why_here", "previous_therapy", "what_disliked", "hoped_outcome")
# Small talk can be a remark ("Awful weather out there."); the other five must ask.
_REMARK_IDS = frozenset({"small_talk"})


def intake_questions(utterance: str) -> tuple[str, ...]:
    """The intake question ids asked by ``utterance``, in the course's order (may be empty).

    Each clause is matched against ``data/intake.yaml``. A sentence read as a reflection asks
    nothing ("So your last counsellor wrote the whole time."), unless it ends with a question mark
    ("So you've been to counselling before?") or has question grammar without one ("what brings
    you here today"); small talk counts however it is said.
    """
    data = intake_data()
    asked: set[str] = set()
    for lab in label_sentences(normalise(utterance), None):
        for clause in lab.sentence.text.split(" , "):
            body = strip_markers(clause)[0]
            if not body:
                continue
            asks = lab.kind != "reflection" or lab.sentence.end == "?" or question_syntax(body) is not None
            for qid in INTAKE_IDS:
                if qid in asked or not (asks or qid in _REMARK_IDS) or not data[qid].search(body):
                    continue
                unless = data.get(f"{qid}_unless")
                if unless is None or not unless.search(body):
                    asked.add(qid)
    return tuple(qid for qid in INTAKE_IDS if qid in asked)
