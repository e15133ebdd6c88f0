"""What a trainee asks and does when a client's words suggest a risk of suicide.

>>> reading = read_risk("When you say that, are you having thoughts of ending your life?")
>>> reading.asked
('suicide',)
>>> read_risk("I'm not going to ask about suicide, let's move on.").asked
()

A topic counts as *asked* only in a sentence put as a question that is not refused, leading or mocking (or in a
question that points back to it: "Some people feel like that. Has anything like that crossed your mind?"):
"Do you sometimes wish you were dead?" asks; "I want to keep you safe." does not; "You're not thinking of
doing anything silly, are you?" leads the client to say no. The patterns live in ``data/risk.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .lexicon import _yaml, compile_any
from .result import Flag
from .text import Text, normalise, sentences

# Topics a mocking tone turns into harm: a sneer at a question about suicide, self-harm or safety.
GRAVE_TOPICS = ("suicide", "self_harm", "safety")

# Acts that help the client: a turn that does one of them is heard, like a skill.
GOOD_ACTS = ("supervisor", "staying")


@dataclass(frozen=True)
class RiskReading:
    """The risk topics a reply asks about, and what it does (secrecy, leaving, staying...)."""

    asked: tuple[str, ...] = ()
    acts: tuple[str, ...] = ()

    @property
    def said(self) -> tuple[str, ...]:
        """Topics asked and acts done, in that order: the names a scenario's ``risk`` rules match."""
        return self.asked + self.acts

    def __bool__(self) -> bool:
        return bool(self.asked or self.acts)


@cache
def risk_data() -> dict[str, Any]:
    """risk.yaml with shorthands filled in and every pattern compiled."""
    raw = _yaml("risk.yaml")
    fills = raw["shorthands"]

    def fill(pattern: str) -> str:
        for key, value in fills.items():
            pattern = pattern.replace(key, value)
        return pattern

    def compiled(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
        out = {}
        for name, spec in section.items():
            entry = {**spec, "regex": compile_any([fill(p) for p in spec["patterns"]])}
            if "unless" in spec:
                entry["unless"] = re.compile(fill(spec["unless"]))
            if "euphemism" in spec:
                entry["euphemism"] = compile_any(fill(spec["euphemism"]))
            out[name] = entry
        return out

    return {
        "question_start": re.compile(raw["question_start"]),
        "asking": compile_any(fill(raw["asking"])),
        "refers_back": compile_any(fill(raw["refers_back"])),
        "topics": compiled(raw["topics"]),
        "acts": compiled(raw["acts"]),
        "notes": raw["notes"],
    }


def risk_names() -> tuple[str, ...]:
    """Every name a reading can hold: the topics, then the acts (what scenario rules may match on)."""
    data = risk_data()
    return (*data["topics"], *data["acts"])


def risk_label(name: str) -> str:
    """Plain words for a topic or act ("thoughts of suicide", "promising secrecy")."""
    data = risk_data()
    return (data["topics"].get(name) or data["acts"][name])["label"]


def mocking_flag(words: str) -> Flag:
    """The harm flag of a mocking question about suicide."""
    spec = risk_data()["acts"]["mocking"]
    return Flag("harmful", (words,), spec["explanation"], spec["alternative"], good=False)


def risk_note(kind: str, **fill: str) -> str:
    """The coach's line on why a risk path did not end well (``notes`` of risk.yaml), filled in."""
    return str(risk_data()["notes"][kind]).format(**fill)


def read_risk(utterance: str | Text) -> RiskReading:
    """The risk topics ``utterance`` asks about and the acts it does. Deterministic and offline."""
    data = risk_data()
    t = utterance if isinstance(utterance, Text) else normalise(utterance)
    whole = t.norm
    topics_anywhere = [name for name, spec in data["topics"].items() if spec["regex"].search(whole)]
    acts: list[str] = []
    for name, spec in data["acts"].items():
        if name in ("leading", "mocking"):
            continue  # read per sentence below, and only where a risk is the subject
        if spec["regex"].search(whole) and not ("unless" in spec and spec["unless"].search(whole)):
            acts.append(name)
    if set(topics_anywhere) & set(GRAVE_TOPICS) and data["acts"]["mocking"]["regex"].search(whole):
        # a question about suicide asked with contempt asks nothing: it tells the client not to answer
        return RiskReading((), ("mocking", *acts))
    asked: list[str] = []
    named: list[str] = []  # grave topics named in statements so far: a question may point back to them
    for sentence in sentences(t):
        here = [name for name, spec in data["topics"].items() if spec["regex"].search(sentence.text)]
        is_question = (
            sentence.end == "?"
            or bool(data["question_start"].search(sentence.text))
            or bool(data["asking"].search(sentence.text))
        )
        if not is_question:
            named.extend(name for name in here if name in GRAVE_TOPICS and name not in named)
            continue
        if not here and named and data["refers_back"].search(sentence.text):
            here = list(named)
        leading = data["acts"]["leading"]
        if leading["euphemism"].search(sentence.text) or (here and leading["regex"].search(sentence.text)):
            acts.append("leading")
            continue
        if not here:
            continue
        if data["acts"]["avoids"]["regex"].search(sentence.text):
            continue  # "I'm not going to ask about suicide": announcing you won't ask is not asking
        asked.extend(name for name in here if name not in asked)
    return RiskReading(tuple(asked), tuple(dict.fromkeys(acts)))
