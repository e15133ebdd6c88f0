"""LMS downloads read file by file: every file is collected for a roster student or named with the reason why not."""

from __future__ import annotations

from datetime import datetime

from rapportkit.instructor.lms_download import decide, read_name
from rapportkit.instructor.roster import RosterStudent as Student

ROSTER = [Student("jane_smith", "Jane", "Smith", lms_id="12345"), Student("jo_doe", "Jo", "Doe", lms_id="jdoe"),
          Student("ana_lima", "Ana", "Lima", lms_id="4242"), Student("ben_ng", "Ben", "Ng")]
EXPECTED = {"01_trust.ipynb", "roleplay_john.json"}
OTHERS = {"02_empathy.ipynb"}


def test_each_lms_layout_is_read_from_the_file_name():
    canvas = read_name("smithjane_12345_678901_01_trust.ipynb")
    assert (canvas.layout, canvas.lms_user, canvas.name, canvas.file, canvas.late) == (
        "canvas", "12345", "smithjane", "01_trust.ipynb", False)
    late = read_name("smithjane_LATE_12345_678902_01_trust-1.ipynb")
    assert (late.late, late.attempt, late.file) == (True, 1, "01_trust.ipynb")
    moodle = read_name("Jane Smith_4567_assignsubmission_file_01_trust.ipynb")
    assert (moodle.layout, moodle.name, moodle.file) == ("moodle", "Jane Smith", "01_trust.ipynb")
    folder = read_name("Jane Smith_4567_assignsubmission_file_/roleplay_john.json")
    assert (folder.layout, folder.name, folder.file) == ("moodle", "Jane Smith", "roleplay_john.json")
    bb = read_name("01 Trust_jdoe_attempt_2026-11-30-09-15-00_01_trust.ipynb")
    assert (bb.layout, bb.lms_user, bb.timestamp) == ("blackboard", "jdoe", datetime(2026, 11, 30, 9, 15))
    ours = read_name("ana_lima__01_trust.ipynb")
    assert (ours.layout, ours.lms_user, ours.file) == ("rapportkit", "ana_lima", "01_trust.ipynb")
    assert read_name("my homework.ipynb").layout is None


def test_every_file_is_collected_for_someone_or_named_with_why_not():
    files = [
        read_name("smithjane_12345_678901_01_trust.ipynb", datetime(2026, 11, 1, 10)),  # an earlier attempt
        read_name("smithjane_12345_678999_01_trust-1.ipynb", datetime(2026, 11, 2, 10)),  # resubmitted: the newest
        read_name("doejo_LATE_99999_1_01_trust.ipynb"),  # an unknown Canvas id, matched on the name
        read_name("Ana Lima_77_assignsubmission_file_01_trust.ipynb"),
        read_name("Ana Lima_77_assignsubmission_onlinetext_onlinetext.html"),
        read_name("Zoe Quinn_78_assignsubmission_file_01_trust.ipynb"),  # not on the roster
        read_name("01 Trust_ben_ng_attempt_2026-11-30-09-15-00_02_empathy.ipynb"),  # another assignment
        read_name("essay.docx"),
    ]
    by_path = {d.path: d for d in decide(files, ROSTER, EXPECTED, OTHERS)}
    assert len(by_path) == len(files)  # nothing skipped silently
    newest = by_path["smithjane_12345_678999_01_trust-1.ipynb"]
    assert (newest.student, newest.note) == ("jane_smith", "the newest of 2")
    older = by_path["smithjane_12345_678901_01_trust.ipynb"]
    assert older.student is None and older.why.startswith("a duplicate of a newer file for jane_smith")
    jo = by_path["doejo_LATE_99999_1_01_trust.ipynb"]
    assert (jo.student, jo.note) == ("jo_doe", "late (the LMS says)")
    assert by_path["Ana Lima_77_assignsubmission_file_01_trust.ipynb"].student == "ana_lima"
    assert "not a notebook or a role-play transcript" in by_path[
        "Ana Lima_77_assignsubmission_onlinetext_onlinetext.html"].why
    assert "matches no student of the roster (by name: 'Zoe Quinn')" in by_path[
        "Zoe Quinn_78_assignsubmission_file_01_trust.ipynb"].why
    assert "another assignment's file (02_empathy.ipynb)" in by_path[
        "01 Trust_ben_ng_attempt_2026-11-30-09-15-00_02_empathy.ipynb"].why
    assert "matches no LMS download layout" in by_path["essay.docx"].why


def test_two_students_of_one_name_are_not_guessed_between():
    twins = [Student("sam_1", "Sam", "Lee"), Student("sam_2", "Sam", "Lee")]
    (d,) = decide([read_name("Sam Lee_5_assignsubmission_file_01_trust.ipynb")], twins, EXPECTED)
    assert d.student is None and "matches more than one student (sam_1, sam_2, by name)" in d.why


def test_without_a_roster_the_kits_own_names_are_taken_as_they_are():
    (d,) = decide([read_name("new_student__01_trust.ipynb")], [], EXPECTED, open_roster=True)
    assert d.student == "new_student"
    (d,) = decide([read_name("new_student__01_trust.ipynb")], ROSTER, EXPECTED)
    assert d.student is None and "matches no student" in d.why


def test_a_file_in_a_zip_is_read_by_its_name_and_reported_by_where_it_is():
    """Two zips may hold a member of one name: each is read by its name and reported as archive:member."""
    first = read_name("week1.zip:smithjane_12345_1_01_trust.ipynb", datetime(2026, 11, 1),
                      name="smithjane_12345_1_01_trust.ipynb")
    second = read_name("week2.zip:smithjane_12345_1_01_trust.ipynb", datetime(2026, 11, 2),
                       name="smithjane_12345_1_01_trust.ipynb")
    assert (first.layout, first.lms_user) == ("canvas", "12345")
    assert first.path == "week1.zip:smithjane_12345_1_01_trust.ipynb"
    by_path = {d.path: d for d in decide([first, second], ROSTER, EXPECTED)}
    assert by_path[second.path].student == "jane_smith" and by_path[first.path].student is None
