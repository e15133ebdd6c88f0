"""The small immutable results of the skills analyser: Flag, Analysis and ClientProfile."""

from __future__ import annotations

from dataclasses import dataclass

BEHAVIOURS = ("question", "reflection", "therapist_input", "other")
# How much of a reply the analyser reads: the cost of every rule stays bounded however long the text
MAX_ANALYSED_CHARS = 1500
QUESTION_TYPES = ("open", "closed")
REFLECTION_TYPES = ("simple", "complex")
FLAG_KINDS = (
    "jargon",
    "judging",
    "sympathy",
    "claims_understanding",
    "minimising",
    "premature_advice",
    "stacked_questions",
    "why_question",
    "self_disclosure",
    "feeling_reflected",
    "feeling_missed",
    "name_used",
    "wrong_name",
    "wrong_pronoun",
    "harmful",
    "unreadable",
)


@dataclass(frozen=True)
class Flag:
    """Something worth telling the trainee about one utterance.

    ``words`` are the trainee's own words that triggered the flag; ``good`` says whether it is
    praise (True) or something to improve (False).
    """

    kind: str
    words: tuple[str, ...]
    explanation: str
    alternative: str
    good: bool


@dataclass(frozen=True)
class ClientProfile:
    """Who the trainee is talking to: the name they use, their pronouns, and names to avoid."""

    name: str
    pronouns: str = "they/them"
    avoid_names: tuple[str, ...] = ()


_SKILL_NAMES = {
    ("question", "open"): "open question",
    ("question", "closed"): "closed question",
    ("question", None): "question",
    ("reflection", "simple"): "simple reflection",
    ("reflection", "complex"): "complex reflection",
    ("reflection", None): "reflection",
    ("therapist_input", None): "information or advice",
    ("other", None): "affirmation, greeting or small talk",
}


@dataclass(frozen=True)
class Analysis:
    """What the analyser found in one therapist utterance."""

    utterance: str
    behaviour: str
    question_type: str | None = None
    reflection_type: str | None = None
    flags: tuple[Flag, ...] = ()
    truncated: bool = False  # only the first MAX_ANALYSED_CHARS characters were read

    @property
    def skill(self) -> str:
        """Plain-English name of the skill used, e.g. ``"complex reflection"``; harm and unread text are no skill."""
        if self.harmful:
            return "harmful reply"
        if not self.readable:
            return "reply not in English words"
        sub = self.question_type if self.behaviour == "question" else self.reflection_type
        return _SKILL_NAMES.get((self.behaviour, sub), _SKILL_NAMES.get((self.behaviour, None), self.behaviour))

    def has(self, kind: str) -> bool:
        """True when a flag of this kind was raised."""
        return any(f.kind == kind for f in self.flags)

    @property
    def harmful(self) -> bool:
        """True when the reply would harm the client (insult, contempt, dismissal, blame, threat...)."""
        return self.has("harmful")

    @property
    def readable(self) -> bool:
        """False when the reply is not English words (gibberish, another language, only emoji)."""
        return not self.has("unreadable")

    @property
    def problems(self) -> tuple[Flag, ...]:
        """The flags that point to something to improve (``good`` is False)."""
        return tuple(f for f in self.flags if not f.good)

    @property
    def strengths(self) -> tuple[Flag, ...]:
        """The flags that praise something (``good`` is True)."""
        return tuple(f for f in self.flags if f.good)
