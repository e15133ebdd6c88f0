"""The student's progress view, from their own saved work."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from rapportkit.answers import notebook_answers, read_answer_cell
from rapportkit.instructor import demo
from rapportkit.progress import session_figures, show_progress, step_profiles
from rapportkit.skills import analyse
from tests.conftest import REPO


def test_answer_cells_are_read_as_plain_data_only():
    values = read_answer_cell('a = "b"\nc = {"x", "y"}\nh = [1, {"k": 2}]')[0]
    assert values == {"a": "b", "c": {"x", "y"}, "h": [1, {"k": 2}]}
    # A cell that runs code gives no answers at all, as when it is graded.
    values, problem, names = read_answer_cell('a = "b"\nd = open("/etc/passwd").read()')
    assert values == {} and "not plain data" in problem and names == {"a", "d"}
    assert read_answer_cell("this is not python(")[0] == {}


def test_notebook_answers_reads_answer_cells_not_other_cells():
    answers = notebook_answers(REPO / "exercises" / "01_trust" / "01_trust.ipynb")
    # The release holds empty answers only: blank replies and choices, labels with only their letters.
    assert answers and all(not re.sub(r"(?m)^[a-z]:$", "", v).strip() for v in answers.values())
    sol = notebook_answers(REPO / "solutions" / "01_trust" / "01_trust.ipynb")
    assert sol["answer_q1"] == "b" and isinstance(sol["reply_q4"], str)


@pytest.fixture()
def student_folder(tmp_path: Path) -> Path:
    work = tmp_path / "exercises" / "01_trust"
    shutil.copytree(REPO / "exercises" / "01_trust", work)
    answers = demo._solution_sources(REPO / "solutions" / "01_trust" / "01_trust.ipynb")
    nbformat.write(demo.fill(work / "01_trust.ipynb", answers), work / "01_trust.ipynb")
    demo.write_transcript("john", ["a", "It sounds like it took a lot to walk in here today.", "explain"],
                          work / "roleplay_john.json")
    return tmp_path


def test_step_profiles_count_replies_and_transcripts(student_folder: Path):
    profiles = step_profiles(student_folder)
    assert list(profiles) == ["01_trust"]
    row = profiles["01_trust"]
    assert row["complex reflections"] + row["simple reflections"] >= 2
    assert row["open questions"] >= 1
    assert 0 < row["best rapport"] <= 100


def test_earlier_attempts_kept_by_start_again_are_not_counted(student_folder: Path):
    before = step_profiles(student_folder)["01_trust"]
    work = student_folder / "exercises" / "01_trust"
    # A longer, better earlier attempt, kept by "Start again": progress shows what will be graded, not it.
    demo.write_transcript("john", ["a", "It sounds like it took a lot to walk in here today.", "explain",
                                   "So you're worried your friends would see you as weak if they knew."],
                          work / "roleplay_john.attempt-1.json")
    assert step_profiles(student_folder)["01_trust"] == before
    (work / "roleplay_john.attempt-1.json").rename(work / "roleplay_john.json")
    assert step_profiles(student_folder)["01_trust"] != before  # the same file, as the graded one, counts


def test_an_empty_folder_has_no_profile_and_says_so(tmp_path: Path, capsys):
    assert step_profiles(tmp_path) == {}
    assert show_progress(tmp_path) is None
    assert "No saved exercise work found" in capsys.readouterr().out


def test_instructor_folders_are_never_counted_as_the_students_work(tmp_path: Path):
    shutil.copytree(REPO / "solutions" / "01_trust", tmp_path / "solutions" / "01_trust")
    assert step_profiles(tmp_path) == {}


def test_show_progress_draws_one_group_per_step(student_folder: Path):
    fig = show_progress(student_folder)
    bars_ax, rapport_ax = fig.axes
    assert [t.get_text() for t in bars_ax.get_xticklabels()] == ["01_trust"]
    assert len(rapport_ax.patches) == 1


def test_session_figures_cite_each_turn_and_the_miti_bands(tmp_path: Path):
    """A self-critique cites the student's own figures: every reply read, then the ratio and share against MITI."""
    scenario = REPO / "solutions" / "05_capstone" / "maya.yaml"
    turns = ["Welcome, Maya. How was the journey in, after a night shift?", "How are you feeling today?", "explain",
             "It sounds like you've been holding it together for everyone at work."]
    demo.write_transcript(scenario, turns, tmp_path / "roleplay_maya.json")
    text = session_figures(tmp_path / "roleplay_maya.json", scenario)
    assert "turn 3 (a button): " in text
    assert "turn 4: " in text and "reflection" in text.split("turn 4: ")[1].splitlines()[0]
    assert "Questions: 3 (2 open, 1 closed). Reflections: 1" in text
    assert "Reflection-to-question ratio: 0.3 : 1, below fair (MITI 4.2.1: 1:1 fair, 2:1 good)" in text
    assert session_figures(tmp_path / "missing.json", scenario).startswith("No figures: ")


def test_costly_wording_is_counted_alike_in_replies_and_role_plays(tmp_path: Path):
    """A self-disclosure that stays on the trainee costs rapport in a role-play exactly as in a written reply."""
    work = tmp_path / "exercises" / "01_trust"
    work.mkdir(parents=True)
    story = "I went through a divorce myself and it was awful, I cried for months and my lawyer was useless."
    demo.write_transcript("john", ["a", story], work / "roleplay_john.json")
    counted = step_profiles(tmp_path)["01_trust"]["wording that costs rapport"]
    assert counted >= len(analyse(story).problems) >= 1
