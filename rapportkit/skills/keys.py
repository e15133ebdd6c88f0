"""What a reply to one client must catch, and what a given reply caught.

A written-reply item carries, as plain data, what a good reply must catch of *this* client:

* ``content``: the client's situation, strand by strand, each strand named in the client's terms
  ("John almost didn't come") with the phrases a student may use for it ("nearly didn't come",
  "coming here", "asking for help" ...);
* ``feeling``: the feeling families of ``feelings.yaml`` that fit what the client feels, those that are
  close (partial credit) and those that contradict it, and the feeling said in plain words;
* ``opens`` (questions): what the question should open up, strand by strand, like ``content``.

Phrases match on lemmas (lemminflect), so "worried" catches "worry" and "mates" catches "mate", and a
phrase's words may have one other word between them ("didn't really come"). Deterministic and offline.

A phrase written with a leading ``~`` is a *topic* ("~claire", "~your mates"): it shows what a reply is about,
not that the reply says what the client said about it. "So your mates already know" is about the mates and says
something John never said. A strand reached only through a topic phrase is caught when the reply also names a
feeling that fits or is near theirs, or catches another strand through a phrase of its own; otherwise it stays
in ``Caught.topics`` (about it, not yet heard).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from lemminflect import getAllLemmas

from .behaviour import STOPWORDS
from .feelings import feelings_in
from .lexicon import feelings_data
from .text import normalise, sentences, words

# A feeling word the reply denies or only wishes for is not a feeling it names ("you haven't felt good in
# weeks", "you keep waiting to feel better", "you want to be happy again").
_NOT_NAMED = re.compile(
    r"\b(?:not|never|no|nothing|without|hardly|barely)(?: [a-z']+){0,2} $"
    r"|\b(?:want|wants|wanted|wanting|hope|hopes|hoping|hoped|wish|wishes|wishing|waiting|try|trying|longing|"
    r"able|used)(?: to)?(?: [a-z']+){0,2} $"
)

# A reply at least this much the client's own words given back is an echo (see :func:`repetition`).
ECHO_AT = 0.8

# Words that may stand between two words of a key phrase ("didn't really come" for "didn't come").
MAX_GAP = 1
FEELING_LEVELS = ("fits", "adjacent", "contradicts")
TOPIC = "~"  # marks a topic phrase in a strand (see the module docstring)


class KeysError(ValueError):
    """Keys of an item that cannot be used (an authoring error): names the field that is wrong."""


@cache
def lemmas(word: str) -> frozenset[str]:
    """The word and every lemma lemminflect knows for it, in any part of speech."""
    found = {word}
    for forms in getAllLemmas(word).values():
        found.update(f.lower() for f in forms)
    return frozenset(found)


def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(words(normalise(phrase).norm))


@dataclass(frozen=True)
class Strand:
    """One thing the client said (or one thing a question should open up), and ways of saying it."""

    label: str
    phrases: tuple[tuple[str, ...], ...]  # each phrase as normalised word tokens
    topics: tuple[tuple[str, ...], ...] = ()  # phrases written "~...": what it is about, not what was said of it

    def caught_by(self, tokens: list[frozenset[str]]) -> bool:
        return any(_phrase_at(tokens, phrase) for phrase in self.phrases)

    def touched_by(self, tokens: list[frozenset[str]]) -> bool:
        """Whether the reply names this strand's topic (see the module docstring), whatever it says of it."""
        return any(_phrase_at(tokens, phrase) for phrase in self.topics)


def _phrase_at(tokens: list[frozenset[str]], phrase: tuple[str, ...]) -> bool:
    """Whether the phrase's words occur in order, each at most MAX_GAP words after the one before."""
    want = [lemmas(w) for w in phrase]
    if not want:
        return False
    for start, token in enumerate(tokens):
        if not token & want[0]:
            continue
        pos, ok = start, True
        for need in want[1:]:
            nxt = next((j for j in range(pos + 1, min(pos + 2 + MAX_GAP, len(tokens))) if tokens[j] & need), None)
            if nxt is None:
                ok = False
                break
            pos = nxt
        if ok:
            return True
    return False


