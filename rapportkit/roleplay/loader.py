"""Load role-play scenarios from YAML and validate them against ``schema.json``.

Instructors edit these files without Python, so every problem is reported as
``file:line: field: what is expected``. Line numbers come from PyYAML's node marks:
the file is composed into a node tree once, and each path (``turns.hello.choices[0].next``)
is mapped to the line where it is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from rapportkit.skills.keys import ClientKeys, KeysError
from rapportkit.skills.risk import risk_data

# libyaml's safe loader when PyYAML has it (about 10x faster: scenarios are parsed in every grading kernel).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]

SCENARIO_DIR = Path(__file__).with_name("scenarios")
SCHEMA_PATH = Path(__file__).with_name("schema.json")

# The order in which free-text rules are tried (first match wins). Documented in docs/roleplay.md.
PROBLEM_RULES = (
    "judging",
    "wrong_name",
    "wrong_pronoun",
    "minimising",
    "claims_understanding",
    "sympathy",
    "advice",
    "jargon",
    "why_question",
    "stacked_questions",
)
SKILL_RULES = ("self_disclosure", "complex_reflection", "reflection", "open_question", "closed_question")


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '(top level)'}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file is missing, is not valid YAML, or does not follow the schema."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", None, "", problems)]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. ``data`` is the parsed YAML; ``content_hash`` identifies its content."""

    id: str
    data: Mapping[str, Any]
    path: Path | None = None
    content_hash: str = ""
    lines: Mapping[PathKey, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def client(self) -> Mapping[str, Any]:
        return self.data["client"]

    @property
    def client_name(self) -> str:
        return self.data["client"]["name"]

    @property
    def opening(self) -> str:
        return self.data["opening"]

    @property
    def start(self) -> str:
        return self.data["start"]

    @property
    def turns(self) -> Mapping[str, Any]:
        return self.data["turns"]

    @property
    def endings(self) -> Mapping[str, Any]:
        return self.data["endings"]

    @property
    def keys_hidden(self) -> bool:
        """True for a graded variant: the grader supplies what the client said on each turn."""
        return self.data.get("keys") == "hidden"

    @property
    def risk(self) -> Mapping[str, Any] | None:
        """The risk path's requirements for a good ending (``ask``, ``assess``, ``never``...), or None."""
        return self.data.get("risk")

    @property
    def start_rapport(self) -> int:
        return int(self.data.get("rapport", {}).get("start", 30))

    @property
    def withdraw_below(self) -> int:
        return int(self.data.get("rapport", {}).get("withdraw_below", 25))


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema every scenario follows."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def scenario_names() -> list[str]:
    """Names of the scenarios shipped with the package (e.g. ``"john"``)."""
    folder = resources.files("rapportkit.roleplay") / "scenarios"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the scenario's content (not its formatting or comments)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario: a shipped name (``"john"``) or a path to a YAML file."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text_name = str(name_or_path)
    path = Path(name_or_path)
    looks_like_path = path.suffix in (".yaml", ".yml") or "/" in text_name or "\\" in text_name
    if not looks_like_path:
        path = SCENARIO_DIR / f"{text_name}.yaml"
        if not path.exists():
            known = ", ".join(scenario_names()) or "none"
            raise ScenarioError(f"no shipped scenario called {text_name!r}; expected one of: {known}, or a path")
    if not path.exists():
        raise ScenarioError([Problem(str(path), None, "", "file not found; expected a path to a .yaml file")])
    return _parse_once(path.read_text(encoding="utf-8"), str(path), path)


@lru_cache(maxsize=64)
def _parse_once(text: str, filename: str, path: Path) -> Scenario:
    """A file's text is validated once per process (a grading worker checks hundreds of transcripts)."""
    return parse_scenario(text, filename, path)


def load_scenarios(folder: str | Path) -> dict[str, Scenario]:
    """Load every ``*.yaml``/``*.yml`` in an instructor's folder, keyed by scenario id.

    All problems in all files are collected and raised together, so one run shows everything to fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), None, "", "not a folder; expected a folder of .yaml files")])
    found: dict[str, Scenario] = {}
    problems: list[Problem] = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            sc = load_scenario(path)
        except ScenarioError as err:
            problems.extend(err.problems)
            continue
        if sc.id in found:
            problems.append(
                Problem(
                    str(path),
                    sc.lines.get(("id",)),
                    "id",
                    f"id {sc.id!r} is already used by {found[sc.id].path}; expected a unique id",
                )
            )
            continue
        found[sc.id] = sc
    if problems:
        raise ScenarioError(problems)
    return found


def parse_scenario(text: str, filename: str = "<scenario>", path: Path | None = None) -> Scenario:
    """Parse and validate scenario YAML text; ``filename`` is used in error messages."""
    try:
        node = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as err:
        raise ScenarioError([_syntax_problem(err, filename)]) from None
    if node is None:
        raise ScenarioError([Problem(filename, 1, "", "the file is empty; expected a scenario (see docs/roleplay.md)")])
    lines: dict[PathKey, int] = {}
    problems: list[Problem] = []
    _map_lines(node, (), lines, problems, filename)
    if problems:  # duplicate keys: PyYAML would silently keep the last one
        raise ScenarioError(problems)
    data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader: builds only plain data
    if not isinstance(data, dict):
        raise ScenarioError([Problem(filename, 1, "", "expected a mapping of fields (id:, title:, client:, ...)")])

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        problems.extend(_describe(err, data, lines, filename))
    if not problems:
        problems.extend(_check_links(data, lines, filename))
        problems.extend(_check_keys(data, lines, filename))
        problems.extend(_check_risk(data, lines, filename))
    if problems:
        unique = list(dict.fromkeys(problems))
        unique.sort(key=lambda p: (p.line or 0, p.field))
        raise ScenarioError(unique)
    return Scenario(id=data["id"], data=data, path=path, content_hash=content_hash(data), lines=lines)


def iter_nexts(step: Mapping[str, Any]) -> Iterator[tuple[PathKey, str]]:
    """Yield (relative path, target id) for every place a rule/option can lead to."""
    nxt = step.get("next")
    if isinstance(nxt, str):
        yield ("next",), nxt
    elif isinstance(nxt, list):
        for i, item in enumerate(nxt):
            if isinstance(item, dict) and isinstance(item.get("to"), str):
                yield ("next", i, "to"), item["to"]


def iter_steps(turn: Mapping[str, Any]) -> Iterator[tuple[PathKey, Mapping[str, Any]]]:
    """Yield (relative path, step) for every option or free-text rule of a turn."""
    for i, opt in enumerate(turn.get("choices") or []):
        yield ("choices", i), opt
    rules = turn.get("free_text") or {}
    for name, rule in rules.items():
        if name in ("mentions", "risk"):
            for i, m in enumerate(rule):
                yield ("free_text", name, i), m
        else:
            yield ("free_text", name), rule


# --- internals -------------------------------------------------------------------------------


def _syntax_problem(err: yaml.YAMLError, filename: str) -> Problem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(err, "problem", None) or str(err)
    hint = (
        "expected valid YAML: nested fields indented by the same number of spaces (no tabs), "
        "and a space after each colon; put text containing ': ' or '#' in quotes"
    )
    return Problem(filename, line, "(YAML syntax)", f"{what}; {hint}")


def _map_lines(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], problems: list[Problem], filename: str
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        filename,
                        line,
                        _field(path + (key,)),
                        f"this key is written twice (also on line {seen[key]}); expected each key once",
                    )
                )
            seen[key] = line
            lines[path + (key,)] = line
            _map_lines(value_node, path + (key,), lines, problems, filename)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _map_lines(item, path + (i,), lines, problems, filename)


def _field(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_for(path: PathKey, lines: Mapping[PathKey, int]) -> int | None:
    # Walk up until a written path is found (a missing field has no line of its own).
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping of fields (key: value lines)",
    "array": "a list (lines starting with '- ')",
    "boolean": "true or false",
}


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _describe(err: jsonschema.ValidationError, data: Any, lines: Mapping[PathKey, int], filename: str) -> list[Problem]:
    path: PathKey = tuple(err.absolute_path)
    desc = err.schema.get("description") if isinstance(err.schema, dict) else None
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else str(err.message)
        prop = err.schema.get("properties", {}).get(missing, {})
        want = prop.get("description") or "a value"
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path + (missing,)),
                f"required field is missing; expected {want}",
            )
        ]
    if v == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        if isinstance(err.instance, dict) and allowed:
            extra = [k for k in err.instance if k not in allowed]
            return [
                Problem(
                    filename,
                    _line_for(path + (k,), lines),
                    _field(path + (k,)),
                    f"unknown field; expected one of: {', '.join(allowed)} (check spelling and indentation)",
                )
                for k in extra
            ]
    if v == "type":
        types = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        want = desc or " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return [Problem(filename, _line_for(path, lines), _field(path), f"expected {want}, got {_what(err.instance)}")]
    if v in ("minimum", "maximum"):
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                f"expected {desc or 'a number in range'}, got {err.instance!r}",
            )
        ]
    if v == "enum":
        opts = ", ".join(str(o) for o in err.validator_value)
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                f"expected one of: {opts}; got {err.instance!r}",
            )
        ]
    if v == "pattern":
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                f"expected {desc or 'a matching value'}, got {err.instance!r}",
            )
        ]
    if v == "minLength":
        return [Problem(filename, _line_for(path, lines), _field(path), "must not be empty; expected some text")]
    if v in ("minItems", "minProperties"):
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                f"expected at least {err.validator_value} entries ({desc or 'see docs/roleplay.md'})",
            )
        ]
    if v == "oneOf" and path and "turns" in path and len(path) == 2:
        has = [k for k in ("choices", "free_text") if isinstance(err.instance, dict) and k in err.instance]
        got = "both" if len(has) == 2 else "neither"
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                f"expected exactly one of 'choices' (buttons) or 'free_text' (typed reply), got {got}",
            )
        ]
    if v == "oneOf" and path and path[-1] == "next":
        # Report the clearer error of the branch that matches the value's shape.
        sub = [e for e in err.context if e.validator != "type"] or list(err.context)
        if sub:
            return [p for e in sub[:1] for p in _describe(e, data, lines, filename)]
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                f"expected {desc or 'a turn or ending id'}, got {_what(err.instance)}",
            )
        ]
    if v == "anyOf" and "mentions" in path:
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                "expected 'words' (a list of words) or 'intake' (a list of intake question ids)",
            )
        ]
    if v == "propertyNames":
        return [
            Problem(
                filename,
                _line_for(path, lines),
                _field(path),
                f"expected ids in lower case letters, digits or _; got {err.instance!r}",
            )
        ]
    return [Problem(filename, _line_for(path, lines), _field(path), err.message)]


def client_keys(turn: Mapping[str, Any]) -> ClientKeys | None:
    """The keys of what the client has just said on a free-text turn (``client_said``), or None."""
    said = turn.get("client_said")
    if not said:
        return None
    return ClientKeys.from_data(content=said.get("content"), feeling=said.get("feeling"))


def _check_keys(data: Mapping[str, Any], lines: Mapping[PathKey, int], filename: str) -> list[Problem]:
    """Every free-text turn says what the client just said, in keys the grader can use, and how a miss is met."""
    problems: list[Problem] = []
    if data.get("keys") == "hidden":
        return _check_hidden_keys(data, lines, filename)
    for tid, turn in data["turns"].items():
        if "free_text" not in turn:
            continue
        base: PathKey = ("turns", tid)
        if "client_said" not in turn:
            problems.append(Problem(filename, lines.get(base), _field(base),
                                    "a free-text turn needs 'client_said': what the client has just said, in content "
                                    "and feeling keys (docs/roleplay.md)"))
            continue
        try:
            client_keys(turn)
        except KeysError as err:
            p = base + ("client_said",)
            problems.append(Problem(filename, _line_for(p, lines), _field(p), str(err)))
        if "missed" not in turn["free_text"]:
            p = base + ("free_text",)
            problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                    "a free-text turn with 'client_said' needs a 'missed' rule: how the client "
                                    "answers a reflection that misses what they said"))
    if "reactions" not in data["client"]:
        problems.append(Problem(filename, lines.get(("client",)), "client",
                                "the client needs 'reactions': lines for 'harmful' and 'unreadable' replies"))
    return problems


def _check_hidden_keys(data: Mapping[str, Any], lines: Mapping[PathKey, int], filename: str) -> list[Problem]:
    """A graded variant keeps its keys in the grader's hidden test, so a student's copy plays without them.

    The grader replays the student's inputs with the keys, so nothing on the way may depend on them: every
    free-text rule of a turn leads to the same place, and a rapport-dependent `next` only chooses an ending.
    """
    problems: list[Problem] = []
    endings = set(data["endings"])
    for tid, turn in data["turns"].items():
        base: PathKey = ("turns", tid)
        if "client_said" in turn:
            p = base + ("client_said",)
            problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                    "a scenario with 'keys: hidden' keeps what the client said in the grader's "
                                    "hidden test; expected no client_said in this file"))
        rules = turn.get("free_text")
        if rules is not None and "missed" not in rules:
            p = base + ("free_text",)
            problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                    "a free-text turn needs a 'missed' rule: how the client answers a reflection "
                                    "that misses what they said"))
        first: Any = None
        for rel, step in iter_steps(turn):
            nxt = step.get("next")
            if rel[0] == "free_text":
                if first is None:
                    first = nxt
                elif nxt != first:
                    p = base + rel + ("next",)
                    problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                            f"every rule of a free-text turn in a graded variant leads to the same "
                                            f"place; expected next: {first!r}"))
            if isinstance(nxt, list) and any(item.get("to") not in endings for item in nxt if isinstance(item, dict)):
                p = base + rel + ("next",)
                problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                        "in a graded variant, a next that depends on rapport may only choose "
                                        "between endings"))
    return problems


def _check_risk(data: Mapping[str, Any], lines: Mapping[PathKey, int], filename: str) -> list[Problem]:
    """Risk rules and the risk block name topics and acts the reader knows, and endings that exist."""
    problems: list[Problem] = []
    known = risk_data()
    topics, acts = list(known["topics"]), list(known["acts"])

    def check(path: PathKey, names: Any, allowed: list[str], what: str) -> None:
        for i, name in enumerate(names or []):
            if name not in allowed:
                p = path + (i,)
                problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                        f"{name!r} is not a risk {what}; expected one of: {', '.join(allowed)}"))

    has_rules = False
    for tid, turn in data["turns"].items():
        for i, rule in enumerate((turn.get("free_text") or {}).get("risk") or []):
            has_rules = True
            check(("turns", tid, "free_text", "risk", i, "when"), rule.get("when"), topics + acts, "topic or act")
    block = data.get("risk")
    if block is None:
        if has_rules:
            problems.append(Problem(filename, lines.get(("turns",)), "risk",
                                    "a scenario with risk rules needs a 'risk' block: what a good ending needs "
                                    "(docs/roleplay.md, 'A risk path')"))
        return problems
    check(("risk", "ask"), block.get("ask"), topics, "topic")
    check(("risk", "assess"), block.get("assess"), topics, "topic")
    check(("risk", "never"), block.get("never"), acts, "act")
    for key in ("missed", "otherwise"):
        ending = block.get(key)
        if ending not in data["endings"]:
            p: PathKey = ("risk", key)
            problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                    f"no ending called {ending!r}; expected one of: {', '.join(data['endings'])}"))
        elif data["endings"][ending]["outcome"] == "good":
            p = ("risk", key)
            problems.append(Problem(filename, _line_for(p, lines), _field(p),
                                    f"the ending {ending!r} is good; expected an ending that is mixed or poor"))
    return problems


def _check_links(data: Mapping[str, Any], lines: Mapping[PathKey, int], filename: str) -> list[Problem]:
    """Checks JSON Schema cannot express: every `next` and `start` names a turn or ending that exists."""
    problems: list[Problem] = []
    turns, endings = data["turns"], data["endings"]
    both = set(turns) & set(endings)
    for name in sorted(both):
        problems.append(
            Problem(
                filename,
                lines.get(("endings", name)),
                f"endings.{name}",
                f"{name!r} is both a turn and an ending; expected different ids",
            )
        )
    targets = sorted(set(turns) | set(endings))
    if data["start"] not in turns:
        problems.append(
            Problem(
                filename,
                lines.get(("start",)),
                "start",
                f"no turn called {data['start']!r}; expected one of the turns: {', '.join(turns)}",
            )
        )
    for tid, turn in turns.items():
        base: PathKey = ("turns", tid)
        ids = [opt["id"] for opt in turn.get("choices") or []]
        for i, oid in enumerate(ids):
            if oid in ids[:i]:
                p = base + ("choices", i, "id")
                problems.append(
                    Problem(
                        filename,
                        lines.get(p),
                        _field(p),
                        f"option id {oid!r} is used twice in this turn; expected unique ids",
                    )
                )
        for rel, step in iter_steps(turn):
            for nrel, target in iter_nexts(step):
                if target not in targets:
                    p = base + rel + nrel
                    problems.append(
                        Problem(
                            filename,
                            _line_for(p, lines),
                            _field(p),
                            f"no turn or ending called {target!r}; expected one of: {', '.join(targets)}",
                        )
                    )
            nxt = step.get("next")
            if isinstance(nxt, list) and "min_rapport" in nxt[-1]:
                p = base + rel + ("next", len(nxt) - 1)
                problems.append(
                    Problem(
                        filename,
                        _line_for(p, lines),
                        _field(p),
                        "the last step needs no min_rapport, so the session always has "
                        "somewhere to go; expected '- to: <id>'",
                    )
                )
    return problems
