"""``coach_feedback``: a few plain sentences for the trainee about one analysed utterance."""

from __future__ import annotations

from .result import MAX_ANALYSED_CHARS, Analysis, Flag

_WHAT_IT_DOES = {
    "open question": "it invites the client to tell their story in their own words",
    "closed question": "it asks for a short answer, useful for checking a fact, but it does not open up the story",
    "simple reflection": "it gives the client's words back so they know you heard them",
    "complex reflection": "it gives back what the client said and adds the meaning or feeling underneath",
    "information or advice": "it gives the client information, a suggestion or your own view",
    "affirmation, greeting or small talk": "it keeps the conversation warm without asking or reflecting",
    "question": "it asks the client something",
    "reflection": "it gives the client's words back to them",
}

_NEXT_STEP = {
    "closed question": "To hear more, try an open version, e.g. 'What has that been like for you?'",
    "simple reflection": "To go deeper, add the feeling or meaning you sense, e.g. 'It sounds like that left you "
    "feeling ...'",
    "information or advice": "Before giving information, ask permission and ask what they already know.",
    "affirmation, greeting or small talk": "Follow it with an open question or a reflection to keep them talking.",
}

_PRAISE = {
    "feeling_reflected": "You named their feeling, which shows you were listening",
    "name_used": "Using the name they asked for shows respect",
    "self_disclosure": "You shared a little and then turned the focus back to them",
}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "'")) else text + "."


# How each skill reads after "That was ...": uncountable or listed skills need their own wording
# ("That was information or advice", not "That was an information or advice").
_AS_NAMED = {
    "information or advice": "information or advice",
    "affirmation, greeting or small talk": "an affirmation, a greeting or small talk",
}


def skill_phrase(skill: str) -> str:
    """The skill as it reads after "That was": "an open question", "information or advice"."""
    if skill in _AS_NAMED:
        return _AS_NAMED[skill]
    return f"{'an' if skill[:1] in 'aeiou' else 'a'} {skill}"


_TRUNCATED = f"Only the first {MAX_ANALYSED_CHARS:,} characters were read."


def _quote(flag: Flag) -> str:
    return f" ('{flag.words[0]}')" if flag.words and len(flag.words[0]) <= 60 else ""


def _named_not_praised(flag: Flag) -> list[str]:
    """Feedback on a harmful or unreadable reply: what is wrong and what to do instead, no skill, no praise."""
    if flag.kind == "unreadable":
        return [_sentence(flag.explanation), _sentence(flag.alternative)]
    return [
        "That reply would harm the client, so it is not a counselling skill.",
        _sentence(flag.explanation.rstrip(".") + _quote(flag)),
        _sentence(f"Try instead: {flag.alternative}"),
    ]


def coach_feedback(analysis: Analysis) -> str:
    """1–4 short sentences: the skill used, what worked, and one concrete improvement.

    A harmful reply is named as harm with a better alternative, and an unreadable one is said to
    be unreadable; neither is praised. A note follows when only the first part was read.
    """
    out = _feedback(analysis)
    if analysis.truncated:
        out.append(_TRUNCATED)
    return " ".join(out)


def _feedback(analysis: Analysis) -> list[str]:
    # harm and unreadable text are named before anything else, so neither can ever be praised
    flagged = [f for f in analysis.flags if f.kind in ("harmful", "unreadable")]
    if flagged:
        return _named_not_praised(flagged[0])
    skill = analysis.skill
    problems = analysis.problems
    if problems:
        # what the skill does at its best is not what this one did: say the skill, then what it cost
        first = f"That was {skill_phrase(skill)}, and its wording costs rapport."
    else:
        first = f"That was {skill_phrase(skill)}: {_WHAT_IT_DOES.get(skill, 'it moves the conversation on')}."
    out = [first]
    praise = [_PRAISE[f.kind] for f in analysis.strengths if f.kind in _PRAISE]
    if praise:
        out.append(_sentence(praise[0]))
    elif skill in ("open question", "complex reflection") and not analysis.problems:
        out.append("Well done: this is one of the most useful skills for building rapport.")
    if problems:
        p = problems[0]
        out.append(_sentence(p.explanation.rstrip(".") + _quote(p)))
        out.append(_sentence(f"Try instead: {p.alternative}"))
    elif skill in _NEXT_STEP:
        out.append(_sentence(_NEXT_STEP[skill]))
    return out[:4]
