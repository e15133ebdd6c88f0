"""Transcripts: saved every turn, resumed on re-run, replayed for grading, tampering detected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rapportkit.roleplay import (
    RolePlay,
    TranscriptError,
    load_scenario,
    load_transcript,
    replay,
    verify_transcript,
)

GOOD_INPUTS = [
    "a",
    "What brings you in today?",
    "explain",
    "You are worried your friends might find out.",
    "both_sides",
    "What has been happening at home?",
    "How do you hope to see yourself at the end of our work?",
    "summarise",
]


def play(path: Path, inputs: list[str]) -> RolePlay:
    rp = RolePlay("john", transcript_path=path)
    for text in inputs:
        rp.respond(text)
    return rp


def test_every_turn_is_saved(tmp_path: Path) -> None:
    path = tmp_path / "john_transcript.json"
    rp = RolePlay("john", transcript_path=path)
    assert not path.exists()  # nothing written until the student acts
    rp.respond("a")
    data = json.loads(path.read_text())
    assert data["scenario"] == "john" and data["scenario_hash"] == load_scenario("john").content_hash
    assert data["turns"] == [{"turn": "welcome", "input": "a"}]
    assert data["claims"]["rapport_per_turn"] == [rp.rapport]
    rp.respond("It sounds like coming in took some courage.")
    assert len(json.loads(path.read_text())["turns"]) == 2
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave no temp files


def test_replay_matches_the_live_session(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    live = play(path, GOOD_INPUTS)
    again = replay("john", load_transcript(path)["turns"])
    assert again.rapport_curve == live.rapport_curve
    assert again.summary() == live.summary()
    assert again.ending_id == live.ending_id == "opens_up"


def test_untouched_transcript_verifies(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    live = play(path, GOOD_INPUTS[:4])
    rp, problems = verify_transcript(path, "john")
    assert problems == []
    assert rp.rapport == live.rapport


def test_tampered_claims_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    play(path, ["b", "later", "brush_off"])  # John walks out: a poor ending
    data = json.loads(path.read_text())
    data["claims"]["final_rapport"] = 95
    data["claims"]["ending"] = "opens_up"
    data["claims"]["summary"]["complex_reflections"] = 9
    path.write_text(json.dumps(data))
    rp, problems = verify_transcript(path, "john")
    assert rp.ending_id == "walks_out" and rp.rapport < 50  # grading uses the replay, not the claims
    text = "\n".join(problems)
    assert "claims final rapport 95" in text
    assert "claims ending 'opens_up'" in text
    assert "complex_reflections" in text


def test_tampered_inputs_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    play(path, GOOD_INPUTS[:3])
    data = json.loads(path.read_text())
    data["turns"][0]["input"] = "zzz"  # an option that does not exist
    path.write_text(json.dumps(data))
    rp, problems = verify_transcript(path, "john")
    assert any("turn 1 cannot be replayed" in p for p in problems)
    assert rp.history == []


def test_changed_scenario_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    play(path, ["a"])
    data = json.loads(path.read_text())
    data["scenario_hash"] = "0" * 64
    path.write_text(json.dumps(data))
    _rp, problems = verify_transcript(path, "john")
    assert any("scenario file has changed" in p for p in problems)


def test_missing_and_unreadable_transcripts(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="No role-play transcript found"):
        verify_transcript(tmp_path / "nope.json", "john")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(TranscriptError, match="cannot be read"):
        load_transcript(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    with pytest.raises(TranscriptError, match="not a Rapport Lab"):
        load_transcript(other)


def test_wrong_scenario_transcript(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    play(path, ["a"])
    with pytest.raises(TranscriptError, match="is for the role-play 'john'"):
        verify_transcript(path, "abby")


def test_rerunning_the_notebook_resumes_instead_of_wiping(tmp_path: Path) -> None:
    """nbgrader re-executes the notebook: constructing the RolePlay again must keep the student's turns."""
    path = tmp_path / "t.json"
    live = play(path, GOOD_INPUTS[:3])
    before = path.read_text()
    again = RolePlay("john", transcript_path=path)
    assert path.read_text() == before  # not rewritten on construction
    assert again.rapport_curve == live.rapport_curve and again.current_turn_id == live.current_turn_id


def test_resume_of_a_broken_file_starts_fresh_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("garbage")
    rp = RolePlay("john", transcript_path=path)
    assert rp.resume_problem and "starting a new session" in rp.resume_problem
    assert path.read_text() == "garbage" and rp.history == []
    rp.respond("a")
    assert json.loads(path.read_text())["turns"][0]["input"] == "a"


def test_replay_rejects_extra_turns() -> None:
    with pytest.raises(ValueError, match="already ended"):
        replay("john", ["b", "later", "brush_off", "a"])
