"""Flags: wording habits worth praising or changing (jargon, judging, sympathy, feelings, names...)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .behaviour import SentenceLabel, content_words, third_party_verdicts
from .feelings import feelings_in, idioms_in
from .lexicon import compile_any, feelings_data, flags_data
from .result import ClientProfile, Flag
from .text import Text, normalise

_PATTERN_KINDS = ("jargon", "judging", "sympathy", "claims_understanding", "minimising", "premature_advice")
_OPEN_START = re.compile(
    r"^(?:(?:ok|so|and|but|well) ,? )*(what|how|tell me|can you tell|could you tell|describe)\b(?! (many|old)\b)"
)
_POSITIVE = frozenset({"happy"})
_THIRD_PERSON = re.compile(r"\b(he|him|his|himself|she|her|hers|herself)\b")
_PRONOUN_SETS = {
    "he": ("he", "him", "his", "himself"),
    "she": ("she", "her", "hers", "herself"),
    "they": ("they", "them", "their", "theirs", "themselves", "themself"),
}
_OTHER_PEOPLE = compile_any(
    r"mum|mom|mother|dad|father|sister|brother|partner|wife|husband|boyfriend|girlfriend|friend|friends|boss|"
    r"manager|colleague|colleagues|son|daughter|kids|children|child|baby|doctor|gp|teacher|ex|grandma|grandad|"
    r"grandmother|grandfather|nan|gran|aunt|uncle|cousin|neighbour|neighbor|flatmate|roommate|housemate|"
    r"therapist|counsellor|counselor|nurse|family|parents|stepdad|stepmum|fiance|fiancee|supervisor|someone|"
    r"people|(a|the|this|that) (man|woman|guy|girl|lady|person)"
)


def _flag(kind: str, found: Iterable[str], good: bool | None = None, **fmt: str) -> Flag:
    spec = flags_data()[kind]
    found = tuple(dict.fromkeys(w for w in found if w))
    is_good = spec.get("good", False) if good is None else good
    if kind == "self_disclosure":
        explanation = spec["explanation_good"] if is_good else spec["explanation_bad"]
    else:
        explanation = spec["explanation"]
    alternative = spec["alternative"]
    for key, value in fmt.items():
        explanation = explanation.replace("{" + key + "}", value)
        alternative = alternative.replace("{" + key + "}", value)
    return Flag(kind, found, explanation, alternative, bool(is_good))


def _matches(regex: re.Pattern[str], t: Text, start: int = 0, end: int | None = None) -> list[str]:
    end = len(t.norm) if end is None else end
    return [t.source(m.start(), m.end()) for m in regex.finditer(t.norm, start, end)]


_VARIANTS = {"judging": ("condescending", "third_party")}  # checked in this order; the first found gives the texts


def pattern_flags(t: Text, client_statement: str | None = None) -> list[Flag]:
    """Flags found by the word patterns of flags.yaml and jargon.txt.

    A flag may have variants with their own explanation and alternative (judging: condescending
    wording, a verdict on a third party); the first variant found explains the flag.
    """
    data = flags_data()
    said = normalise(client_statement).norm if client_statement else ""
    client_words = content_words(said) if client_statement else set()
    out = []
    for kind in _PATTERN_KINDS:
        spans = [(m.start(), m.end()) for m in data[kind]["regex"].finditer(t.norm)]
        if kind == "minimising" and said:
            # the client's own "at least we're still talking", given back, is their comfort, not the trainee's
            spans = [(a, b) for a, b in spans if f" {t.norm[a:b]} " not in f" {said} "]
        texts = None
        for variant in _VARIANTS.get(kind, ()):
            spec = data[kind][variant]
            if variant == "third_party":
                found = [(m.start(), m.end()) for m in third_party_verdicts(t.norm, client_words)]
            else:
                found = [(m.start(), m.end()) for m in spec["regex"].finditer(t.norm)]
            if found and texts is None:
                texts = (spec["explanation"], spec["alternative"])
            spans += found
        if not spans:
            continue
        flag = _flag(kind, [t.source(a, b) for a, b in sorted(spans)])
        if texts:
            flag = Flag(kind, flag.words, texts[0], texts[1], flag.good)
        out.append(flag)
    return out


_SECOND_QUESTION = re.compile(
    r" (?:and|or|, and|, or|and also|also|, also) (?=(?:(?:what|how|why|where|when|who)(?: [a-z]+)? (?:do|does|did|is|"
    r"are|was|were|have|has|had|can|could|would|will|should)|(?:do|did|are|have|is|was|were|can|could|would|will)"
    r" (?:you|it|there|they|he|she))\b)"
)


def question_flags(t: Text, labels: list[SentenceLabel]) -> list[Flag]:
    """Stacked questions and accusing "why" questions."""
    out = []
    questions = [lab for lab in labels if lab.kind == "question"]
    parts = []
    for lab in questions:
        s = lab.sentence
        inner = _SECOND_QUESTION.split(s.text)
        pos = s.start
        for piece in inner:
            i = t.norm.find(piece, pos)
            parts.append((i, i + len(piece)))
            pos = i + len(piece)
    if len(parts) >= 2:
        words = tuple(t.source(a, b) for a, b in parts)
        open_ones = [w.strip().rstrip("?") for w in words if _OPEN_START.match(normalise(w).norm)]
        first = open_ones[0] + "?" if open_ones else "What has that been like for you?"
        out.append(_flag("stacked_questions", words, first=first))
    why = flags_data()["why_question"]["regex"]
    found = []
    for lab in labels:
        if lab.kind == "question" or lab.sentence.end == "?":
            s = lab.sentence
            found += _matches(why, t, s.start, s.start + len(s.text))
    if found:
        out.append(_flag("why_question", found))
    return out


def disclosure_flags(t: Text, labels: list[SentenceLabel]) -> list[Flag]:
    """Self-disclosure, good when the turn comes back to the client at the end."""
    regex = flags_data()["self_disclosure"]["regex"]
    found = [(m.start(), t.source(m.start(), m.end())) for m in regex.finditer(t.norm)]
    if not found:
        return []
    last = labels[-1] if labels else None
    turns_back = (
        last is not None
        and last.kind in ("question", "reflection")
        and last.sentence.start > found[-1][0]
        and re.search(r"\b(you|your|yourself)\b", last.sentence.text) is not None
    )
    return [_flag("self_disclosure", [w for _, w in found], good=turns_back)]


def feeling_flags(t: Text, client_statement: str | None) -> list[Flag]:
    """Whether the reply reflects a feeling the client named, or passes over it."""
    if not client_statement:
        return []
    client = normalise(client_statement)
    theirs = feelings_in(client)
    if not theirs:
        return []
    mine = feelings_in(t, about_client=True)
    shared = [fam for fam in mine if fam in theirs]
    if shared:
        words = [t.source(a, b) for fam in shared for a, b in mine[fam]]
        return [_flag("feeling_reflected", words)]
    if mine or feelings_in(t) or feelings_data()["attends"].search(t.norm):
        return []  # the reply attends to feelings, even if not to the client's own
    theirs = {fam: spans for fam, spans in theirs.items() if fam not in _POSITIVE}
    if not theirs:
        return []  # passing over good news is not "missing a feeling"
    first_family = min(theirs, key=lambda fam: theirs[fam][0][0])
    a, b = theirs[first_family][0]
    feeling_word = client.source(a, b).lower()
    for i_a, i_b, plain, families in idioms_in(client):
        if first_family in families and i_a <= a < i_b:
            feeling_word = plain  # "walking on eggshells" is named in plain words: "on edge"
            break
    return [_flag("feeling_missed", [], feeling=feeling_word)]


def _pronoun_words(pronouns: str) -> set[str]:
    allowed: set[str] = set()
    for part in re.split(r"[/,\s]+", pronouns.lower()):
        allowed.add(part)
        for key, forms in _PRONOUN_SETS.items():
            if part in forms:
                allowed.update(_PRONOUN_SETS[key])
    return allowed


_WORD = re.compile(r"[a-z][a-z'-]*")
_FEMALE = compile_any(
    r"mum|mom|mother|sister|wife|girlfriend|daughter|grandma|grandmother|nan|gran|aunt|niece|stepmum|fiancee|"
    r"woman|girl|lady|she|her|herself|hers"
)
_MALE = compile_any(
    r"dad|father|brother|husband|boyfriend|son|grandad|grandfather|uncle|nephew|stepdad|fiance|man|guy|boy|"
    r"he|him|his|himself"
)
_SENTENCE_SUBJECT = re.compile(r"(?:(?:and|so|but|then|also|now) ,? )*(he|she)\b")
_PREDICATE = re.compile(r"\b(is|was|am|are|were|as|being|become|became) (a|an)( [a-z]+)? $")


def _other_person_mentions(t: Text, client_names: list[str]) -> list[int]:
    """Where the reply mentions a person other than the client: "their manager", "her mum", "Jess"."""
    # "Dee is a nurse": a noun that describes the client is not someone else
    found = [m.start() for m in _OTHER_PEOPLE.finditer(t.norm) if not _PREDICATE.search(t.norm[: m.start()])]
    return sorted(found + _other_names(t, client_names))


def _other_names(t: Text, client_names: list[str]) -> list[int]:
    """Capitalised words inside a sentence that are not the client's names: other people, such as "Jess"."""
    own = {n.strip().lower() for n in client_names if n.strip()}
    found = []
    for m in _WORD.finditer(t.norm):
        word = m.group(0).split("'")[0]
        original = t.source(m.start(), m.end())
        before = t.norm[: m.start()].rstrip(' ,"')
        sentence_start = not before or before[-1] in ".?!:"
        capitalised = original[:1].isupper() and original[1:2].islower()  # "Jess", not "GP" or "I"
        if capitalised and word not in own and not sentence_start:
            found.append(m.start())
    return found


