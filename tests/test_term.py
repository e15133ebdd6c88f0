"""A term through real nbgrader: 30 students, three assignments, Canvas and Moodle downloads.

The downloads hold a late submission, one within its extension, one within the grace minutes, a resubmission, a
misnamed file, another assignment's file, a file that is not a notebook, an unknown student and students who hand in
nothing. The instructor's commands run as a lecturer would type them: roster, collect --zip, autograde, a manual
grade in the gradebook (as the formgrader writes it), a fixed answer key and a new extension, regrade, feedback,
export. Every file and every student is accounted for; every grade is checked to the point.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from rapportkit.instructor import demo
from rapportkit.instructor.cli import main
from rapportkit.nbgrader import commands, judge
from tests.conftest import copy_course

pytestmark = pytest.mark.nbgrader

FIRST = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jin", "Kai", "Lea", "Max", "Nia", "Oto",
         "Pia", "Quin", "Rae", "Sol", "Tom", "Uma", "Vic", "Wen", "Xia", "Yan", "Zoe", "Abe", "Bea", "Cy", "Dee"]
LAST = ["Lima", "Ng", "Ortiz", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Ueda", "Vance", "Wolfe", "Xu", "Young",
        "Zhou", "Adams", "Baker", "Cohen", "Diaz", "Evans", "Fox", "Gray", "Hill", "Ito", "Jones", "King", "Lopez",
        "Moss", "Nash", "Owen", "Park"]
STUDENTS = [(f"s{i + 1:02d}", FIRST[i], LAST[i], str(1001 + i)) for i in range(30)]
BY_ID = {sid: (first, last, lms) for sid, first, last, lms in STUDENTS}

TRUST, ORIENT, EMPATHY = "01_trust", "00_orientation", "02_empathy"
KEY = 'correct=\\"b\\", points=1'  # 01_trust q1's answer key, as the notebook's JSON holds it
TYPO = 'correct=\\"d\\", points=1'  # the mistake the instructor fixes mid-term
# 01_trust q1: most of the class chose (a), wrong under either key; these chose (b), the right answer.
RIGHT_Q1 = {"s01", "s02", "s03", "s04", "s11", "s12"}
SETTINGS = """
# --- this term (test) ---
c.LateWork.timezone = "Europe/London"
c.LateWork.due_dates = {"01_trust": "2026-10-05 17:00", "00_orientation": "2026-10-12 17:00",
                        "02_empathy": "2026-10-19 17:00"}
c.LateWork.per = "day"
c.LateWork.percent = 10
c.LateWork.cap_percent = 50
c.LateWork.grace_minutes = 15
"""


def canvas_name(sid: str, file: str, sub: int = 1, late: bool = False) -> str:
    first, last, lms = BY_ID[sid]
    return f"{(last + first).lower()}{'_LATE' if late else ''}_{lms}_{sub}_{file}"


def moodle_folder(sid: str) -> str:
    first, last, _ = BY_ID[sid]
    return f"{first} {last}_{int(sid[1:]) + 500}_assignsubmission_file_"


def entry(name: str, when: tuple[int, ...]) -> zipfile.ZipInfo:
    return zipfile.ZipInfo(name, when)


def answered(root: Path, assignment: str, **changes: str) -> bytes:
    """The released notebook filled in with the instructor's answers, some changed."""
    answers = demo._solution_sources(root / "solutions" / assignment / f"{assignment}.ipynb")
    answers.update(changes)
    nb = demo.fill(root / "exercises" / assignment / f"{assignment}.ipynb", answers)
    return nbformat.writes(nb).encode()


def q1(answer: str) -> str:
    return f'answer_q1 = "{answer}"'


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["course", *args])
    out, err = capsys.readouterr()
    return code, out, err


def outcome_lines(out: str, download: list[str]) -> dict[str, str]:
    """What collect said about each downloaded file (its table has the file, two spaces, then the outcome)."""
    found = {}
    for line in out.splitlines():
        for name in download:
            if line.startswith(name + "  "):
                found[name] = line[len(name):].strip()
    return found


