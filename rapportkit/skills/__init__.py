"""The skills analyser: names the counselling skill in a trainee's words, with kind, specific feedback.

>>> a = analyse("So you're feeling let down?", client_statement="My last therapist never listened.")
>>> a.behaviour, a.skill
('reflection', 'complex reflection')

Deterministic and offline: word lists and patterns live in ``rapportkit/skills/data``.
"""

from .analyser import analyse
from .feedback import coach_feedback
from .intake import INTAKE_IDS, intake_questions
from .result import (
    BEHAVIOURS,
    FLAG_KINDS,
    MAX_ANALYSED_CHARS,
    QUESTION_TYPES,
    REFLECTION_TYPES,
    Analysis,
    ClientProfile,
    Flag,
)

__all__ = [
    "analyse",
    "Analysis",
    "Flag",
    "ClientProfile",
    "coach_feedback",
    "intake_questions",
    "INTAKE_IDS",
    "BEHAVIOURS",
    "QUESTION_TYPES",
    "REFLECTION_TYPES",
    "FLAG_KINDS",
    "MAX_ANALYSED_CHARS",
]
