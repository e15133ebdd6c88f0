"""Gradebook files for Canvas, Moodle and Blackboard, checked against the rules their import documentation gives."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rapportkit.nbgrader.lms import LMS_FORMATS, GradeTable, write

TABLE = GradeTable(
    steps=["00_orientation", "01_trust"],
    step_points={"00_orientation": 25, "01_trust": 20.5},
    skills=["open_questions"],
    rows=[
        {"student_id": "ana", "first_name": "Ana", "last_name": "Lima, Jr", "email": "ana@uni.example",
         "lms_user_id": "12345", "step:00_orientation": 20.5, "step:01_trust": 18, "skill:open_questions": 87.5},
        {"student_id": "ben", "first_name": "", "last_name": "", "email": "", "lms_user_id": "",
         "step:00_orientation": 7, "step:01_trust": "", "skill:open_questions": ""},
    ],
)


def read(lms: str, tmp_path: Path) -> list[list[str]]:
    path = write(lms, TABLE, tmp_path / f"{lms}.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_canvas_has_its_student_columns_a_points_possible_row_and_new_assignment_columns(tmp_path: Path):
    rows = read("canvas", tmp_path)
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1][0] == "Points Possible" and rows[1][5:] == ["25", "20.5", "100"]
    # A column without "(id)" after its name makes a new assignment on import.
    assert rows[0][5:] == ["Rapport Lab 00_orientation", "Rapport Lab 01_trust", "Rapport Lab skill open questions (%)"]
    assert not any(title.endswith(")") and "(" in title and title.split("(")[-1][:-1].isdigit() for title in rows[0])
    assert rows[2][:4] == ["Lima, Jr, Ana", "12345", "ana", "ana@uni.example"]
    assert rows[3][:3] == ["ben", "", "ben"]  # matched on the SIS User ID when there is no name or LMS id
    assert rows[3][5:] == ["7", "", ""]  # nothing handed in: blank, so Canvas keeps the grade it has


def test_moodle_has_an_identifier_to_map_and_one_column_per_grade_item(tmp_path: Path):
    rows = read("moodle", tmp_path)
    assert rows[0][:4] == ["First name", "Last name", "ID number", "Email address"]
    ids = [r[2] for r in rows[1:]]
    assert len(set(ids)) == len(ids) == 2  # "Identify user by ID number" finds each student once
    assert rows[1][4:] == ["20.5", "18", "87.5"]


def test_blackboard_quotes_every_value_and_names_points_in_each_new_column(tmp_path: Path):
    path = write("blackboard", TABLE, tmp_path / "bb.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(lines))
    # Every value in quotes: the line is the values, each quoted, joined by commas.
    assert lines[1] == ",".join(f'"{value}"' for value in rows[1])
    assert rows[0][:4] == ["Last Name", "First Name", "Username", "Student ID"]
    assert rows[0][4] == "Rapport Lab 00_orientation [Total Pts: 25 Score]"
    assert "|" not in "".join(rows[0])  # no column id: each becomes a new Grade Center column
    assert rows[1][2] == "12345" and rows[2][2] == "ben"  # Username: the LMS id, else the course id


def test_an_unknown_lms_is_named(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown LMS 'sakai'; expected one of: " + ", ".join(LMS_FORMATS)):
        write("sakai", TABLE, tmp_path / "x.csv")