@dataclass(frozen=True)
class ClientKeys:
    """What a good reply to one client statement must catch (see the module docstring)."""

    content: tuple[Strand, ...] = ()
    fits: tuple[str, ...] = ()
    adjacent: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()
    feeling_said: str = ""
    opens: tuple[Strand, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.content or self.fits or self.opens)

    @classmethod
    def from_data(
        cls,
        content: Mapping[str, Iterable[str]] | None = None,
        feeling: Mapping[str, object] | None = None,
        opens: Mapping[str, Iterable[str]] | None = None,
    ) -> ClientKeys:
        """Keys from the plain data of a test cell; :class:`KeysError` names any field that is wrong."""
        families = set(feelings_data()["families"])
        fields: dict[str, tuple[str, ...]] = {level: () for level in FEELING_LEVELS}
        said = ""
        if feeling is not None:
            if not isinstance(feeling, Mapping):
                raise KeysError(f"feeling should be a dict with {', '.join(FEELING_LEVELS)} and 'say'")
            unknown_fields = set(feeling) - {*FEELING_LEVELS, "say"}
            if unknown_fields:
                raise KeysError(f"feeling: unknown field(s) {sorted(unknown_fields)}; "
                                f"use {', '.join(FEELING_LEVELS)} and 'say'")
            for level in FEELING_LEVELS:
                value = feeling.get(level, ())
                names = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
                unknown = [n for n in names if n not in families]
                if unknown:
                    raise KeysError(f"feeling[{level!r}]: unknown feeling famil{'y' if len(unknown) == 1 else 'ies'} "
                                    f"{unknown}; known (skills/data/feelings.yaml): {', '.join(sorted(families))}")
                fields[level] = names
            said = feeling.get("say", "")
            if not isinstance(said, str) or (fields["fits"] and not said.strip()):
                raise KeysError("feeling['say']: the client's feeling in plain words, e.g. 'worn out and alone'")
            clash = set(fields["fits"]) & set(fields["contradicts"])
            if clash:
                raise KeysError(f"feeling: {sorted(clash)} cannot both fit and contradict")
        return cls(
            content=_strands("content", content),
            fits=fields["fits"],
            adjacent=fields["adjacent"],
            contradicts=fields["contradicts"],
            feeling_said=said.strip(),
            opens=_strands("opens", opens),
        )


def _strands(field: str, data: Mapping[str, Iterable[str]] | None) -> tuple[Strand, ...]:
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise KeysError(f"{field} should be a dict: {{'what the client said, in their terms': ['phrase', ...]}}")
    out = []
    for label, phrases in data.items():
        if not isinstance(label, str) or not label.strip():
            raise KeysError(f"{field}: every strand needs a label in the client's terms")
        if isinstance(phrases, str) or not all(isinstance(p, str) for p in phrases):
            raise KeysError(f"{field}[{label!r}]: a list of phrases between quotes")
        tokens = tuple(t for t in (_phrase_tokens(p) for p in phrases if not p.lstrip().startswith(TOPIC)) if t)
        topics = tuple(t for t in (_phrase_tokens(p.lstrip()[1:]) for p in phrases if p.lstrip().startswith(TOPIC))
                       if t)
        if not tokens and not topics:
            raise KeysError(f"{field}[{label!r}]: no phrase with words in it")
        out.append(Strand(label.strip(), tokens, topics))
    return tuple(out)


@dataclass(frozen=True)
class Caught:
    """What a reply caught of one client's keys."""

    content: tuple[str, ...]  # labels of the strands caught
    content_missed: tuple[str, ...]
    opens: tuple[str, ...]
    opens_missed: tuple[str, ...]
    feeling: str  # "fits", "adjacent", "contradicts" or "none"
    feeling_words: tuple[str, ...]  # the reply's own words for the feeling
    other_feelings: tuple[str, ...]  # families the reply names that the keys do not list at any level
    repetition: float  # how much the reply echoes the client's words (see :func:`repetition`)
    echo: bool = False  # the reply is the client's words handed back, adding nothing (see :func:`is_echo`)
    topics: tuple[str, ...] = ()  # strands the reply is about only through a topic phrase, left uncaught


def catch_keys(reply: str, keys: ClientKeys, client_statement: str | None = None) -> Caught:
    """Match a reply against an item's keys: content strands, the feeling's family, what a question opens."""
    t = normalise(reply)
    tokens = [lemmas(w) for w in words(t.norm)]
    content = [s.label for s in keys.content if s.caught_by(tokens)]
    touched = [s.label for s in keys.content if s.label not in content and s.touched_by(tokens)]
    opens = [s.label for s in keys.opens if s.caught_by(tokens) or s.touched_by(tokens)]
    named = {
        family: kept
        for family, spans in feelings_in(t, about_client=True).items()
        if (kept := [(a, b) for a, b in spans if not _NOT_NAMED.search(t.norm[:a])])
    }
    level, found = "none", []
    for candidate in FEELING_LEVELS:
        fams = [f for f in getattr(keys, candidate) if f in named]
        if fams:
            level = candidate
            found = [t.source(a, b) for f in fams for a, b in named[f]]
            break
    listed = {*keys.fits, *keys.adjacent, *keys.contradicts}
    topics: list[str] = []
    if touched:
        # A topic alone says what the reply is about, not that it says what the client said of it ("your mates
        # already know"); with their feeling, or another strand in its own words, it is their story told back.
        if content or level in ("fits", "adjacent"):
            content = [s.label for s in keys.content if s.label in content or s.label in touched]
        else:
            topics = touched
    return Caught(
        other_feelings=tuple(f for f in named if f not in listed),
        content=tuple(content),
        content_missed=tuple(s.label for s in keys.content if s.label not in content),
        opens=tuple(opens),
        opens_missed=tuple(s.label for s in keys.opens if s.label not in opens),
        feeling=level,
        feeling_words=tuple(dict.fromkeys(w.lower() for w in found)),
        repetition=repetition(reply, client_statement) if client_statement else 0.0,
        echo=is_echo(reply, client_statement) if client_statement else False,
        topics=tuple(topics),
    )


