"""The instructor's class-scale commands (`rapportkit course collect|autograde|export|report|feedback`).

The statistics and the batch runner are checked on exact numbers; the commands run real nbgrader on the Trust
cohort and their gradebook is compared, cell by cell, with the sequential grading of ``make grade-demo``.
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from rapportkit.instructor import batch, demo, stats
from rapportkit.nbgrader.export import notebook_skills
from rapportkit.nbgrader.lms import LMS_FORMATS
from tests.conftest import COHORTS, REPO, copy_course

ASSIGNMENT = "01_trust"


# --- Statistics ------------------------------------------------------------------------------------

ITEMS = {
    # student: a, b, c, d. q_easy is answered by all; q_good follows ability; q_bad runs against it.
    "q_easy": [("a", 1.0, 1.0), ("b", 1.0, 1.0), ("c", 1.0, 1.0), ("d", 1.0, 1.0)],
    "q_good": [("a", 2.0, 2.0), ("b", 2.0, 2.0), ("c", 0.0, 2.0), ("d", 0.0, 2.0)],
    "q_mid": [("a", 3.0, 3.0), ("b", 2.0, 3.0), ("c", 1.0, 3.0), ("d", 0.0, 3.0)],
    "q_bad": [("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 1.0, 1.0), ("d", 1.0, 1.0)],
    "q_hand": [("a", None, 4.0), ("b", None, 4.0), ("c", None, 4.0), ("d", None, 4.0)],
}


def test_item_difficulty_is_the_mean_share_of_points():
    by_item = {s.item: s for s in stats.item_stats(ITEMS)}
    assert by_item["q_easy"].difficulty == 1.0
    assert by_item["q_good"].difficulty == 0.5
    assert by_item["q_mid"].difficulty == pytest.approx(0.5)
    assert by_item["q_hand"].difficulty is None and by_item["q_hand"].students == 0
    assert by_item["q_mid"].max_score == 3.0 and by_item["q_mid"].students == 4


def test_item_discrimination_is_the_item_rest_correlation():
    by_item = {s.item: s for s in stats.item_stats(ITEMS)}
    # rest scores for q_good: a: 1+3+0=4, b: 1+2+0=3, c: 1+1+1=3, d: 1+0+1=2; item: 2, 2, 0, 0.
    item, rest = [2, 2, 0, 0], [4, 3, 3, 2]
    mi, mr = sum(item) / 4, sum(rest) / 4
    cov = sum((i - mi) * (r - mr) for i, r in zip(item, rest, strict=True))
    var = (sum((i - mi) ** 2 for i in item) * sum((r - mr) ** 2 for r in rest)) ** 0.5
    assert by_item["q_good"].discrimination == pytest.approx(cov / var)
    assert by_item["q_good"].discrimination > 0.5
    assert by_item["q_bad"].discrimination < -0.5
    assert by_item["q_easy"].discrimination is None  # no variance: undefined, not 0


def test_skill_shares_pool_the_points_of_every_item_covering_the_skill():
    shares = stats.skill_shares(ITEMS, {"q_good": ["empathy"], "q_mid": ["empathy", "respect"],
                                            "q_hand": ["respect"]})
    assert shares["empathy"] == {"a": 1.0, "b": 0.8, "c": 0.2, "d": 0.0}
    assert shares["respect"]["b"] == pytest.approx(2 / 3)  # q_hand is not graded yet: left out


def test_skills_come_from_the_cells_covers_without_client_names():
    skills = notebook_skills(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert skills["q4_test"] == ["reflective_listening"]  # "john" is a role-play client, not a skill
    assert "q4_answer" not in skills  # answer cells are not graded
    assert set(skills["q7_test"]) >= {"confidentiality", "open_questions"} and "john" not in skills["q7_test"]


# --- The batch runner --------------------------------------------------------------------------------


@pytest.mark.tools  # grading workers are processes of their own
def test_one_failing_student_never_stops_the_batch_and_locked_gradebooks_are_retried(tmp_path: Path):
    # A course whose gradebook knows the assignment (what generate/release leave behind).
    from nbgrader.api import Gradebook

    from rapportkit.nbgrader.commands import ensure_tools_on_path

    ensure_tools_on_path()
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook(ASSIGNMENT, ASSIGNMENT)
    calls: dict[str, int] = {}
    running, peak = [0], [0]
    guard = threading.Lock()

    def grade(assignment: str, student: str, root: Path) -> str:
        with guard:
            calls[student] = calls.get(student, 0) + 1
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with guard:
            running[0] -= 1
        if student == "crash":
            raise RuntimeError("kernel died")
        if student == "locked" and calls[student] < 3:
            return "not graded: sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked"
        if student == "broken":
            return "not graded: x.ipynb: not a notebook (broken JSON at line 1, column 2: Expecting value)"
        return "graded"

    out = io.StringIO()
    students = ["s1", "crash", "s2", "locked", "broken", "s3"]
    status = batch.autograde(ASSIGNMENT, students, jobs=2, course_dir=tmp_path, progress=out, grade_one=grade)
    assert list(status) == students
    assert status["crash"] == "not graded: RuntimeError: kernel died"
    assert status["broken"].startswith("not graded: x.ipynb: not a notebook")
    assert status["locked"] == "graded" and calls["locked"] == 3
    assert [status[s] for s in ("s1", "s2", "s3")] == ["graded"] * 3
    assert peak[0] == 2  # two students at once, never more
    lines = out.getvalue().splitlines()
    assert len(lines) == 6 and lines[-1].startswith("[" + "#" * 30 + "] 6/6") and "2 not graded" in lines[-1]
    assert all("s left" in line for line in lines[:-1]) and "left" not in lines[-1]  # a time estimate until done


# --- Real nbgrader on the Trust cohort -----------------------------------------------------------------


def rk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rapportkit.instructor.cli", "course", *args],
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def parallel_course(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The Trust cohort from an LMS download, collected and autograded with two jobs, exported and reported."""
    base = tmp_path_factory.mktemp("classroom")
    root = copy_course(base / "course")
    qualities = demo.build_submissions(COHORTS / f"{ASSIGNMENT}.yaml", root)
    lms = base / "lms-download"
    shutil.move(root / "downloaded" / ASSIGNMENT / "archive", lms)
    out = {"root": root, "qualities": qualities}
    out["generate"] = rk("generate", ASSIGNMENT, "--course-dir", str(root))
    out["collect"] = rk("collect", ASSIGNMENT, "--zip", str(lms), "--course-dir", str(root))
    t0 = time.monotonic()
    out["autograde"] = rk("autograde", ASSIGNMENT, "--jobs", "2", "--course-dir", str(root))
    out["autograde_s"] = time.monotonic() - t0
    out["feedback"] = rk("feedback", ASSIGNMENT, "--course-dir", str(root))
    out["export"] = rk("export", "--course-dir", str(root), "--to", str(base / "skills.csv"))
    out["csv"] = base / "skills.csv"
    for lms in LMS_FORMATS:
        out[f"export_{lms}"] = rk("export", "--course-dir", str(root), "--lms", lms, "--to", str(base / f"{lms}.csv"))
        out[f"csv_{lms}"] = base / f"{lms}.csv"
    out["report"] = rk("report", ASSIGNMENT, "--course-dir", str(root))
    return out