def _wrong_pronouns(
    t: Text, client: ClientProfile, wrong_forms: list[str], client_statement: str | None, context: str | None = None
) -> list[str]:
    """Pronouns of the wrong set that refer to the client (a missed flag is better than a false alarm).

    A pronoun counts when it follows the client's name used as a subject ("Sam says he...", not
    the greeting "Sam, ...") or "my client" and no other person comes in between ("Sam told me
    their manager... when she..." is about the manager); or when it is the subject of the sentence
    right after one whose subject is the client ("John came in because his GP suggested it. She
    seemed reluctant."), unless a person of that gender or another name came in between; or when
    nobody else is mentioned in the reply, the client's statement or the conversation so far (``context``), so
    it can only mean the client.
    """
    regex = compile_any(wrong_forms)
    hits = list(regex.finditer(t.norm))
    if not hits:
        return []
    names = [client.name, *client.avoid_names]
    alternatives = "|".join(re.escape(n.strip().lower()) for n in names if n.strip())
    subject = re.compile(
        rf"(?:^|[.?!,] |\b(?:when|if|because|that|and|but|so|since|as) )(?:{alternatives})(?! ,)(?![\w-])"
        r"|\b(my|the|this|our) (client|patient)\b"
    )
    client_start = re.compile(
        rf"(?:(?:and|so|but|ok|well|now) ,? )*"
        rf"(?:(?:{alternatives})(?! ,)(?![\w-])|(?:my|the|this|our) (?:client|patient)\b)"
    )
    anchors = [m.end() for m in subject.finditer(t.norm)]
    if anchors:
        others = _other_person_mentions(t, names)
        names_at = set(_other_names(t, names))
        starts = [0] + [m.end() for m in re.finditer(r"[.?!] ", t.norm)]
        out = []
        for m in hits:
            client_before = [a for a in anchors if a <= m.start()]
            if not client_before:
                continue
            # the pronoun's nearest preceding person is the client, not "their manager" or "Jess"
            nearest_is_client = not any(max(client_before) <= o < m.start() for o in others)
            # or it opens a sentence right after one whose subject is the client ("Dee is a nurse. He...")
            here = max(i for i in starts if i <= m.start())
            earlier = [i for i in starts if i < here]
            # (centering: a sentence subject continues the last subject), unless someone of that
            # gender came in between ("John came in with his wife. She...")
            gendered = _FEMALE if m.group(0) in _PRONOUN_SETS["she"] else _MALE
            opener = _SENTENCE_SUBJECT.match(t.norm, here)
            subject_after_client = (
                opener is not None
                and opener.end() >= m.end()
                and bool(earlier)
                and client_start.match(t.norm, max(earlier)) is not None
                and not gendered.search(t.norm, max(earlier), m.start())
                and not any(max(earlier) <= o < m.start() for o in names_at)
            )
            if nearest_is_client or subject_after_client:
                out.append(t.source(m.start(), m.end()))
        return out
    before = normalise(" . ".join(x for x in (context, client_statement) if x)).norm
    if _OTHER_PEOPLE.search(t.norm) or _OTHER_PEOPLE.search(before) or _THIRD_PERSON.search(before):
        return []
    return [t.source(m.start(), m.end()) for m in hits]


def client_flags(
    t: Text, client: ClientProfile | None, client_statement: str | None = None, context: str | None = None
) -> list[Flag]:
    """Name and pronoun flags for a known client (``context``: what the client said earlier in the session)."""
    if client is None:
        return []
    out = []
    if client.name.strip():
        regex = compile_any(re.escape(client.name.strip().lower()))
        found = _matches(regex, t)
        if found:
            out.append(_flag("name_used", found, name=client.name))
    avoid = [n for n in client.avoid_names if n.strip() and n.strip().lower() != client.name.strip().lower()]
    if avoid:
        regex = compile_any([re.escape(n.strip().lower()) for n in avoid])
        found = _matches(regex, t)
        if found:
            out.append(_flag("wrong_name", found, name=client.name))
    allowed = _pronoun_words(client.pronouns)
    wrong_forms = sorted({w for key in ("he", "she") for w in _PRONOUN_SETS[key]} - allowed)
    if wrong_forms:
        found = _wrong_pronouns(t, client, wrong_forms, client_statement, context)
        if found:
            out.append(_flag("wrong_pronoun", found, pronouns=client.pronouns))
    return out
