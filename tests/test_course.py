"""Unit tests of the nbgrader wrappers, the demo cohort builder and the class report."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from rapportkit.instructor import demo, figures
from rapportkit.instructor.cli import build_parser, main
from rapportkit.nbgrader import commands
from tests.conftest import REPO


def test_assignments_lists_solution_folders():
    assert "01_trust" in commands.assignments(REPO)


def test_nbgrader_env_puts_the_venv_first_on_path():
    import sys

    env = commands.nbgrader_env()
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"cells": [ oops', "broken JSON at line 1, column 13"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", "binary data at byte"),
        (b'{"nbformat": 4, "nbformat_minor": 5}', "not a valid notebook"),
        (b"[1, 2]", "not a valid notebook"),
    ],
)
def test_check_notebook_file_says_what_is_wrong(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "01_trust.ipynb"
    path.write_bytes(content)
    problem = commands.check_notebook_file(path)
    assert problem is not None and problem.startswith("01_trust.ipynb: ") and expected in problem


def test_check_notebook_file_accepts_a_release_and_reports_a_missing_file(tmp_path: Path):
    assert commands.check_notebook_file(REPO / "exercises" / "01_trust" / "01_trust.ipynb") is None
    assert "cannot be read" in commands.check_notebook_file(tmp_path / "gone.ipynb")


def test_step_result_reason_picks_the_last_exception():
    log = "[X | INFO] start\nTraceback...\n    ValueError: first\nnbformat.reader.NotJSONError: the real one\n"
    assert commands.StepResult(("autograde",), 1, log).reason() == "nbformat.reader.NotJSONError: the real one"
    assert commands.StepResult(("x",), 3, "[A | ERROR] it broke").reason() == "it broke"
    assert commands.StepResult(("x",), 3, "").reason() == "exit code 3"


def test_fill_replaces_answer_cells_only():
    release = REPO / "exercises" / "01_trust" / "01_trust.ipynb"
    nb = demo.fill(release, {"q1_answer": 'answer_q1 = "b"'})
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells}
    assert cells["q1_answer"].source == 'answer_q1 = "b"'
    assert cells["q2_answer"].source.splitlines()[-1] == 'answer_q2 = ""'  # the empty answer the release holds
    original = nbformat.read(release, as_version=4)
    assert [c.source for c in original.cells if c.metadata["nbgrader"]["grade_id"] != "q1_answer"] == [
        c.source for c in nb.cells if c.metadata["nbgrader"]["grade_id"] != "q1_answer"
    ]


def test_build_submissions_writes_one_file_per_student(tmp_path: Path):
    from tests.conftest import copy_course

    root = copy_course(tmp_path / "c")
    cohort = REPO / "tests" / "data" / "cohort" / "01_trust.yaml"
    qualities = demo.build_submissions(cohort, root)
    files = sorted(p.name for p in (root / "downloaded" / "01_trust" / "archive").iterdir())
    spec = demo.load_cohort(cohort)["students"]
    expected = [f"{s}__01_trust.ipynb" for s in qualities]
    expected += [f"{s}__{name}" for s in qualities for name in (spec[s].get("transcripts") or {})]
    assert files == sorted(expected)
    assert "demo_complete__roleplay_john.json" in files
    assert commands.check_notebook_file(root / "downloaded/01_trust/archive/demo_broken__01_trust.ipynb")
    complete = nbformat.read(root / "downloaded/01_trust/archive/demo_complete__01_trust.ipynb", 4)
    assert not any("BEGIN SOLUTION" in c.source for c in complete.cells)


@pytest.mark.nbgrader
def test_report_needs_a_gradebook_and_graded_submissions(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with pytest.raises(FileNotFoundError, match="no gradebook at"):
        figures.plot_item_distribution(db, "01_trust", tmp_path / "x.png")
    from nbgrader.api import Gradebook

    commands.ensure_tools_on_path()
    with Gradebook(db) as gb:
        gb.add_assignment("01_trust")
    with pytest.raises(ValueError, match="no graded submissions"):
        figures.plot_item_distribution(db, "01_trust", tmp_path / "x.png")


def test_cli_parser_knows_the_instructor_commands():
    args = build_parser().parse_args(["course", "demo", "--cohort", "cohort.yaml"])
    assert args.func.__name__ == "cmd_demo"
    args = build_parser().parse_args(["course", "generate", "01_trust"])
    assert args.assignments == ["01_trust"]


def test_commands_work_on_the_course_folder_they_are_given_or_run_in(tmp_path: Path, capsys, monkeypatch):
    """The course is the folder holding nbgrader_config.py, as nbgrader assumes: here, or --course-dir."""


    assert main(["course", "export", "--course-dir", str(tmp_path)]) == 2
    assert f"{tmp_path} is not a course folder: it has no nbgrader_config.py" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert main(["course", "report", "01_trust"]) == 2  # no --course-dir: the current folder, which is not one
    assert "is not a course folder" in capsys.readouterr().err
    assert commands.course_folder(REPO) == REPO.resolve()


def test_a_new_course_needs_the_instructor_only_package_and_an_empty_folder(tmp_path: Path, capsys):
    """The course (with its answer keys) is not in rapportkit: without rapportlab-course, `new` says how to get it."""
    assert main(["course", "new", str(tmp_path / "c")]) == 2
    assert "instructor-only package rapportlab-course" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    assert main(["course", "new", str(tmp_path / "full")]) == 2
    assert "already exists and is not an empty folder" in capsys.readouterr().err