def all_scores(db: Path) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    with Gradebook(f"sqlite:///{db}") as gb:
        return {(sub.student_id, g.name): (g.auto_score, g.manual_score)
                for sub in gb.assignment_submissions(ASSIGNMENT) for nb in sub.notebooks for g in nb.grades}


real_nbgrader = pytest.mark.nbgrader


@real_nbgrader
def test_autograde_before_generate_names_the_missing_step(tmp_path):
    status = batch.autograde(ASSIGNMENT, ["ana", "ben"], jobs=2, course_dir=copy_course(tmp_path / "c"),
                                 progress=None)
    assert status == {s: f"not graded: {ASSIGNMENT} is not in the gradebook: run `rapportkit course generate "
                         f"{ASSIGNMENT}` (or release) first" for s in ("ana", "ben")}


@real_nbgrader
def test_zip_collect_from_an_lms_download(parallel_course):
    assert parallel_course["generate"].returncode == 0, parallel_course["generate"].stderr
    proc = parallel_course["collect"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "6 students in submitted/" in proc.stdout
    assert (parallel_course["root"] / "submitted" / "demo_complete" / ASSIGNMENT / "roleplay_john.json").is_file()


@real_nbgrader
def test_parallel_autograde_reports_every_student_and_the_broken_one_with_its_reason(parallel_course):
    proc = parallel_course["autograde"]
    assert proc.returncode == 1, proc.stdout + proc.stderr  # one student could not be graded
    lines = dict(line.split(None, 1) for line in proc.stdout.splitlines())
    assert set(lines) == set(parallel_course["qualities"])
    assert "broken JSON at line 1" in lines["demo_broken"]
    # Graded, and no student is blamed for files another student's grading wrote at the same time.
    assert all(lines[s].startswith("graded") and "outside" not in lines[s] for s in lines if s != "demo_broken"), lines
    progress = [ln for ln in proc.stderr.splitlines() if ln.startswith("[")]
    assert len(progress) == 6 and "6/6" in progress[-1], proc.stderr
    assert "5 of 6 graded" in proc.stderr


@real_nbgrader
def test_parallel_gradebook_equals_the_sequential_one(parallel_course, demo_course):
    seq_root, seq_proc = demo_course
    assert seq_proc.returncode == 0, seq_proc.stdout + seq_proc.stderr
    db = parallel_course["root"] / "gradebook.db"
    parallel, sequential = all_scores(db), all_scores(seq_root / "gradebook.db")
    assert parallel == sequential
    graded = [s for s in parallel_course["qualities"] if s != "demo_broken"]
    assert {s for s, _ in parallel} == set(graded)
    source = nbformat.read(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    cells = sum(bool(c.metadata.get("nbgrader", {}).get("grade")) for c in source.cells)
    assert len(parallel) == len(graded) * cells  # every graded student has a grade for each graded cell
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        subs = dict(con.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id"))
    assert all(subs[s] == 1 for s in graded), subs  # one submission each, no duplicate rows from racing writers


@real_nbgrader
def test_export_has_a_column_per_step_and_per_skill(parallel_course):
    proc = parallel_course["export"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(parallel_course["csv"], newline="") as fh:
        reader = csv.DictReader(fh)
        rows = {r["student_id"]: r for r in reader}
        columns = reader.fieldnames or []
    assert "step:01_trust" in columns
    skills = [c for c in columns if c.startswith("skill:")]
    assert {"skill:confidentiality", "skill:reflective_listening", "skill:safe_space"} <= set(skills)
    assert not any(c.startswith("skill:john") for c in columns)
    assert set(rows) == set(parallel_course["qualities"])
    complete, blank, partial = rows["demo_complete"], rows["demo_blank"], rows["demo_partial"]
    assert float(complete["step:01_trust"]) > float(partial["step:01_trust"]) > float(blank["step:01_trust"]) == 0
    assert float(complete["skill:confidentiality"]) == 100.0 and float(blank["skill:confidentiality"]) == 0.0
    assert 0 < float(partial["skill:confidentiality"]) < 100
    assert float(complete["score"]) == float(complete["step:01_trust"])


@real_nbgrader
@pytest.mark.parametrize("lms", LMS_FORMATS)
def test_lms_export_comes_from_the_same_gradebook(parallel_course, lms: str):
    """The LMS file holds the plain export's numbers for every student, laid out as that LMS imports them."""
    proc = parallel_course[f"export_{lms}"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(parallel_course["csv"], newline="") as fh:
        plain = {r["student_id"]: r for r in csv.DictReader(fh)}
    with open(parallel_course[f"csv_{lms}"], newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    step = next(i for i, title in enumerate(header) if title.startswith("Rapport Lab 01_trust"))
    id_column = {"canvas": "SIS User ID", "moodle": "ID number", "blackboard": "Student ID"}[lms]
    students = [r for r in rows[1:] if r[0] != "Points Possible"]
    got = {r[header.index(id_column)]: r[step] for r in students}
    assert set(got) == set(plain)
    for student, value in got.items():
        assert float(value or 0) == float(plain[student]["step:01_trust"] or 0), student


@real_nbgrader
def test_report_draws_items_skills_and_item_statistics(parallel_course):
    proc = parallel_course["report"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for kind in ("items", "skills", "difficulty"):
        png = parallel_course["root"] / "reports" / f"{ASSIGNMENT}_{kind}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, kind
    table = [ln.split() for ln in proc.stdout.splitlines() if ln.startswith("q")]
    items = [row[0] for row in table]
    assert items[:2] == ["q1_test", "q2_test"] and items.index("q9_test") < items.index("q10_test")
    assert all(row[2] == "5" for row in table if row[0].endswith("_test"))  # 5 graded students per item


@real_nbgrader
def test_feedback_for_every_graded_student(parallel_course):
    assert parallel_course["feedback"].returncode == 0, parallel_course["feedback"].stdout
    for student in ("demo_complete", "demo_blank"):
        html = parallel_course["root"] / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert "HIDDEN TESTS" not in html.read_text()
