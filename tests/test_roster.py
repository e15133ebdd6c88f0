"""The class list: read with clear errors, imported into a real nbgrader gradebook, kept in step with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from rapportkit.instructor.cli import main
from rapportkit.instructor.roster import RosterError, read_roster, sync_roster

ROSTER = """id,first_name,last_name,email,lms_id
ana_lima,Ana,Lima,ana@uni.example,12345
ben_okafor,Ben,Okafor,ben@uni.example,12346
"""


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_roster_is_read_with_its_columns(tmp_path: Path):
    (ana, ben) = read_roster(write(tmp_path, "\ufeff" + ROSTER))  # a spreadsheet's byte-order mark is fine
    assert (ana.id, ana.first_name, ana.last_name, ana.email, ana.lms_id) == (
        "ana_lima", "Ana", "Lima", "ana@uni.example", "12345")
    assert ben.lms_id == "12346"
    (only,) = read_roster(write(tmp_path, "id\ncai\n", "ids.csv"))  # only the id is required
    assert only.first_name == "" and only.lms_id == ""


@pytest.mark.parametrize(("text", "message"), [
    ("name,email\nAna,a@x\n", "roster.csv:1: no 'id' column"),
    ("id,email\n,a@x\n", "roster.csv:2: column 'id' is empty"),
    ("id\nana lima\n", "roster.csv:2: column 'id' is 'ana lima': use letters, digits"),
    ("id\nana\nben\nana\n", "roster.csv:4: column 'id' repeats 'ana' (first on line 2)"),
])
def test_a_mistake_is_named_with_file_line_and_column(tmp_path: Path, text: str, message: str):
    with pytest.raises(RosterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_roster(write(tmp_path, text))


@pytest.mark.nbgrader  # a real gradebook: its migration runs alembic
def test_importing_adds_updates_and_names_who_the_roster_lacks(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db) as gb:
        gb.update_or_create_student("dropped_out", first_name="Dee")
        gb.update_or_create_student("ben_okafor", first_name="Benjamin")
    done = sync_roster(read_roster(write(tmp_path, ROSTER)), db)
    assert done.added == ["ana_lima"] and done.updated == ["ben_okafor"] and done.only_in_gradebook == ["dropped_out"]
    with Gradebook(db) as gb:
        ana = gb.find_student("ana_lima")
        assert (ana.email, ana.lms_user_id) == ("ana@uni.example", "12345")
        assert gb.find_student("ben_okafor").first_name == "Ben"
    again = sync_roster(read_roster(write(tmp_path, ROSTER)), db)  # kept in step: nothing to change
    assert again.unchanged == ["ana_lima", "ben_okafor"] and not again.added and not again.updated


@pytest.mark.nbgrader
def test_the_command_imports_and_reports(tmp_path: Path, capsys):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert main(["course", "roster", str(write(tmp_path, ROSTER)), "--course-dir", str(tmp_path)]) == 0
    assert "2 students; 2 added, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert main(["course", "roster", str(write(tmp_path, "id\nana lima\n", "bad.csv")),
                 "--course-dir", str(tmp_path)]) == 1
    assert "bad.csv:2: column 'id'" in capsys.readouterr().err
