"""Feelings named in a text: feeling words by family, and idioms for feelings ("walking on eggshells").

Read by the behaviour analysis (is a reflection complex: does it add a feeling?), by the flags (was the client's
feeling reflected?) and by the keys (the feeling a reply names, against the client's).
"""

from __future__ import annotations

import re

from .lexicon import feelings_data, idioms_data
from .text import Text, sentences

_FEELING_CONTEXT = re.compile(
    r"\b(feel|feels|feeling|felt|am|are|was|were|been|being|getting|seem|seems|sound|sounds|so|really|very|"
    r"pretty|quite|bit|little|too|more|less|kind of|sort of|totally|completely|incredibly|and|or)( a)? $"
)
_NOT_ABOUT_CLIENT = re.compile(
    r"(?:^|[.?!] )(?:(?:ok|so|and|but|well|yeah|oh|no) ,? )*i (?!(can )?(hear|sense|get the sense|wonder|imagine|guess|"
    r"notice|see|am hearing|am wondering|am noticing))(?:(?!\byou)[^.?!])*$"
)
_NEGATED = re.compile(r"\byou are not( being)? $")

def idioms_in(t: Text) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """Idioms and metaphors for feelings in a normalised text ("walking on eggshells", "I'm drowning").

    Each is (start, end, plain feeling, families). A phrase with a literal use listed in
    idioms.yaml ("hit the wall" with "car") does not count in a sentence that has that use.
    """
    out = []
    parts = None  # the sentences, split only when a literal use must be checked
    for regex, unless, plain, families in idioms_data():
        for m in regex.finditer(t.norm):
            if unless is not None:
                parts = parts if parts is not None else sentences(t)
                around = [s for s in parts if s.start <= m.start()]
                if around and unless.search(around[-1].text):
                    continue
            out.append((m.start(), m.end(), plain, families))
    return sorted(out)


def feelings_in(t: Text, about_client: bool = False) -> dict[str, list[tuple[int, int]]]:
    """Feeling families named in a normalised text, with the spans that name them.

    With ``about_client``, feelings the therapist claims for themselves ("I was depressed") and
    negated ones ("don't worry", "you're not stupid") do not count.
    """
    if about_client:
        found = feelings_in(t)
        kept = {}
        for family, spans in found.items():
            ok = [
                (a, b) for a, b in spans
                if not _NOT_ABOUT_CLIENT.search(t.norm[:a]) and not _NEGATED.search(t.norm[:a])
            ]
            if ok:
                kept[family] = ok
        return kept
    out: dict[str, list[tuple[int, int]]] = {}
    for family, (strong, weak) in feelings_data()["families"].items():
        spans = []
        if strong is not None:
            spans += [(m.start(), m.end()) for m in strong.finditer(t.norm)]
        if weak is not None:
            spans += [
                (m.start(), m.end()) for m in weak.finditer(t.norm) if _FEELING_CONTEXT.search(t.norm[: m.start()])
            ]
        if spans:
            out[family] = spans
    for a, b, _plain, families in idioms_in(t):
        for family in families:
            out.setdefault(family, []).append((a, b))
    return {family: sorted(spans) for family, spans in out.items()}
