"""``analyse``: one therapist utterance in, an :class:`Analysis` out."""

from __future__ import annotations

from .behaviour import combine, label_sentences, reflection_type
from .flags import client_flags, disclosure_flags, feeling_flags, pattern_flags, question_flags
from .harm import harm_flag, readable, unreadable_flag
from .result import MAX_ANALYSED_CHARS, Analysis, ClientProfile
from .risk import mocking_flag, read_risk
from .text import normalise


def head(text: str, limit: int = MAX_ANALYSED_CHARS) -> tuple[str, bool]:
    """The first ``limit`` characters of ``text``, cut at a word boundary, and whether anything was cut."""
    if len(text) <= limit:
        return text, False
    cut = limit
    while cut > 0 and not (text[cut - 1].isspace() or text[cut].isspace()):
        cut -= 1
    return (text[:cut] if cut > 0 else text[:limit]).rstrip(), True


def analyse(
    utterance: str,
    client_statement: str | None = None,
    client: ClientProfile | None = None,
    context: str | None = None,
) -> Analysis:
    """Analyse what a trainee said to a client.

    ``client_statement`` is what the client said just before (it tells a simple reflection from a
    complex one and whether a feeling was reflected); ``client`` gives the name and pronouns the
    client uses; ``context`` is what the client said earlier (a "her" may mean the wife they spoke
    of). Only the first :data:`MAX_ANALYSED_CHARS` characters of each are read (``truncated`` says
    so for the utterance). A harmful or unreadable reply is "other", with that
    flag first and no praise. Deterministic and offline.
    """
    if not isinstance(utterance, str):
        raise TypeError(f"utterance must be a str, not {type(utterance).__name__}")
    text, truncated = head(utterance)
    if client_statement is not None:
        client_statement = head(client_statement)[0]
    t = normalise(text)
    names = (client.name, *client.avoid_names) if client else ()
    harm = harm_flag(t, client_statement)
    if harm is None and "mocking" in read_risk(t).acts:
        harm = mocking_flag(text.strip())
    if harm is None and not readable(text, names):
        # nothing in words we cannot read can be judged, so the reply gets only this flag
        return Analysis(utterance=utterance, behaviour="other", flags=(unreadable_flag(),), truncated=truncated)
    labels = label_sentences(t, client_statement, names)
    behaviour, qtype = combine(labels)
    rtype = reflection_type(labels, client_statement) if behaviour == "reflection" else None
    flags = (
        pattern_flags(t, client_statement)
        + question_flags(t, labels)
        + disclosure_flags(t, labels)
        + feeling_flags(t, client_statement)
        + client_flags(t, client, client_statement, head(context)[0] if context else None)
    )
    if harm is not None:
        # harm is named first and never praised; what else is wrong with the wording still shows
        return Analysis(
            utterance=utterance,
            behaviour="other",
            flags=(harm, *(f for f in flags if not f.good)),
            truncated=truncated,
        )
    return Analysis(
        utterance=utterance,
        behaviour=behaviour,
        question_type=qtype if behaviour == "question" else None,
        reflection_type=rtype,
        flags=tuple(flags),
        truncated=truncated,
    )