def raw_points(root: Path, assignment: str, notebook: bytes) -> float:
    """What the course's tests give a notebook, judged without nbgrader (the reference for exact grades)."""
    source = root / "solutions" / assignment
    tests = judge.source_notebook_tests(nbformat.read(source / f"{assignment}.ipynb", as_version=4))
    points = judge.judged_points(nbformat.reads(notebook.decode(), as_version=4), tests, None, source)
    return sum(p or 0.0 for p in points.values())


def max_points(root: Path, assignment: str) -> float:
    nb = nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    return sum(float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade"))


def grades(root: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """``{student: (score before the penalty, penalty)}`` from the gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: (round(s.score, 4), round(float(s.late_submission_penalty or 0), 4))
                for s in gb.find_assignment(assignment).submissions}


def test_a_term_every_file_and_student_accounted_for_grades_exact(tmp_path: Path, capsys):
    root = copy_course(tmp_path / "course")
    with open(root / "grader_config.py", "a", encoding="utf-8") as fh:
        fh.write(SETTINGS)
    source = root / "solutions" / TRUST / f"{TRUST}.ipynb"
    assert KEY in source.read_text(encoding="utf-8")
    source.write_text(source.read_text(encoding="utf-8").replace(KEY, TYPO), encoding="utf-8")
    for assignment in (TRUST, ORIENT, EMPATHY):
        assert commands.generate(assignment, root).ok
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email", "lms_id"])
        writer.writerows([sid, first, last, f"{sid}@uni.example", lms] for sid, first, last, lms in STUDENTS)
    (root / "extensions.csv").write_text("id,assignment,extension,reason\ns03,01_trust,3 days,illness\n",
                                         encoding="utf-8")
    code, out, err = run(capsys, "roster", str(roster), "--course-dir", str(root))
    assert code == 0 and "30 students; 30 added" in out, out + err

    # --- 01_trust: a Canvas zip. Due Mon 5 Oct 17:00 London time (BST, 16:00 UTC). ---------------------------------
    good, wrong = answered(root, TRUST, q1_answer=q1("b")), answered(root, TRUST, q1_answer=q1("a"))
    download = tmp_path / "canvas_trust"
    download.mkdir()
    names: list[str] = []
    on_time = (2026, 10, 5, 12, 0, 0)
    with zipfile.ZipFile(download / "submissions.zip", "w") as z:
        for sid, *_ in STUDENTS:
            if sid in ("s30", "s05"):  # s30 hands in nothing; s05 a misnamed file
                continue
            if sid == "s02":  # 2 days 30 minutes late: 3 days begun
                z.writestr(entry(canvas_name(sid, f"{TRUST}.ipynb", late=True), (2026, 10, 7, 17, 30, 0)), good)
            elif sid == "s03":  # as late, within a 3-day extension
                z.writestr(entry(canvas_name(sid, f"{TRUST}.ipynb", late=True), (2026, 10, 7, 17, 30, 0)), good)
            elif sid == "s04":  # a first try, then a resubmission (Canvas adds -1)
                z.writestr(entry(canvas_name(sid, f"{TRUST}.ipynb"), (2026, 10, 4, 10, 0, 0)), wrong)
                z.writestr(entry(canvas_name(sid, f"{TRUST}-1.ipynb", sub=2), (2026, 10, 5, 9, 0, 0)), good)
            else:
                z.writestr(entry(canvas_name(sid, f"{TRUST}.ipynb"), on_time), good if sid in RIGHT_Q1 else wrong)
        z.writestr(entry(canvas_name("s05", "trust_final.ipynb"), on_time), good)
        z.writestr(entry(f"quinnzoe_9999_1_{TRUST}.ipynb", on_time), good)  # not in the class
        names = [f"submissions.zip:{i.filename}" for i in z.infolist()]
    code, out, err = run(capsys, "collect", TRUST, "--zip", str(download), "--course-dir", str(root))
    assert code == 1, out + err  # files were left over, and the exit status says so
    said = outcome_lines(out, names)
    assert sorted(said) == sorted(names), f"a file without a line: {set(names) - set(said)}"
    assert sum(s.startswith("collected for") for s in said.values()) == 28
    assert "a duplicate of a newer file for s04" in said[f"submissions.zip:{canvas_name('s04', TRUST + '.ipynb')}"]
    assert "the newest of 2" in said[f"submissions.zip:{canvas_name('s04', TRUST + '-1.ipynb', sub=2)}"]
    assert said[f"submissions.zip:{canvas_name('s05', 'trust_final.ipynb')}"].startswith(
        "not collected: not a file of this assignment from s05")
    assert "matches no student of the roster" in said[f"submissions.zip:quinnzoe_9999_1_{TRUST}.ipynb"]
    assert "nothing handed in by 2 of the roster: s05, s30" in out
    # The LMS's London times are nbgrader's UTC timestamps.
    assert (root / "submitted" / "s02" / TRUST / "timestamp.txt").read_text().startswith("2026-10-07 16:30:00")

    code, out, err = run(capsys, "autograde", TRUST, "-j", "2", "--course-dir", str(root))
    assert code == 0, out + err
    top = max_points(root, TRUST)
    full = raw_points(root, TRUST, answered(root, TRUST, q1_answer=q1("d")))  # under the typo, (d) scores
    assert 0 < full < top  # the reflection is graded by hand; the role-play item needs a transcript
    got = grades(root, TRUST)
    assert sorted(got) == sorted(sid for sid, *_ in STUDENTS if sid not in ("s05", "s30"))
    for sid, (score, penalty) in got.items():
        assert score == full - 1, sid  # (a) and (b) alike score 0 for q1 under the typo
        assert penalty == (round(0.3 * top, 4) if sid == "s02" else 0.0), sid

    # --- 00_orientation: a Moodle zip of folders. Due Mon 12 Oct 17:00 (BST). ----------------------------------------
    orient = answered(root, ORIENT)
    download = tmp_path / "moodle_orientation"
    download.mkdir()
    with zipfile.ZipFile(download / "orientation.zip", "w") as z:
        for sid, *_ in STUDENTS:
            if sid in ("s30", "s07"):
                continue
            when = {"s08": (2026, 10, 12, 18, 0, 0), "s09": (2026, 10, 12, 17, 10, 0)}.get(sid, (2026, 10, 12, 9, 0, 0))
            z.writestr(entry(f"{moodle_folder(sid)}/{ORIENT}.ipynb", when), orient)
        z.writestr(entry(f"{moodle_folder('s11')}/notes.txt", (2026, 10, 12, 9, 0, 0)), b"my notes")
        z.writestr(entry(f"Zoe Quinn_999_assignsubmission_file_/{ORIENT}.ipynb", (2026, 10, 12, 9, 0, 0)), orient)
        names = [f"orientation.zip:{i.filename}" for i in z.infolist()]
    code, out, err = run(capsys, "collect", ORIENT, "--zip", str(download), "--course-dir", str(root))
    assert code == 1, out + err
    said = outcome_lines(out, names)
    assert sorted(said) == sorted(names)
    assert sum(s.startswith("collected for") for s in said.values()) == 28
    notes = f"orientation.zip:{moodle_folder('s11')}/notes.txt"
    assert "not a notebook or a role-play transcript from s11" in said[notes]
    assert "matches no student" in said[f"orientation.zip:Zoe Quinn_999_assignsubmission_file_/{ORIENT}.ipynb"]
    assert "nothing handed in by 2 of the roster: s07, s30" in out
    code, out, err = run(capsys, "autograde", ORIENT, "-j", "2", "--course-dir", str(root))
    assert code == 0, out + err
    top_o, raw_o = max_points(root, ORIENT), raw_points(root, ORIENT, orient)
    for sid, (score, penalty) in grades(root, ORIENT).items():
        assert score == raw_o, sid
        # s08: an hour late, one day begun; s09: ten minutes late, within the 15 minutes' grace.
        assert penalty == (round(0.1 * top_o, 4) if sid == "s08" else 0.0), sid
    code, out, err = run(capsys, "feedback", ORIENT, "--course-dir", str(root))
    assert code == 0, out + err
    def note(sid: str) -> bool:
        return "Handed in late" in (root / "feedback" / sid / ORIENT / f"{ORIENT}.html").read_text(encoding="utf-8")
    assert note("s08") and not note("s09") and not note("s01")  # within the grace minutes is on time: no note

    # --- 02_empathy: a Canvas zip again; one student also puts in last week's notebook. ------------------------------
    empathy = answered(root, EMPATHY)
    download = tmp_path / "canvas_empathy"
    download.mkdir()
    with zipfile.ZipFile(download / "submissions.zip", "w") as z:
        for sid, *_ in STUDENTS:
            if sid != "s30":
                z.writestr(entry(canvas_name(sid, f"{EMPATHY}.ipynb"), (2026, 10, 19, 8, 0, 0)), empathy)
        z.writestr(entry(canvas_name("s10", f"{TRUST}.ipynb", sub=2), (2026, 10, 19, 8, 0, 0)), good)
        names = [f"submissions.zip:{i.filename}" for i in z.infolist()]
    code, out, err = run(capsys, "collect", EMPATHY, "--zip", str(download), "--course-dir", str(root))
    assert code == 1, out + err
    said = outcome_lines(out, names)
    assert sorted(said) == sorted(names)
    assert "another assignment's file from s10" in said[f"submissions.zip:{canvas_name('s10', TRUST + '.ipynb', 2)}"]
    assert "nothing handed in by 1 of the roster: s30" in out
    code, out, err = run(capsys, "autograde", EMPATHY, "-j", "2", "--course-dir", str(root))
    assert code == 0, out + err
    raw_e = raw_points(root, EMPATHY, empathy)
    assert {score for score, _ in grades(root, EMPATHY).values()} == {raw_e}

    # --- Feedback, then the lecturer marks by hand (as the formgrader writes it to the gradebook). -----------------
    code, out, err = run(capsys, "feedback", TRUST, "--course-dir", str(root))
    assert code == 0, out + err
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        reflection = gb.find_grade("q8_reflection", TRUST, TRUST, "s11")
        reflection.manual_score = 3.5
        gb.find_comment("q8_reflection", TRUST, TRUST, "s11").manual_comment = "You used John's own words."
        override = gb.find_grade("q1_test", TRUST, TRUST, "s12")
        override.manual_score = 0.5
        gb.db.commit()
    others = sorted(set(got) - RIGHT_Q1)
    untouched = {sid: (root / "autograded" / sid / TRUST / f"{TRUST}.ipynb").stat().st_mtime_ns for sid in others}
    feedback_before = {sid: (root / "feedback" / sid / TRUST / f"{TRUST}.html").stat().st_mtime_ns for sid in others}

    # --- The fix: the key's typo corrected, and s02 granted 2 days after all (30 minutes late: one day begun). -------
    source.write_text(source.read_text(encoding="utf-8").replace(TYPO, KEY), encoding="utf-8")
    with open(root / "extensions.csv", "a", encoding="utf-8") as fh:
        fh.write("s02,01_trust,2 days,bereavement\n")
    expected_affected = RIGHT_Q1
    code, out, err = run(capsys, "regrade", TRUST, "--dry-run", "--course-dir", str(root))
    assert code == 0, out + err
    listed = set(re.findall(r"^  (s\d\d) ", out, re.M))
    assert listed == expected_affected, (listed ^ expected_affected, out)
    assert re.search(r"^  s02 +q1_test 0 → 1; late penalty [\d.]+ → [\d.]+$", out, re.M), out
    assert "dry run: nothing was regraded" in out
    # Feedback or an export now would be stale, and says so.
    code, out, err = run(capsys, "export", "--course-dir", str(root))
    assert code == 0 and f"{len(RIGHT_Q1)} graded submission(s) of 01_trust would change if regraded" in err, err
    assert "of 00_orientation" not in err and "of 02_empathy" not in err

    code, out, err = run(capsys, "regrade", TRUST, "-j", "2", "--course-dir", str(root))
    assert code == 0, out + err
    assert f"{len(expected_affected)} regraded" in out
    assert "manual grades and comments kept for s11: 01_trust/q8_reflection" in out
    assert "manual grades and comments kept for s12: 01_trust/q1_test" in out
    for sid in others:  # exactly the affected: the others were neither regraded nor given new feedback
        assert (root / "autograded" / sid / TRUST / f"{TRUST}.ipynb").stat().st_mtime_ns == untouched[sid]
        assert (root / "feedback" / sid / TRUST / f"{TRUST}.html").stat().st_mtime_ns == feedback_before[sid]
    changes = {m[0]: float(m[1]) for m in re.findall(r"^(s\d\d) +[\d.]+ +[\d.]+ +([+-][\d.]+)$", out, re.M)}
    assert changes["s01"] == 1.0 and changes["s12"] == 0.0  # s12's q1 is the lecturer's 0.5, kept
    assert changes["s02"] == pytest.approx(1.0 + 0.3 * top - 0.1 * top, abs=0.006)
    after = grades(root, TRUST)
    for sid, (score, penalty) in after.items():
        expected = {"s11": full + 3.5, "s12": full - 1 + 0.5}.get(sid, full if sid in RIGHT_Q1 else full - 1)
        assert score == pytest.approx(expected), sid
        assert penalty == (round(0.1 * top, 4) if sid == "s02" else 0.0), sid
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert gb.find_comment("q8_reflection", TRUST, TRUST, "s11").manual_comment == "You used John's own words."
        assert gb.find_grade("q1_test", TRUST, TRUST, "s12").manual_score == 0.5
        assert gb.find_grade("q1_test", TRUST, TRUST, "s12").auto_score == 1.0

    # A late student's feedback says why, and shows no hidden test.
    html = (root / "feedback" / "s02" / TRUST / f"{TRUST}.html").read_text(encoding="utf-8")
    assert "Handed in late" in html and "with your extension of 2 days" in html
    assert f"loses <strong>{0.1 * top:g} of its {top:g} points</strong>" in html
    assert "BEGIN HIDDEN TESTS" not in html and 'correct="b"' not in html
    assert "Handed in late" not in (root / "feedback" / "s03" / TRUST / f"{TRUST}.html").read_text(encoding="utf-8")

    # --- The export: every student, each step after its penalty, the penalty beside it. -------------------------------
    code, out, err = run(capsys, "export", "--course-dir", str(root))
    assert code == 0 and "would change if regraded" not in err, out + err
    with open(root / "grades_by_skill.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert sorted(rows) == sorted(BY_ID)
    assert float(rows["s02"][f"step:{TRUST}"]) == pytest.approx(full - 0.1 * top)
    assert float(rows["s02"][f"late:{TRUST}"]) == pytest.approx(0.1 * top)
    assert float(rows["s08"][f"step:{ORIENT}"]) == pytest.approx(raw_o - 0.1 * top_o)
    assert rows["s30"][f"step:{TRUST}"] == rows["s05"][f"step:{TRUST}"] == rows["s07"][f"step:{ORIENT}"] == ""
    assert float(rows["s01"]["score"]) == pytest.approx(full + raw_o + raw_e)
    assert float(rows["s13"]["score"]) == pytest.approx(full - 1 + raw_o + raw_e)
    code, out, err = run(capsys, "export", "--lms", "canvas", "--course-dir", str(root))
    assert code == 0, out + err
    with open(root / "grades_canvas.csv", newline="", encoding="utf-8") as fh:
        canvas = list(csv.reader(fh))
    column = canvas[0].index(f"Rapport Lab {TRUST}")
    by_lms = {row[1]: row for row in canvas[2:]}
    assert float(by_lms[BY_ID["s02"][2]][column]) == pytest.approx(full - 0.1 * top)