def _content_lemmas(text: str) -> list[frozenset[str]]:
    return [lemmas(w) for w in words(normalise(text).norm) if w not in STOPWORDS and len(w) > 2]


def shared_content_words(reply: str, client_statement: str) -> int:
    """How many different content words of the client's statement the reply takes up (by lemma)."""
    used: set[str] = set().union(*_content_lemmas(reply)) if reply.strip() else set()
    return len({min(w) for w in _content_lemmas(client_statement) if w & used})


# Words any listener could say to any client: a reply made only of these (and stop words) says nothing of this
# client's own, however it is phrased ("Tell me more.", "That must be hard.", "Okay, good. How are you feeling?").
STOCK_WORDS = frozenset(
    """tell more hard difficult tough good great okay fine nice see hear understand sure thank thanks share sharing
    shared talk happen happening anything else say continue carry""".split()
)


def stock(reply: str) -> bool:
    """Whether the reply has no content word beyond :data:`STOCK_WORDS`: words that would fit any client."""
    return all(w & STOCK_WORDS for w in _content_lemmas(reply))


# Words in a row shared with the client that make a run of their words given back verbatim.
VERBATIM_RUN = 3


def verbatim(reply: str, client_statement: str) -> float:
    """Share of the reply's words that stand in runs of VERBATIM_RUN or more of the client's words, in order.

    "I feel so stupid." given back to "... I feel so stupid." is 1.0 (parroting); "You feel stupid for crying
    in the car" is low: a simple reflection says the client's words back as the therapist's, not as theirs.
    """
    mine = words(normalise(reply).norm)
    theirs = words(normalise(client_statement).norm)
    if not mine or len(theirs) < VERBATIM_RUN:
        return 0.0
    grams = {tuple(theirs[i : i + VERBATIM_RUN]) for i in range(len(theirs) - VERBATIM_RUN + 1)}
    covered = [False] * len(mine)
    for i in range(len(mine) - VERBATIM_RUN + 1):
        if tuple(mine[i : i + VERBATIM_RUN]) in grams:
            covered[i : i + VERBATIM_RUN] = [True] * VERBATIM_RUN
    return sum(covered) / len(mine)


ECHO_SPAN = 3  # an echo may hand back up to this many of the client's sentences in a row


def echo_share(reply: str, client_statement: str) -> float:
    """:func:`repetition` of the reply against the part of the client's line it gives back best (one to
    ECHO_SPAN sentences in a row): "Your night was terrible, and you barely sleep these days." echoes two
    sentences of a longer line, pronouns turned round, and adds nothing of the student's own."""
    parts = [s.text for s in sentences(normalise(client_statement))]
    best = 0.0
    for i in range(len(parts)):
        for j in range(i + 1, min(i + ECHO_SPAN, len(parts)) + 1):
            best = max(best, repetition(reply, " . ".join(parts[i:j])))
    return best


# Share of a reply's words in verbatim runs of the client's words that makes a reply made only of their content
# words an echo, even when it leaves out an aside of theirs ("since you ask").
ECHO_VERBATIM = 0.5


def is_echo(reply: str, client_statement: str) -> bool:
    """Whether the reply is the client's words handed back: most of one to ECHO_SPAN sentences of theirs (see
    :func:`echo_share`), or every content word theirs and half of its words their runs of words ("You're not coping
    as well as everyone thinks you are." to "...and I'm not coping as well as everyone thinks I am.")."""
    given_back = verbatim(reply, client_statement)
    if given_back >= ECHO_AT:
        return True
    if "?" in reply:
        return False  # a question about their own words ("What do you mean by perform?") asks for more of them
    if echo_share(reply, client_statement) >= ECHO_AT:
        return True
    mine = _content_lemmas(reply)
    said: set[str] = set().union(*_content_lemmas(client_statement)) if client_statement.strip() else set()
    return bool(mine) and all(w & said for w in mine) and given_back >= ECHO_VERBATIM


def repetition(reply: str, client_statement: str) -> float:
    """How much the reply is the client's words given back: 1.0 for an echo, 0.0 for all new words.

    The smaller of two shares: the reply's content words that the client said, and the client's content
    words that the reply says again. A short reflection that reuses one of their words is not an echo.
    """
    mine = _content_lemmas(reply)
    theirs = _content_lemmas(client_statement)
    if not mine or not theirs:
        return 0.0
    said: set[str] = set().union(*theirs)
    used: set[str] = set().union(*mine)
    from_them = sum(1 for w in mine if w & said) / len(mine)
    again = sum(1 for w in theirs if w & used) / len(theirs)
    return min(from_them, again)


__all__ = [
    "ClientKeys", "Caught", "KeysError", "Strand", "catch_keys", "echo_share", "is_echo", "lemmas", "repetition",
    "shared_content_words", "stock", "ECHO_AT", "ECHO_SPAN", "ECHO_VERBATIM", "MAX_GAP", "STOCK_WORDS", "TOPIC",
    "VERBATIM_RUN", "verbatim",
]
