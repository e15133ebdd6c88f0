"""Replies the analyser must name rather than praise: harm done to the client, and text it cannot read.

Harm is what the trainee does *to* the client: insults, contempt, dismissal, blame, swearing at
them, harmful advice and threats, a loss minimised, a label thrown at them, shame, and pressure to
please the trainee, found by the patterns of ``data/harm.yaml``. Negative words alone
are not harm: "It sounds like you feel worthless" reflects a feeling, and "You're afraid people
will think you're stupid" gives back a fear, so a match does not count when someone else is said to
think, feel, say or call it, when it is negated, or when it is quoted; but not when the trainee asserts
what others think ("They probably think you're a weirdo" is the trainee's verdict).

A reply is unreadable when fewer than half of its words are English (gibberish, another language)
or when it has no words at all (only emoji, punctuation or digits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from .behaviour import STOPWORDS, content_words
from .lexicon import harm_data
from .result import Flag
from .text import Text, normalise


@cache
def _analyser() -> Any:
    # imported and built on first use: the package must import fast, and most replies never need it
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def valence(text: str) -> float:
    """VADER's compound score of ``text``, from -1 (very negative) to 1 (very positive)."""
    return float(_analyser().polarity_scores(text)["compound"])


@cache
def _lemmas() -> Callable[[str], dict[str, tuple[str, ...]]]:
    # imported on first use: loading lemminflect's tables takes about 0.3 s
    from lemminflect import getAllLemmas

    return getAllLemmas


@lru_cache(maxsize=1 << 16)  # bounded: a long-running hub sees any number of made-up words
def _is_lemma(word: str) -> bool:
    """True when lemminflect knows ``word`` (its look-up deep-copies a dict, so the answer is kept)."""
    return bool(_lemmas()(word))


@dataclass(frozen=True)
class Harm:
    """One harmful wording: where it is in the normalised reply, its kind (a group of harm.yaml), its words."""

    start: int
    end: int
    kind: str
    words: str


def _sentence_start(norm: str, at: int) -> int:
    """Where the sentence holding ``at`` starts in a normalised text."""
    cut = max(norm.rfind(mark, 0, at) for mark in (" . ", " ? ", " ! "))
    return 0 if cut < 0 else cut + 3


def _sentence_after_next(norm: str, at: int) -> int:
    """Where the sentence after the one holding ``at`` ends in a normalised text."""
    end = at
    for _ in range(2):
        found = [i for i in (norm.find(mark, end) for mark in (" . ", " ? ", " ! ")) if i >= 0]
        if not found:
            return len(norm)
        end = min(found) + 2
    return end


_CONTINUES = re.compile(r"^\s*(?:like|as if|as though|that|and that|and like)\b")


def _guarded(t: Text, start: int, end: int) -> bool:
    """True when the match ``[start, end)`` is someone else's words, negated, or quoted (see harm.yaml)."""
    guards = harm_data()["guards"]
    begin = _sentence_start(t.norm, start)
    clauses = guards["clause"].split(t.norm[begin:start])
    clause = clauses[-1]
    # "They probably think you're a weirdo" is the trainee's own verdict put in others' mouths
    if guards["reported"].search(guards["asserted"].sub(" ", clause)) or guards["negated"].search(clause):
        return True
    # A clause that only goes on with a thought ("You feel like a burden, like everyone would be better off
    # without you") is reported by the clause before it.
    if len(clauses) > 1 and _CONTINUES.match(clause) and guards["reported"].search(clauses[-2]):
        return True
    if guards["reported_after"].search(t.norm[end : _sentence_after_next(t.norm, end)]):
        return True
    if start >= len(t.starts):
        return False
    original = t.original[t.starts[begin] if begin < len(t.starts) else 0 : t.starts[start]]
    return guards["quote"].search(original) is not None


def _pattern_harms(t: Text, client_statement: str | None) -> list[Harm]:
    out = []
    client_words: set[str] | None = None  # normalised only when an echo must be checked
    for kind, spec in harm_data()["groups"].items():
        for regex, options in spec["patterns"]:
            for m in regex.finditer(t.norm):
                if _guarded(t, m.start(), m.end()):
                    continue
                if options.get("echo") and client_statement:
                    # the client's own words given back ("Useless?" after "I feel useless") are theirs
                    if client_words is None:
                        client_words = content_words(normalise(client_statement).norm)
                    if client_words >= (content_words(m.group(0)) or {""}):
                        continue
                out.append(Harm(m.start(), m.end(), kind, t.source(m.start(), m.end())))
    return out


_NEGATION = re.compile(r"\b(not|never|no|nothing|hardly)\b")


def _sentiment_harms(t: Text) -> list[Harm]:
    """Negative sentences that label the client with a harm word (``sentiment`` in harm.yaml)."""
    spec = harm_data()["sentiment"]
    out = []
    for m in spec["aimed"].finditer(t.norm):
        if _NEGATION.search(m.group(0)) or _guarded(t, m.start(), m.end()):
            continue
        begin = _sentence_start(t.norm, m.start())
        stop = min(
            (i for i in (t.norm.find(mark, m.end()) for mark in (" . ", " ? ", " ! ")) if i >= 0), default=len(t.norm)
        )
        if valence(t.norm[begin:stop]) <= spec["threshold"]:
            out.append(Harm(m.start(), m.end(), spec["group"], t.source(m.start(), m.end())))
    return out


