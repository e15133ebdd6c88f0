"""``analyse``: one therapist utterance in, an :class:`Analysis` out."""

from __future__ import annotations

from .behaviour import combine, label_sentences, reflection_type
from .flags import client_flags, disclosure_flags, feeling_flags, pattern_flags, question_flags
from .result import Analysis, ClientProfile
from .text import normalise


def analyse(utterance: str, client_statement: str | None = None, client: ClientProfile | None = None) -> Analysis:
    """Analyse what a trainee said to a client.

    ``client_statement`` is what the client said just before (it tells a simple reflection from a
    complex one and whether a feeling was reflected); ``client`` gives the name and pronouns the
    client uses. Deterministic and offline.
    """
    if not isinstance(utterance, str):
        raise TypeError(f"utterance must be a str, not {type(utterance).__name__}")
    t = normalise(utterance)
    names = (client.name, *client.avoid_names) if client else ()
    labels = label_sentences(t, client_statement, names)
    behaviour, qtype = combine(labels)
    rtype = reflection_type(labels, client_statement) if behaviour == "reflection" else None
    flags = (
        pattern_flags(t, client_statement)
        + question_flags(t, labels)
        + disclosure_flags(t, labels)
        + feeling_flags(t, client_statement)
        + client_flags(t, client, client_statement)
    )
    return Analysis(
        utterance=utterance,
        behaviour=behaviour,
        question_type=qtype if behaviour == "question" else None,
        reflection_type=rtype,
        flags=tuple(flags),
    )
