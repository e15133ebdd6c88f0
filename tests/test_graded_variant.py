"""A graded variant: the student plays a client they have not practised, with hints and coaching off; what the
client said on each turn (the keys) stays in the grader's hidden test, and the grader replays with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rapportkit import grading
from rapportkit.nbgrader.judge import Answers, parse_test_cell, run_calls
from rapportkit.roleplay import ScenarioError, open_session, verify_transcript
from rapportkit.roleplay.loader import parse_scenario
from rapportkit.widgets import RolePlayWidget
from tests.test_roleplay_engine import TOY

KEYS = {"first": {"content": {"work has been a lot for Kim": ["work", "job", "office", "a lot", "too much"]},
                  "feeling": {"fits": ["tired", "overwhelmed"], "adjacent": ["anxious"], "contradicts": ["happy"],
                              "say": "worn out"}}}
SAID = TOY[TOY.index("    client_said:"):TOY.index("    free_text:")]
VARIANT = TOY.replace(SAID, "").replace("id: toy\n", "id: toy\nkeys: hidden\n")
MISS = "It sounds like you're excited about your holiday."


def write(folder: Path, text: str = VARIANT) -> Path:
    path = folder / "toy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_variant_keeps_no_keys_and_its_route_cannot_depend_on_them() -> None:
    parse_scenario(VARIANT, "toy.yaml")
    with pytest.raises(ScenarioError, match="expected no client_said in this file"):
        parse_scenario(TOY.replace("id: toy\n", "id: toy\nkeys: hidden\n"), "toy.yaml")
    with pytest.raises(ScenarioError, match=r"toy.yaml:\d+: turns.first.free_text.default.next: .*same place"):
        parse_scenario(VARIANT.replace("default: {reply: Okay., rapport: 0, next: second}",
                                       "default: {reply: Okay., rapport: 0, next: poor_end}"), "toy.yaml")
    with pytest.raises(ScenarioError, match="may only choose between endings"):
        parse_scenario(VARIANT.replace("{min_rapport: 60, to: good_end}", "{min_rapport: 60, to: first}"),
                       "toy.yaml")


def test_the_grader_replays_with_the_keys_the_student_never_had(tmp_path: Path) -> None:
    scenario = write(tmp_path)
    path = tmp_path / "roleplay_toy.json"
    live = open_session(scenario, transcript_path=path)
    assert live.respond(MISS).rule == "reflection"  # without the keys the client cannot tell
    live.respond("a")
    replayed, problems = verify_transcript(path, scenario, keys=KEYS)
    assert replayed.history[0].rule == "missed" and not replayed.history[0].heard
    assert problems == []  # the live claims were made without keys: not compared
    assert grading.score_roleplay(str(path), str(scenario), points=3, min_rapport=40, min_reflections=1,
                                  min_open_questions=0, keys=KEYS) < grading.score_roleplay(
        str(path), str(scenario), points=3, min_rapport=40, min_reflections=1, min_open_questions=0)


def test_a_graded_session_has_no_hints_no_coaching_and_one_attempt(tmp_path: Path) -> None:
    w = RolePlayWidget(write(tmp_path), transcript_path=tmp_path / "roleplay_toy.json")
    assert w.graded and w.hint_html.value == "" and "graded session" in w.notice.value
    w._submit_text("It sounds like work has left you worn out.")
    assert "Coaching is off" in w.coach.value and "Rapport" not in w.coach.value
    assert w.again_button.layout.display == "none" and w.meter.layout.display == "none"
    w.start_again()
    assert "cannot be started again" in w.notice.value and len(w.session.history) == 1
    w.choose("a")
    assert "Session saved (2 turns)" in w.summary_html.value and "Final rapport" not in w.summary_html.value
    practice = RolePlayWidget(write(tmp_path), graded=False)
    assert not practice.graded


def test_the_judge_reads_the_instructors_scenario_never_the_students_copy(tmp_path: Path) -> None:
    source, submitted = tmp_path / "source", tmp_path / "submitted"
    source.mkdir()
    submitted.mkdir()
    write(source)
    # the student's copy makes every reply a triumph; the judge must not read it
    write(submitted, VARIANT.replace("rapport: -30", "rapport: 30"))
    rp = open_session(submitted / "toy.yaml", transcript_path=submitted / "roleplay_toy.json")
    rp.respond(MISS)
    rp.respond("b")
    call = parse_test_cell(f'grading.score_roleplay("roleplay_toy.json", "toy.yaml", points=3, min_rapport=40, '
                           f'min_reflections=1, min_open_questions=0, keys={json.dumps(KEYS)})')
    judged = run_calls(call, Answers(), submitted, source=source)
    honest, _ = verify_transcript(submitted / "roleplay_toy.json", source / "toy.yaml", keys=KEYS)
    edited, _ = verify_transcript(submitted / "roleplay_toy.json", submitted / "toy.yaml", keys=KEYS)
    assert honest.rapport != edited.rapport
    assert judged.error is None and f"(yours: {honest.rapport})" in judged.stdout
    missing = run_calls(call, Answers(), submitted, source=None)
    assert missing.error is not None and "source folder" in missing.error[1]


@pytest.mark.nbgrader
def test_the_capstone_is_graded_on_maya_with_keys_no_student_ever_sees(graded_cohort) -> None:
    """Real nbgrader: the release carries maya.yaml without keys, the grade uses them, the feedback hides them."""
    root, proc = graded_cohort("05_capstone")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    released = (root / "exercises" / "05_capstone" / "maya.yaml").read_text(encoding="utf-8")
    assert "keys: hidden" in released and "client_said" not in released
    notebook = (root / "exercises" / "05_capstone" / "05_capstone.ipynb").read_text(encoding="utf-8")
    assert "keys=" not in notebook and "roleplay(\\\"maya.yaml\\\"" in notebook
    feedback = root / "feedback" / "demo_complete" / "05_capstone" / "05_capstone.html"
    html = feedback.read_text(encoding="utf-8")
    assert "keys=" not in html and "Maya&#39;s mum died" not in html and "Maya's mum died" not in html
    assert "reached an ending the client leaves well from" in html
