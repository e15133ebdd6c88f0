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
