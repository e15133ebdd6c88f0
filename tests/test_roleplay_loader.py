"""Scenario schema and loader: every shipped scenario loads; broken files get file:line: field messages."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from rapportkit.roleplay import ScenarioError, load_scenario, load_scenarios, parse_scenario, scenario_names
from rapportkit.roleplay.loader import SCENARIO_DIR, content_hash, iter_nexts, iter_steps, schema

BAD = Path(__file__).parent / "data" / "bad_scenarios"

REQUIRED_CLIENTS = {"john", "abby"}


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_at_least_seven_shipped_scenarios() -> None:
    names = scenario_names()
    assert REQUIRED_CLIENTS <= set(names)
    assert len(names) >= 7


@pytest.mark.parametrize("name", scenario_names())
def test_shipped_scenario_validates_with_jsonschema(name: str) -> None:
    data = yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema())  # the raw schema, independent of the loader's messages
    sc = load_scenario(name)
    assert sc.id == name
    assert sc.client_name


@pytest.mark.parametrize("name", scenario_names())
def test_shipped_scenario_shape(name: str) -> None:
    """Each client: at least 8 turns, at least 2 endings with different outcomes, all endings reachable."""
    sc = load_scenario(name)
    assert len(sc.turns) >= 8
    outcomes = {e["outcome"] for e in sc.endings.values()}
    assert len(sc.endings) >= 2 and len(outcomes) >= 2
    # Walk the graph from the start: every turn and ending is reachable.
    seen, todo = set(), [sc.start]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in sc.turns:
            for _rel, step in iter_steps(sc.turns[node]):
                todo.extend(target for _p, target in iter_nexts(step))
    # The engine itself leads to a risk block's endings, whatever a `next` says.
    seen |= {sc.risk[key] for key in ("missed", "otherwise")} if sc.risk else set()
    assert set(sc.turns) | set(sc.endings) <= seen, set(sc.turns) | set(sc.endings) - seen


def test_load_by_path_and_by_name_agree(tmp_path: Path) -> None:
    by_name = load_scenario("john")
    copy = tmp_path / "john_copy.yaml"
    copy.write_text(
        "# a comment changes nothing\n" + (SCENARIO_DIR / "john.yaml").read_text(encoding="utf-8")
    )
    by_path = load_scenario(copy)
    assert by_path.content_hash == by_name.content_hash == content_hash(by_name.data)
    assert by_path.path == copy


def test_unknown_name_lists_shipped_names() -> None:
    with pytest.raises(ScenarioError, match="john"):
        load_scenario("nobody_here")


def test_missing_path() -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario("/no/such/file.yaml")


# (file, line, field, words the message must contain)
EXPECTED = [
    ("bad_indentation.yaml", 5, "(YAML syntax)", "indented"),
    ("tab_indentation.yaml", 4, "(YAML syntax)", "no tabs"),
    ("unknown_field.yaml", 7, "client.favourite_colour", "unknown field"),
    ("wrong_type.yaml", 16, "turns.hello.choices[0].rapport", "whole number"),
    ("missing_client_name.yaml", 3, "client.name", "required field is missing"),
    ("missing_turn.yaml", 20, "turns.hello.free_text.default.next", "no turn or ending called 'second_tunr'"),
    ("duplicate_turn.yaml", 14, "turns.hello", "written twice"),
    ("choices_and_free_text.yaml", 11, "turns.hello", "exactly one of 'choices'"),
    ("missing_client_said.yaml", 12, "turns.hello", "needs 'client_said'"),
]


@pytest.mark.parametrize(("filename", "line", "field", "words"), EXPECTED)
def test_bad_scenario_message(filename: str, line: int, field: str, words: str) -> None:
    path = BAD / filename
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert words in message
    problem = info.value.problems[0]
    assert (problem.line, problem.field) == (line, field)


def test_every_bad_file_is_covered() -> None:
    assert {p.name for p in BAD.glob("*.yaml")} == {e[0] for e in EXPECTED}


def test_instructor_folder_collects_every_problem(tmp_path: Path) -> None:
    for name in ("wrong_type.yaml", "missing_client_name.yaml"):
        (tmp_path / name).write_text((BAD / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "john.yaml").write_text(
        (SCENARIO_DIR / "john.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenarios(tmp_path)
    files = {Path(p.file).name for p in info.value.problems}
    assert files == {"wrong_type.yaml", "missing_client_name.yaml"}


def test_instructor_folder_loads_good_files(tmp_path: Path) -> None:
    for name in ("john", "abby"):
        (tmp_path / f"{name}.yaml").write_text((SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    found = load_scenarios(tmp_path)
    assert sorted(found) == ["abby", "john"]


def test_instructor_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a folder"):
        load_scenarios(tmp_path / "missing")


MINI = """\
id: mini
title: Mini
client:
  name: Kim
  pronouns: she/her
  presenting_concern: Stress.
  guarded_replies: [Fine.]
opening: Hello.
start: hello
turns:
  hello:
    free_text:
      default:
        reply: Okay.
        rapport: 0
        next: {next}
endings:
  done: {{title: Done, outcome: good, coach: Good.}}
"""


def test_conditional_next_needs_unconditional_last_step() -> None:
    text = MINI.format(next="\n          - {min_rapport: 50, to: done}")
    with pytest.raises(ScenarioError, match="the last step needs no min_rapport"):
        parse_scenario(text, "mini.yaml")


def test_bad_next_id_pattern_is_explained() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(MINI.format(next="Done Now"), "mini.yaml")
    assert re.search(
        r"mini\.yaml:16: turns\.hello\.free_text\.default\.next: expected .*lower case", str(info.value)
    )


def test_empty_file() -> None:
    with pytest.raises(ScenarioError, match="empty"):
        parse_scenario("", "empty.yaml")


def test_start_must_be_a_turn() -> None:
    text = MINI.format(next="done").replace("start: hello", "start: goodbye")
    with pytest.raises(ScenarioError, match=r"mini\.yaml:9: start: no turn called 'goodbye'"):
        parse_scenario(text, "mini.yaml")
