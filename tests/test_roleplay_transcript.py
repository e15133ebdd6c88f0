"""Transcripts: saved every turn, resumed on re-run, replayed for grading, tampering detected."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from rapportkit.roleplay import (
    RolePlay,
    TranscriptError,
    archive_transcript,
    kept_attempts,
    load_scenario,
    load_transcript,
    open_session,
    replay,
    verify_transcript,
)
from rapportkit.roleplay.transcript import attempt_path, transcript_conflict, transcript_data

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
    rp = open_session("john", transcript_path=path)
    for text in inputs:
        rp.respond(text)
    return rp


def test_every_turn_is_saved(tmp_path: Path) -> None:
    path = tmp_path / "john_transcript.json"
    rp = open_session("john", transcript_path=path)
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
    with pytest.raises(TranscriptError, match="No role-play transcript nope.json was handed in") as err:
        verify_transcript(tmp_path / "nope.json", "john")
    assert str(tmp_path) not in str(err.value)  # students read it in their feedback: no machine paths
    with pytest.raises(TranscriptError) as err:
        verify_transcript("/nonexistent/submitted/roleplay_kofi.json", "kofi")
    assert "/nonexistent" not in str(err.value) and "roleplay_kofi.json" in str(err.value)
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
    again = open_session("john", transcript_path=path)
    assert path.read_text() == before  # not rewritten on construction
    assert again.rapport_curve == live.rapport_curve and again.current_turn_id == live.current_turn_id


def test_resume_of_a_broken_file_starts_fresh_and_keeps_it_beside_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("garbage")
    rp = open_session("john", transcript_path=path)
    assert rp.resume_problem and "starting a new session" in rp.resume_problem
    assert path.read_text() == "garbage" and rp.history == []  # nothing is touched on construction
    rp.respond("a")
    assert json.loads(path.read_text())["turns"][0]["input"] == "a"
    kept = tmp_path / "t.attempt-1.json"
    assert kept.read_text() == "garbage" and "t.attempt-1.json" in rp.resume_problem
    rp.respond("It sounds like walking in here was not easy.")
    assert kept.read_text() == "garbage" and not (tmp_path / "t.attempt-2.json").exists()


def test_a_truncated_transcript_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    play(path, GOOD_INPUTS[:3])
    cut = path.read_text()[:-40]
    path.write_text(cut)
    rp = open_session("john", transcript_path=path)
    rp.respond("a")
    assert (tmp_path / "roleplay_john.attempt-1.json").read_text() == cut


def test_replay_rejects_extra_turns() -> None:
    with pytest.raises(ValueError, match="already ended"):
        replay("john", ["b", "later", "brush_off", "a"])


def test_start_again_keeps_each_attempt_under_the_next_free_name(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    first = play(path, ["a"])
    first_text = path.read_text()
    kept = first.start_again()
    assert kept == tmp_path / "roleplay_john.attempt-1.json"
    assert kept.read_text() == first_text and not path.exists()  # moved, not copied and left behind
    assert first.history == [] and first.rapport_curve == [first.scenario.start_rapport] and not first.finished

    first.respond("b")  # the fresh session writes the graded file again
    assert load_transcript(path)["turns"] == [{"turn": "welcome", "input": "b"}]
    assert first.start_again() == tmp_path / "roleplay_john.attempt-2.json"
    assert kept_attempts(path) == [tmp_path / "roleplay_john.attempt-1.json", tmp_path / "roleplay_john.attempt-2.json"]
    assert load_transcript(kept_attempts(path)[1])["turns"][0]["input"] == "b"


def test_archive_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    assert archive_transcript(path) is None  # nothing to keep
    # A gap (attempt-1 deleted) and an unrelated look-alike: numbers keep counting up from the highest.
    (tmp_path / "roleplay_john.attempt-2.json").write_text("two")
    (tmp_path / "roleplay_john.attempt-x.json").write_text("not an attempt")
    (tmp_path / "other.attempt-9.json").write_text("another transcript's")
    path.write_text("current")
    assert archive_transcript(path) == tmp_path / "roleplay_john.attempt-3.json"
    assert (tmp_path / "roleplay_john.attempt-2.json").read_text() == "two"
    assert (tmp_path / "roleplay_john.attempt-3.json").read_text() == "current"
    assert attempt_path("notes/t.json", 4) == Path("notes/t.attempt-4.json")


def test_archive_takes_the_next_name_if_one_appears_meanwhile(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "roleplay_john.json"
    path.write_text("current")
    real_link = os.link

    def racing_link(src, dst, **kw):  # another writer creates attempt-1 between our look and our move
        if Path(dst).name == "roleplay_john.attempt-1.json" and not Path(dst).exists():
            Path(dst).write_text("someone else's")
        return real_link(src, dst, **kw)

    monkeypatch.setattr(os, "link", racing_link)
    assert archive_transcript(path) == tmp_path / "roleplay_john.attempt-2.json"
    assert (tmp_path / "roleplay_john.attempt-1.json").read_text() == "someone else's"
    assert (tmp_path / "roleplay_john.attempt-2.json").read_text() == "current" and not path.exists()


def test_archive_without_hard_links_copies_then_removes(tmp_path: Path, monkeypatch) -> None:
    def no_links(src, dst, **kw):
        raise OSError(errno.EPERM, "Operation not permitted")  # what some network drives say

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "roleplay_john.json"
    path.write_text("current")
    (tmp_path / "roleplay_john.attempt-1.json").write_text("one")
    assert archive_transcript(path) == tmp_path / "roleplay_john.attempt-2.json"
    assert (tmp_path / "roleplay_john.attempt-1.json").read_text() == "one"
    assert (tmp_path / "roleplay_john.attempt-2.json").read_text() == "current" and not path.exists()


def test_archive_refuses_cleanly_when_the_file_cannot_be_moved(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "roleplay_john.json"
    rp = play(path, ["a"])
    before = path.read_text()

    def denied(src, dst, **kw):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "link", denied)
    with pytest.raises(TranscriptError) as err:
        rp.start_again()
    assert str(err.value) == (
        f"Could not keep the previous attempt: {path} could not be moved to roleplay_john.attempt-1.json "
        "(Permission denied). Nothing was changed."
    )
    assert path.read_text() == before and kept_attempts(path) == []  # nothing moved, nothing half-written
    assert len(rp.history) == 1  # and the session carries on


def test_archive_puts_the_file_back_if_the_original_cannot_be_removed(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "roleplay_john.json"
    path.write_text("current")
    real_unlink = Path.unlink

    def stuck(self, missing_ok=False):
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", stuck)
    with pytest.raises(TranscriptError, match="could not be moved"):
        archive_transcript(path)
    assert path.read_text() == "current" and kept_attempts(path) == []


def test_start_again_without_a_file(tmp_path: Path) -> None:
    rp = RolePlay("john")
    rp.respond("a")
    assert rp.start_again() is None and rp.history == []
    saved = open_session("john", transcript_path=tmp_path / "t.json")
    assert saved.start_again() is None and not (tmp_path / "t.json").exists()


BAD_TURNS = {
    "extra turn": [{"turn": "welcome", "input": "b"}, {"input": "later"}, {"input": "brush_off"}, {"input": "a"}],
    "wrong turn": [{"turn": "welcome", "input": "a"}, {"turn": "closing", "input": "Hello."}],
    "not a turn": [{"turn": "welcome", "input": 3}],
}


@pytest.mark.parametrize("case", sorted(BAD_TURNS))
def test_replay_and_verify_give_the_same_reason(tmp_path: Path, case: str) -> None:
    """One step function checks each turn, so grading's note and replay's error say the same thing."""
    turns = BAD_TURNS[case]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(transcript_data(RolePlay("john")) | {"turns": turns}))
    with pytest.raises(ValueError) as err:
        replay("john", turns)
    number, reason = str(err.value).split(": ", 1)
    _rp, problems = verify_transcript(path, "john")
    assert f"{number} cannot be replayed ({reason}); only the first {len(turns) - 1} turns count" in problems


def test_kept_attempts_are_told_apart_from_the_graded_transcript():
    from rapportkit.roleplay import is_kept_attempt
    from rapportkit.roleplay.transcript import attempt_path

    assert is_kept_attempt(attempt_path("work/roleplay_john.json", 3))
    assert is_kept_attempt("roleplay_john.attempt-12.json")
    assert not is_kept_attempt("roleplay_john.json")
    assert not is_kept_attempt("roleplay_john.attempt-0.json")  # never a name archive_transcript gives
    assert not is_kept_attempt("roleplay_attempt-1.json")


def test_a_session_and_a_transcript_have_a_bounded_number_of_turns(tmp_path: Path) -> None:
    from rapportkit.roleplay.engine import MAX_TURNS

    rp = RolePlay("john")
    rp.respond("a")
    for _ in range(MAX_TURNS - 1):
        rp.respond("asdf qwer zxcv")  # unreadable: the turn waits
    with pytest.raises(RuntimeError, match=f"{MAX_TURNS} turns"):
        rp.respond("asdf qwer zxcv")
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"format": json.loads(json.dumps(transcript_data(rp)))["format"], "scenario": "john",
                                "turns": [{"turn": "settling", "input": "x"}] * (MAX_TURNS + 1)}))
    with pytest.raises(TranscriptError, match="at most"):
        verify_transcript(path, "john")


# --- Two sessions on one file (the cell run twice, or two cells naming the same file) ----------------


def test_a_second_session_never_overwrites_the_first(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    first, second = open_session("john", transcript_path=path), open_session("john", transcript_path=path)
    first.respond("a")
    saved = path.read_text()
    with pytest.raises(TranscriptError) as err:
        second.respond("b")  # started before the file existed: it never held first's turn
    message = str(err.value)
    assert message.startswith("Another role-play window (an earlier run of this cell, or another cell using the same")
    assert f"has saved to {path} since this window last saved or loaded it" in message
    assert "nothing in the file is overwritten" in message
    assert "Carry on in the other window, or run this cell again to continue from the file." in message
    assert path.read_text() == saved
    first.respond("What brings you in today?")  # the window that wrote carries on
    assert len(load_transcript(path)["turns"]) == 2
    with pytest.raises(TranscriptError, match="Another role-play window"):
        second.end()
    assert len(load_transcript(path)["turns"]) == 2 and not load_transcript(path)["ended_by_student"]


def test_the_cell_run_again_takes_over_and_the_old_window_is_told(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    old = play(path, GOOD_INPUTS[:2])
    new = open_session("john", transcript_path=path)  # resumed: it holds what the file holds
    assert transcript_conflict(new) is None and transcript_conflict(old) is None  # neither is behind yet
    new.respond(GOOD_INPUTS[2])
    assert [t["input"] for t in load_transcript(path)["turns"]] == GOOD_INPUTS[:3]
    assert "has saved to" in (transcript_conflict(old) or "")
    with pytest.raises(TranscriptError):
        old.respond(GOOD_INPUTS[2])
    path.unlink()  # even with the file gone, the old window stays out of date: it never writes its old turns
    with pytest.raises(TranscriptError):
        old.respond(GOOD_INPUTS[3])
    assert not path.exists()


def test_start_again_still_writes_a_fresh_file_and_an_old_window_is_told(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    old = play(path, ["a"])
    new = open_session("john", transcript_path=path)
    kept = new.start_again()  # the new window starts again: old's file is kept as attempt 1
    assert kept == tmp_path / "roleplay_john.attempt-1.json" and not path.exists()
    problem = transcript_conflict(old)
    assert problem is not None and "started this role-play again" in problem
    assert "kept as roleplay_john.attempt-1.json" in problem
    with pytest.raises(TranscriptError, match="started this role-play again"):
        old.respond("What brings you in today?")
    assert not path.exists()
    new.respond("b")  # the fresh session writes the graded file
    assert load_transcript(path)["turns"] == [{"turn": "welcome", "input": "b"}]
    old.start_again()  # an old window that starts again is a fresh session too: it keeps new's file aside
    old.respond("c")
    assert load_transcript(path)["turns"] == [{"turn": "welcome", "input": "c"}]
    assert load_transcript(tmp_path / "roleplay_john.attempt-2.json")["turns"][0]["input"] == "b"


def test_a_resumed_window_that_never_wrote_is_told_when_another_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    play(path, GOOD_INPUTS[:2])
    old, new = open_session("john", transcript_path=path), open_session("john", transcript_path=path)
    new.start_again()
    with pytest.raises(TranscriptError, match="roleplay_john.attempt-1.json"):
        old.respond(GOOD_INPUTS[2])
    new.respond("a")
    new.respond("What brings you in today?")
    assert len(load_transcript(path)["turns"]) == 2


def test_one_window_starting_again_twice_is_never_told_off(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    play(path, ["a"])
    rp = open_session("john", transcript_path=path)  # the cell run again: resumed, never written
    rp.start_again()
    rp.respond("a")  # the same first choice as the kept attempt: still its own fresh session
    rp.start_again()
    rp.end()
    assert load_transcript(path)["ended_by_student"] and len(kept_attempts(path)) == 2
