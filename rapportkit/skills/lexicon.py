"""Loads the analyser's word lists and patterns from ``skills/data`` (once, on first use)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")


def bounded(pattern: str) -> str:
    """Wrap a pattern so it only matches whole words."""
    return rf"(?<![\w-])(?:{pattern.strip()})(?![\w-])"


def compile_any(patterns: list[str] | str) -> re.Pattern[str]:
    """One compiled regular expression matching any of ``patterns`` as whole words."""
    if isinstance(patterns, str):
        patterns = [patterns]
    return re.compile("|".join(bounded(p) for p in patterns))


def _yaml(name: str) -> Any:
    import yaml  # imported here so that importing the package stays fast

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(DATA / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader


def _lines(name: str) -> list[str]:
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@cache
def flags_data() -> dict[str, Any]:
    """flags.yaml, with every ``patterns`` list compiled into ``regex``."""
    data = _yaml("flags.yaml")
    for spec in data.values():
        if "patterns" in spec:
            spec["regex"] = compile_any(spec["patterns"])
        for sub in spec.values():  # variants of a flag with their own texts (judging: condescending)
            if isinstance(sub, dict) and "patterns" in sub:
                sub["regex"] = compile_any(sub["patterns"])
    data["jargon"]["regex"] = compile_any(_lines("jargon.txt"))
    # the texts of the harmful and unreadable flags live with their patterns in harm.yaml; they are
    # added here so that every flag kind has its texts in this one mapping
    data.update(harm_data()["flags"])
    return data


@cache
def behaviour_data() -> dict[str, re.Pattern[str]]:
    """behaviour.yaml, every entry compiled."""
    raw = _yaml("behaviour.yaml")
    return {key: compile_any(value) for key, value in raw.items()}


@cache
def feelings_data() -> dict[str, Any]:
    """feelings.yaml: one compiled pattern per family, the weak words, and the 'attends' patterns."""
    raw = _yaml("feelings.yaml")
    weak = set(raw.get("weak", []))
    families = {}
    for family, entries in raw["families"].items():
        strong = [e for e in entries if e not in weak]
        weak_here = [e for e in entries if e in weak]
        families[family] = (compile_any(strong) if strong else None, compile_any(weak_here) if weak_here else None)
    return {"families": families, "attends": compile_any(raw["attends_to_feeling"])}


_IDIOM_SHORTHANDS = {
    "{my}": "(?:my|your|his|her|their|our|the)",
    "{me}": "(?:me|you|him|her|them|us|myself|yourself)",
}


def _expand_idiom(phrase: str) -> str:
    for key, value in _IDIOM_SHORTHANDS.items():
        phrase = phrase.replace(key, value)
    return phrase


@cache
def idioms_data() -> list[tuple[re.Pattern[str], re.Pattern[str] | None, str, tuple[str, ...]]]:
    """idioms.yaml: (pattern, literal-use pattern or None, plain feeling, families) per group or phrase.

    The phrases of a group without an ``unless`` share one compiled pattern; a phrase with an
    ``unless`` gets its own, so its literal uses can be excluded sentence by sentence.
    """
    out = []
    for group in _yaml("idioms.yaml")["groups"]:
        plain, families = group["plain"], tuple(group["families"])
        simple = [_expand_idiom(p) for p in group["phrases"] if isinstance(p, str)]
        if simple:
            out.append((compile_any(simple), None, plain, families))
        for p in group["phrases"]:
            if isinstance(p, dict):
                out.append((compile_any(_expand_idiom(p["phrase"])), re.compile(p["unless"]), plain, families))
    return out


@cache
def intake_data() -> dict[str, re.Pattern[str]]:
    """intake.yaml: one compiled pattern per intake question id."""
    return {key: compile_any(value) for key, value in _yaml("intake.yaml").items()}


def _fill(pattern: str, fills: dict[str, str]) -> str:
    for key, value in fills.items():
        pattern = pattern.replace(key, value)
    return pattern


@cache
def harm_data() -> dict[str, Any]:
    """harm.yaml, with shorthands and word lists filled in and every pattern compiled.

    ``groups`` maps each kind of harm to its texts and ``patterns``: a list of (regex, options),
    where the plain patterns of a group share one regex and a pattern with options (``echo``) has
    its own. ``readable`` holds the allowed words and names as sets.
    """
    raw = _yaml("harm.yaml")
    fills = dict(raw["shorthands"])
    for name, entries in raw["words"].items():
        fills["{" + name + "}"] = "(?:" + "|".join(sorted(entries, key=len, reverse=True)) + ")"
    groups = {}
    for kind, spec in raw["groups"].items():
        plain = [_fill(p, fills) for p in spec["patterns"] if isinstance(p, str)]
        patterns: list[tuple[re.Pattern[str], dict[str, Any]]] = [(compile_any(plain), {})] if plain else []
        for p in spec["patterns"]:
            if isinstance(p, dict):
                options = {k: v for k, v in p.items() if k != "pattern"}
                patterns.append((compile_any(_fill(p["pattern"], fills)), options))
        groups[kind] = {"explanation": spec["explanation"], "alternative": spec["alternative"], "patterns": patterns}
    guards = raw["guards"]
    sentiment = dict(raw["sentiment"])
    harm_words = [*raw["words"]["insult_adj"], *raw["words"]["insult_noun"], *sentiment["harm_words"]]
    fills["{harm}"] = "(?:" + "|".join(sorted(harm_words, key=len, reverse=True)) + ")"
    sentiment["aimed"] = compile_any(_fill(sentiment["aimed"], fills))
    laughter = dict(raw["laughter"])
    laughter["reply"] = re.compile(laughter["reply"])
    laughter["client_joking"] = re.compile(laughter["client_joking"])
    readable = dict(raw["readable"])
    readable["words"] = frozenset(readable["words"])
    readable["names"] = frozenset(readable["names"])
    readable["foreign"] = frozenset(readable["foreign"])
    readable["interjection"] = re.compile(readable["interjection"])
    return {
        "flags": raw["flags"],
        "groups": groups,
        "guards": {key: re.compile(value) for key, value in guards.items()},
        "sentiment": sentiment,
        "laughter": laughter,
        "readable": readable,
    }