def _laughter_harms(t: Text, client_statement: str | None) -> list[Harm]:
    """A reply that is only laughter mocks the client, unless the client was joking."""
    spec = harm_data()["laughter"]
    if not spec["reply"].match(t.norm):
        return []
    if client_statement:
        client = normalise(client_statement).norm
        if spec["client_joking"].search(client) or valence(client_statement) >= spec["client_positive"]:
            return []
    return [Harm(0, len(t.norm), spec["group"], t.original.strip())]


def find_harm(t: Text, client_statement: str | None = None) -> list[Harm]:
    """Every harmful wording in a normalised reply, in order; overlapping finds keep the first."""
    found = sorted(
        _pattern_harms(t, client_statement) + _sentiment_harms(t) + _laughter_harms(t, client_statement),
        key=lambda h: (h.start, -h.end),
    )
    out: list[Harm] = []
    for h in found:
        if not out or h.start >= out[-1].end:
            out.append(h)
    return out


def harm_flag(t: Text, client_statement: str | None = None) -> Flag | None:
    """The "harmful" flag of a normalised reply, explained by its first harm's kind; None if harmless."""
    harms = find_harm(t, client_statement)
    if not harms:
        return None
    spec = harm_data()["groups"][harms[0].kind]
    return Flag(
        "harmful",
        tuple(dict.fromkeys(h.words for h in harms if h.words)),
        spec["explanation"],
        spec["alternative"],
        False,
    )


# --- readability ---------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NOT_BLANK = re.compile(r"\S")
_ACRONYM = 5  # letters of the longest all-capitals word taken as a name or acronym ("MIT", "NHS")
_RUNS = re.compile(r"(.)\1{2,}")


def _plain(word: str) -> str:
    """Lower case, without accents ("Inès" -> "ines"), with a typographic apostrophe made plain."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _vocabulary() -> frozenset[str]:
    """Words known to be English besides lemminflect's: the analyser's stopwords and harm.yaml's list."""
    spec = harm_data()["readable"]
    return frozenset(STOPWORDS | spec["words"])


def _known(word: str) -> bool:
    """True when ``word`` (plain lower case) is English."""
    if not word.isascii():
        return False
    if len(word) == 1:
        return word in ("a", "i")
    if word in _vocabulary() or _is_lemma(word):
        return True
    if harm_data()["readable"]["interjection"].match(word):
        return True
    if "'" in word:
        base = word[:-3] if word.endswith("n't") else word.split("'")[0]
        return _known({"ca": "can", "wo": "will", "sha": "shall"}.get(base, base))
    if "-" in word:
        parts = [p for p in word.split("-") if p]
        # each part is a word, or a stutter cut short ("wh-what", "I-I")
        return bool(parts) and all(
            _known(p) or (i + 1 < len(parts) and parts[i + 1].startswith(p)) for i, p in enumerate(parts)
        )
    for repl in (r"\1", r"\1\1"):  # drawn-out words: "sooo", "saaad", "riiight" (but not "aaaa" -> "a")
        shorter = _RUNS.sub(repl, word)
        if shorter == word or len(shorter) < 2:
            continue
        if shorter in _vocabulary() or (len(shorter) > 2 and _is_lemma(shorter)):
            return True
    expanded = normalise(word).norm.split()  # spoken forms the analyser expands: "okay", "mhm"
    return expanded != [word] and bool(expanded) and all(w in _vocabulary() or _is_lemma(w) for w in expanded)


def english_share(text: str, names: Iterable[str] = ()) -> float | None:
    """Share of the words of ``text`` that are English, or None when it has no words at all.

    Names do not count either way: the client's ``names``, the names listed in harm.yaml, and a
    capitalised word that is not English ("Kwame", "MIT"), unless harm.yaml lists it as a common
    word of another language.
    """
    spec = harm_data()["readable"]
    known_names = spec["names"] | {_plain(n) for n in names}
    foreign = spec["foreign"]
    counted = known = named = 0
    for m in _WORD.finditer(text):
        word = _plain(m.group(0))
        if word in known_names:
            named += 1
            continue
        if _known(word):
            known += 1
            counted += 1
            continue
        raw = m.group(0)
        # a capitalised word that is not English is taken as a name ("Barbara Roberts?", "MIT."),
        # unless it is a common word of another language ("Gracias.")
        capitalised = raw[:1].isupper() and (raw[1:].islower() or (raw.isupper() and len(raw) <= _ACRONYM))
        if capitalised and word not in foreign:
            named += 1
            continue
        counted += 1
    if counted == 0:
        return 1.0 if named else None
    return known / counted


def readable(text: str, names: Iterable[str] = ()) -> bool:
    """True when ``text`` reads as English words, or is empty; False for gibberish, other languages,
    and text without words (only emoji, punctuation or digits)."""
    share = english_share(text, names)
    if share is None:
        return _NOT_BLANK.search(text) is None
    return share >= harm_data()["readable"]["min_share"]


def unreadable_flag() -> Flag:
    """The "unreadable" flag: the analyser cannot say which skill a reply is."""
    spec = harm_data()["flags"]["unreadable"]
    return Flag("unreadable", (), spec["explanation"], spec["alternative"], False)
