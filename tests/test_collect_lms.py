"""Collecting an LMS download through real nbgrader: Canvas (zipped, with a late resubmission), Moodle (folders)
and Blackboard names, against the roster; every file accounted for, the LMS's times kept."""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat
import pytest

from rapportkit.instructor import demo
from rapportkit.instructor.cli import main
from rapportkit.nbgrader import commands
from tests.conftest import REPO, copy_course

pytestmark = pytest.mark.nbgrader
ASSIGNMENT = "01_trust"
ROSTER = """id,first_name,last_name,email,lms_id
jane_smith,Jane,Smith,jane@uni.example,12345
jo_doe,Jo,Doe,jo@uni.example,jdoe
ana_lima,Ana,Lima,ana@uni.example,
ben_ng,Ben,Ng,ben@uni.example,
"""


def notebook(root: Path) -> bytes:
    answers = demo._solution_sources(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return nbformat.writes(demo.fill(root / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", answers)).encode()


def course_with_roster(tmp_path: Path) -> Path:
    """A copy of the course with the assignment generated and ROSTER imported."""
    root = copy_course(tmp_path / "course")
    assert commands.generate(ASSIGNMENT, root).ok
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert main(["course", "roster", str(tmp_path / "roster.csv"), "--course-dir", str(root)]) == 0
    return root


def test_a_mixed_download_is_collected_file_by_file(tmp_path: Path, capsys):
    root = course_with_roster(tmp_path)
    nb = notebook(root)
    download = tmp_path / "download"
    (download / "Ana Lima_77_assignsubmission_file_").mkdir(parents=True)
    (download / "Ana Lima_77_assignsubmission_file_" / f"{ASSIGNMENT}.ipynb").write_bytes(nb)
    (download / "Zoe Quinn_78_assignsubmission_file_01_trust.ipynb").write_bytes(nb)  # not in the roster
    with zipfile.ZipFile(download / "submissions.zip", "w") as z:
        z.writestr(zipfile.ZipInfo("smithjane_12345_1_01_trust.ipynb", (2026, 11, 1, 9, 0, 0)), nb)
        z.writestr(zipfile.ZipInfo("smithjane_LATE_12345_2_01_trust-1.ipynb", (2026, 11, 3, 17, 30, 0)), nb)
        z.writestr(zipfile.ZipInfo("smithjane_12345_2_notes.txt", (2026, 11, 3, 17, 30, 0)), b"notes")
    (download / "Trust_jdoe_attempt_2026-11-02-08-00-00_01_trust.ipynb").write_bytes(nb)
    capsys.readouterr()
    code = main(["course", "collect", ASSIGNMENT, "--zip", str(download), "--course-dir", str(root)])
    out, err = capsys.readouterr()
    assert code == 1, out + err  # two files left over: the run says so
    lines = {line.split("  ", 1)[0].strip(): line for line in out.splitlines()}
    assert "collected for jane_smith (late (the LMS says); the newest of 2)" in lines[
        "submissions.zip:smithjane_LATE_12345_2_01_trust-1.ipynb"]
    assert "a duplicate of a newer file for jane_smith" in lines["submissions.zip:smithjane_12345_1_01_trust.ipynb"]
    assert "not a notebook or a role-play transcript" in lines["submissions.zip:smithjane_12345_2_notes.txt"]
    assert "collected for ana_lima" in lines[f"Ana Lima_77_assignsubmission_file_/{ASSIGNMENT}.ipynb"]
    assert "collected for jo_doe" in lines[f"Trust_jdoe_attempt_2026-11-02-08-00-00_{ASSIGNMENT}.ipynb"]
    assert "matches no student of the roster" in lines["Zoe Quinn_78_assignsubmission_file_01_trust.ipynb"]
    assert "nothing handed in by 1 of the roster: ben_ng" in out
    submitted = root / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["ana_lima", "jane_smith", "jo_doe"]
    # The LMS's times are nbgrader's submission timestamps.
    assert (submitted / "jane_smith" / ASSIGNMENT / "timestamp.txt").read_text().startswith("2026-11-03 17:30:00")
    assert (submitted / "jo_doe" / ASSIGNMENT / "timestamp.txt").read_text().startswith("2026-11-02 08:00:00")


def test_an_older_copy_is_accounted_for_and_files_without_a_time_are_counted(tmp_path: Path, capsys):
    root = course_with_roster(tmp_path)
    nb = notebook(root)
    download = tmp_path / "download"
    download.mkdir()
    with zipfile.ZipFile(download / "submissions.zip", "w") as z:
        z.writestr(zipfile.ZipInfo("smithjane_12345_1_01_trust.ipynb", (2026, 11, 1, 9, 0, 0)), nb)
        z.writestr(zipfile.ZipInfo("smithjane_12345_2_01_trust-1.ipynb", (2026, 11, 2, 9, 0, 0)), nb)
    (download / f"ana_lima__{ASSIGNMENT}.ipynb").write_bytes(nb)  # put in by hand: no time
    capsys.readouterr()
    code = main(["course", "collect", ASSIGNMENT, "--zip", str(download), "--course-dir", str(root)])
    out, err = capsys.readouterr()
    assert code == 0, out + err  # the older copy is accounted for: nothing is left over
    assert "a duplicate of a newer file for jane_smith" in out
    assert "1 file(s) collected without a time" in out and "not collected: see why" not in err
