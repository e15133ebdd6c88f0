"""The same role-play transcript handed in by several students is named for the instructor (not penalised).

Transcripts here are played with the real engine (``demo.write_transcript``), as students' widgets write them.
The real batch (``rapportkit course`` and ``course report``) is checked in ``tests/test_cheats.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rapportkit.instructor import batch, demo
from rapportkit.nbgrader.judge import MIN_TYPED_REPLIES, transcript_copies

NAME = "roleplay_john.json"
GOOD = ["a", "It sounds like it took a lot to walk in here today.", "explain",
        "So you're worried your friends would see you as weak if they knew.", "both_sides",
        "What has been happening between you and Claire?",
        "How do you hope things will be by the end of our work together?", "summarise"]
OTHER = ["b", "explain", "Why would they even find out?", "argue", "You should talk to her more.",
         "Are you hopeful?", "homework"]
# Two typed replies, then the buttons: a short session many students could play alike by chance.
SHORT = ["a", "It sounds like it took a lot to walk in here today.", "explain", "Tell me more.", "both_sides"]


def hand_in(root: Path, student: str, turns: list[str], name: str = NAME) -> Path:
    folder = root / student
    folder.mkdir(parents=True, exist_ok=True)
    return demo.write_transcript("john", turns, folder / name)


def folders(root: Path) -> dict[str, Path]:
    return {p.name: p for p in root.iterdir() if p.is_dir()}


def test_the_same_inputs_are_named_with_the_students_and_the_file(tmp_path: Path) -> None:
    hand_in(tmp_path, "bob", GOOD)
    hand_in(tmp_path, "alice", GOOD)  # played the same: byte for byte the same file
    hand_in(tmp_path, "dave", OTHER)
    hand_in(tmp_path, "erin", OTHER[:2] + ["Why would they even find out?"])  # not the same session as dave's
    (copies,) = transcript_copies(folders(tmp_path))
    assert copies.file == NAME and copies.students == ("alice", "bob") and copies.typed == 4
    assert copies.finding == f"{NAME}: the same inputs from alice, bob (4 typed replies; identical files)"


def test_spacing_and_capitals_are_set_aside(tmp_path: Path) -> None:
    hand_in(tmp_path, "alice", GOOD)
    retyped = [t if len(t) < 12 else "  " + t.upper().replace(" ", "   ") + " " for t in GOOD]
    hand_in(tmp_path, "carol", retyped)
    (copies,) = transcript_copies(folders(tmp_path))
    assert copies.students == ("alice", "carol")
    assert copies.finding.endswith("(4 typed replies; the same apart from spacing or capitals)")


def test_the_same_words_in_files_that_differ(tmp_path: Path) -> None:
    hand_in(tmp_path, "alice", GOOD)
    edited = hand_in(tmp_path, "mallory", GOOD)
    data = json.loads(edited.read_text(encoding="utf-8"))
    data["claims"]["final_rapport"] = 100  # claims edited: the inputs are still alice's
    edited.write_text(json.dumps(data), encoding="utf-8")
    (copies,) = transcript_copies(folders(tmp_path))
    assert copies.how == "the same words, in files that differ" and copies.students == ("alice", "mallory")


def test_short_sessions_attempts_other_files_and_links_are_not_compared(tmp_path: Path) -> None:
    assert MIN_TYPED_REPLIES == 3
    hand_in(tmp_path, "alice", SHORT)
    hand_in(tmp_path, "bob", SHORT)  # two typed replies and the buttons: alike by chance, not named
    hand_in(tmp_path, "alice", GOOD, name="roleplay_john.attempt-1.json")  # kept attempts are not graded
    hand_in(tmp_path, "bob", GOOD, name="roleplay_john.attempt-1.json")
    hand_in(tmp_path, "carol", GOOD, name="notes.json")  # another file name: another hand-in
    hand_in(tmp_path, "dave", GOOD)
    (tmp_path / "erin").mkdir()
    os.symlink(tmp_path / "dave" / NAME, tmp_path / "erin" / NAME)  # a link is not a hand-in
    (tmp_path / "frank").mkdir()
    (tmp_path / "frank" / NAME).write_text("{not json", encoding="utf-8")
    assert transcript_copies(folders(tmp_path)) == []


def test_the_class_report_compares_every_submission_of_the_assignment(tmp_path: Path) -> None:
    submitted = tmp_path / "submitted"
    for student, turns in (("ana", GOOD), ("ben", OTHER), ("cy", GOOD)):
        hand_in(submitted / student, "01_trust", turns)
    hand_in(submitted / "dee", "02_empathy", GOOD)  # another assignment
    (copies,) = batch.shared_transcripts("01_trust", tmp_path)
    assert copies.students == ("ana", "cy")
