"""Everything students hand in, graded in ONE batch beside two honest students.

The corpus is ``tests/data/bad_submissions/`` (see its README): raw files that are committed as they are (not JSON,
a binary ``.ipynb``, junk, a transcript without a notebook, the cheat's code), plus notebooks built here from the
*current* release and solution, because a committed copy of an old release would test an exercise that no longer
exists. Everything goes through real nbgrader: ``zip_collect`` into ``submitted/``, then
``rapportkit.instructor.cli.grade_batch`` (nbgrader's autograde for one student after another, with reasons).

Checks: the batch finishes; every student gets a grade or a reason that names the file and what is wrong; the honest
students' grades equal a solo grading of the same notebooks; the gradebook holds exactly the graded submissions.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from rapportkit.instructor import demo
from rapportkit.instructor.batch import grade_batch
from rapportkit.nbgrader import commands
from rapportkit.roleplay import load_scenario
from tests.conftest import REPO, copy_course

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "01_trust"
NOTEBOOK = "01_trust.ipynb"
DATA = REPO / "tests" / "data" / "bad_submissions"
COHORT = demo.load_cohort(REPO / "tests" / "data" / "cohort" / "01_trust.yaml")
# A lower per-cell timeout in the test's copy of grader_config.py, so the endless loop costs seconds, not a minute.
CELL_TIMEOUT = 15
AUTOGRADED = ("q1_test", "q2_test", "q3_test", "q4_test", "q5_test", "q6_test")  # answered by the solution
HONEST = ("honest_full", "honest_partial")


# --- building the corpus ------------------------------------------------------------------------


def _gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _release(root: Path) -> Path:
    return root / "exercises" / ASSIGNMENT / NOTEBOOK


def _solution(root: Path) -> dict[str, str]:
    return demo._solution_sources(root / "solutions" / ASSIGNMENT / NOTEBOOK)


def _answered(root: Path) -> nbformat.NotebookNode:
    """The release with every answer cell holding the instructor's answer (no transcript, no reflection)."""
    return demo.fill(_release(root), _solution(root))


def _replace(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    cell = next(c for c in nb.cells if _gid(c) == grade_id)
    cell.source = source
    return nb


def _add_cell(nb: nbformat.NotebookNode, after: str, source: str) -> nbformat.NotebookNode:
    """A code cell of the student's own (no nbgrader metadata) right after the cell ``after``."""
    at = [_gid(c) for c in nb.cells].index(after)
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source))
    return nb


def _good_turns() -> list[str]:
    return COHORT["students"]["demo_complete"]["transcripts"]["roleplay_john.json"]["turns"]


def build_corpus(root: Path) -> dict[str, str]:
    """Write every submission into ``downloaded/01_trust/archive/`` as an LMS would; returns {student: what}."""
    archive = root / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    for path in (DATA / "archive").iterdir():  # committed raw files, already named <student>__<file>
        shutil.copy2(path, archive / path.name)
    sol = _solution(root)

    def put(student: str, nb: nbformat.NotebookNode, name: str = NOTEBOOK, version: int = 4) -> None:
        nbformat.write(nb, archive / f"{student}__{name}", version=version)

    # Two honest students: the cohort's complete and partial answers.
    full = COHORT["students"]["demo_complete"]
    nb = demo.fill(_release(root), sol)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = full["reflection"]
    put("honest_full", nb)
    demo.write_transcript("john", _good_turns(), archive / "honest_full__roleplay_john.json")
    partial = COHORT["students"]["demo_partial"]
    put("honest_partial", demo.fill(_release(root), dict(partial["answers"])))
    demo.write_transcript(
        "john", partial["transcripts"]["roleplay_john.json"]["turns"], archive / "honest_partial__roleplay_john.json"
    )

    nb = _answered(root)
    nb.cells = [c for c in nb.cells if _gid(c) != "q4_answer"]
    put("deleted_answer_cell", nb)

    # Blank answers, every test cell rewritten to return its points, and its metadata claiming 10x the points.
    nb = nbformat.read(_release(root), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            cell.source = f"{meta['points']}  # full marks, promise"
            meta["points"] = meta["points"] * 10
            meta["locked"] = False
    put("edited_locked_tests", nb)

    # Question 6 (text, answer, test) moved to the top, right after the setup cell.
    nb = _answered(root)
    q6 = [c for c in nb.cells if (_gid(c) or "").startswith("q6_")]
    rest = [c for c in nb.cells if c not in q6]
    setup = next(i for i, c in enumerate(rest) if _gid(c) == "setup")
    nb.cells = rest[: setup + 1] + q6 + rest[setup + 1 :]
    put("reordered_cells", nb)

    # An unclosed quote: the answer cell is not valid Python.
    put("syntax_error", _replace(_answered(root), "q2_answer", sol["q2_answer"].rstrip().rstrip("\"")))

    # A cell of the student's own, added after question 3's answer, that never ends.
    put("endless_loop", _add_cell(_answered(root), "q3_answer", "while True:\n    pass"))

    # A cell of the student's own that printed a huge object: ~12 MB saved, and a big print again when graded.
    nb = _add_cell(_answered(root), "q1_answer", 'print("la " * 300_000)')
    nb.cells[[_gid(c) for c in nb.cells].index("q1_answer") + 1].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="la " * 4_000_000)
    ]
    put("huge_output", nb)

    put("old_format_v3", nbformat.convert(_answered(root), 3), version=3)

    put("renamed_notebook", _answered(root), name="Trust exercise.ipynb")

    put("junk_files", _answered(root))  # beside the committed junk_files__* files

    put("tampered_transcript", _answered(root))
    tampered = archive / "tampered_transcript__roleplay_john.json"
    demo.write_transcript("john", _good_turns(), tampered)
    data = json.loads(tampered.read_text(encoding="utf-8"))
    data["claims"]["final_rapport"] = 1000
    data["claims"]["rapport_per_turn"] = [100] * len(data["claims"]["rapport_per_turn"])
    data["claims"]["summary"]["reflections"] = 40
    tampered.write_text(json.dumps(data, indent=2), encoding="utf-8")

    cheat = (DATA / "cheat_answer.txt").read_text(encoding="utf-8")
    put("cheater", _replace(nbformat.read(_release(root), as_version=4), "q1_answer", cheat))

    students = sorted({p.name.split("__", 1)[0] for p in archive.iterdir()})
    return {s: s for s in students}


def _lower_timeout(root: Path) -> None:
    config = root / "grader_config.py"
    text = config.read_text(encoding="utf-8")
    assert "c.Execute.timeout" in text, "grader_config.py no longer sets the execution timeout"
    config.write_text(f"{text}\n# tests/test_bad_submissions.py: a short timeout\nc.Execute.timeout = {CELL_TIMEOUT}\n")


def _scores(root: Path) -> dict[str, dict[str, tuple[float, float]]]:
    """{student: {grade_id: (score, max)}} for every submission in the gradebook."""
    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            nb = sub.notebooks[0]
            out[sub.student_id] = {g.name: (g.score, g.max_score) for g in nb.grades}
    return out


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def run_batch(workdir: Path) -> dict:
    """Build the corpus in a copy of the course under ``workdir``, collect it and grade it in one batch."""
    commands.ensure_tools_on_path()
    root = copy_course(workdir / "course")
    _lower_timeout(root)
    step = commands.generate(ASSIGNMENT, root)
    assert step.ok, step.log
    # The same course, released and empty, for grading the honest students on their own.
    solo = workdir / "solo"
    shutil.copytree(root, solo)

    expected = build_corpus(root)
    solutions_hash = _tree_hash(root / "solutions")
    step = commands.zip_collect(ASSIGNMENT, root)
    assert step.ok, step.log
    collected = sorted(p.name for p in (root / "submitted").iterdir() if (p / ASSIGNMENT).is_dir())
    started = time.monotonic()
    status = grade_batch(ASSIGNMENT, collected, root)
    seconds = time.monotonic() - started
    print(f"\nbatch of {len(collected)} students graded in {seconds:.0f} s")
    for student, text in sorted(status.items()):
        print(f"  {student:<22} {text}")

    for student in HONEST:
        shutil.copytree(root / "submitted" / student / ASSIGNMENT, solo / "submitted" / student / ASSIGNMENT)
        step = commands.autograde(ASSIGNMENT, student, solo)
        assert step.ok, step.log
    return {
        "root": root,
        "expected": expected,
        "collected": collected,
        "status": status,
        "scores": _scores(root),
        "solo": _scores(solo),
        "seconds": seconds,
        "solutions_hash": solutions_hash,
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_batch(tmp_path_factory.mktemp("bad_submissions"))


# --- the batch as a whole -----------------------------------------------------------------------


def test_every_student_is_collected(batch):
    # zip_collect takes .ipynb and .json files (junk .txt and .DS_Store are skipped); every student has one.
    assert set(batch["collected"]) == set(batch["expected"]), batch["collected"]


def test_batch_finishes_with_a_status_for_every_student(batch):
    assert set(batch["status"]) == set(batch["collected"])
    for student, text in batch["status"].items():
        assert text.startswith(("graded", "not graded: ")), f"{student}: {text}"


def test_honest_grades_equal_a_solo_grading(batch):
    for student in HONEST:
        text = batch["status"][student]
        assert text.startswith("graded") and "outside its folder" not in text and ".ipynb:" not in text, text
        assert batch["scores"][student] == batch["solo"][student], student
    full = batch["scores"]["honest_full"]
    assert all(full[g][0] == full[g][1] for g in (*AUTOGRADED, "q7_test")), full
    partial = batch["scores"]["honest_partial"]
    assert 0 < sum(s for s, _ in partial.values() if s is not None) < sum(m for _, m in partial.values())


def test_gradebook_holds_exactly_the_graded_submissions(batch):
    graded = {s for s, text in batch["status"].items() if text.startswith("graded")}
    not_graded = set(batch["status"]) - graded
    assert graded and not_graded
    assert set(batch["scores"]) == graded
    top = batch["solo"]["honest_full"]
    with Gradebook(f"sqlite:///{batch['root'] / 'gradebook.db'}") as gb:
        max_score = gb.find_assignment(ASSIGNMENT).max_score
        for sub in gb.assignment_submissions(ASSIGNMENT):
            assert [nb.name for nb in sub.notebooks] == ["01_trust"]
            assert sub.max_score == max_score, sub.student_id
            assert 0 <= sub.score <= max_score, (sub.student_id, sub.score)
    for student in graded:
        # Same cells, same maximum points as the instructor's version, whatever the student did to the file.
        assert {g: m for g, (_, m) in batch["scores"][student].items()} == {g: m for g, (_, m) in top.items()}
        assert (batch["root"] / "autograded" / student / ASSIGNMENT / NOTEBOOK).is_file(), student


def test_instructor_files_unchanged(batch):
    assert _tree_hash(batch["root"] / "solutions") == batch["solutions_hash"]


# --- each bad submission ------------------------------------------------------------------------


def _graded(batch, student: str) -> dict[str, tuple[float, float]]:
    assert batch["status"][student].startswith("graded"), f"{student}: {batch['status'][student]}"
    return batch["scores"][student]


def _full_except(batch, student: str, zero: tuple[str, ...]) -> None:
    scores = _graded(batch, student)
    for gid in AUTOGRADED:
        score, top = scores[gid]
        assert score == (0 if gid in zero else top), f"{student} {gid}: {score} of {top}"


def _reason(batch, student: str, *words: str) -> str:
    text = batch["status"][student]
    assert text.startswith("not graded: "), f"{student}: {text}"
    for word in words:
        assert word in text, f"{student}: {word!r} not in {text!r}"
    assert student not in batch["scores"]
    return text


def test_deleted_answer_cell_loses_only_that_question(batch):
    _full_except(batch, "deleted_answer_cell", zero=("q4_test",))


def test_edited_locked_tests_are_restored_from_the_gradebook(batch):
    scores = _graded(batch, "edited_locked_tests")
    assert all(score == 0 for score, _ in scores.values()), scores
    text = (batch["root"] / "autograded" / "edited_locked_tests" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "full marks, promise" not in text


def test_reordered_cells_keep_their_points(batch):
    _full_except(batch, "reordered_cells", zero=())


def test_syntax_error_loses_only_that_question(batch):
    _full_except(batch, "syntax_error", zero=("q2_test",))


def test_endless_loop_times_out_and_loses_nothing_else(batch):
    _full_except(batch, "endless_loop", zero=())
    nb = nbformat.read(batch["root"] / "autograded" / "endless_loop" / ASSIGNMENT / NOTEBOOK, 4)
    loop = next(c for c in nb.cells if c.source.startswith("while True"))
    assert any(o.get("output_type") == "error" for o in loop.outputs), loop.outputs


def test_huge_output_is_graded(batch):
    _full_except(batch, "huge_output", zero=())
    # The saved 12 MB output was cleared before grading; only what the grader's run printed remains.
    size = (batch["root"] / "autograded" / "huge_output" / ASSIGNMENT / NOTEBOOK).stat().st_size
    assert size < 4_000_000, size


def test_not_json_is_named(batch):
    _reason(batch, "not_json", NOTEBOOK, "broken JSON at line")


def test_binary_notebook_is_named(batch):
    _reason(batch, "binary_notebook", NOTEBOOK, "binary data")


def test_old_notebook_format_is_graded(batch):
    _full_except(batch, "old_format_v3", zero=())


def test_renamed_notebook_is_named(batch):
    _reason(batch, "renamed_notebook", NOTEBOOK, "Trust exercise.ipynb", "renamed")


def test_missing_notebook_is_named(batch):
    _reason(batch, "missing_notebook", NOTEBOOK, "not handed in", "roleplay_john.json")


def test_junk_files_do_not_disturb_grading(batch):
    _full_except(batch, "junk_files", zero=())


def test_tampered_transcript_is_graded_on_its_turns(batch):
    scores = _graded(batch, "tampered_transcript")
    assert scores["q7_test"] == batch["scores"]["honest_full"]["q7_test"]
    nb = nbformat.read(batch["root"] / "autograded" / "tampered_transcript" / ASSIGNMENT / NOTEBOOK, 4)
    out = "".join(o.get("text", "") for c in nb.cells if _gid(c) == "q7_test" for o in c.outputs)
    assert "claims final rapport 1000" in out, out
    assert "claims summary reflections 40" in out, out
    load_scenario("john")  # the scenario the transcript was replayed against still loads


def test_cheater_is_graded_and_any_write_outside_its_folder_is_reported(batch):
    text = batch["status"]["cheater"]
    _graded(batch, "cheater")
    root = batch["root"]
    for rel in ("written_by_cheater.txt", "exercises/written_by_cheater.txt"):
        if (root / rel).exists():  # no sandbox stopped it: the batch report must name it
            assert rel in text, text
    # Only its own answer could score: every other autograded question of a blank notebook is 0.
    scores = batch["scores"]["cheater"]
    assert all(scores[g][0] == 0 for g in AUTOGRADED if g != "q1_test"), scores


def test_corpus_readme_lists_every_student():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    committed = {p.name.split("__", 1)[0] for p in (DATA / "archive").iterdir()}
    for student in committed | set(HONEST):
        assert f"`{student}`" in readme, student



# --- the helpers grade_batch uses, on their own (fast) ----------------------------------------------


def _course_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "c"
    (root / "solutions" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy2(REPO / "solutions" / ASSIGNMENT / NOTEBOOK, root / "solutions" / ASSIGNMENT / NOTEBOOK)
    folder = root / "submitted" / "s1" / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return root


def test_submission_problems_name_the_file(tmp_path: Path):
    release = (REPO / "exercises" / ASSIGNMENT / NOTEBOOK).read_bytes()
    assert commands.submission_problems(ASSIGNMENT, "s1", _course_with(tmp_path / "a", {NOTEBOOK: release})) == []
    renamed = commands.submission_problems(ASSIGNMENT, "s1", _course_with(tmp_path / "b", {"Copy1.ipynb": release}))
    assert renamed == [
        f"{NOTEBOOK}: not handed in; found 'Copy1.ipynb' instead (renamed? it must be called {NOTEBOOK})"
    ]
    only = commands.submission_problems(ASSIGNMENT, "s1", _course_with(tmp_path / "c", {"notes.json": b"{}"}))
    assert only == [f"{NOTEBOOK}: not handed in (the submission holds only notes.json)"]
    empty = commands.submission_problems(ASSIGNMENT, "s1", _course_with(tmp_path / "d", {}))
    assert empty == [f"{NOTEBOOK}: not handed in (the submission is empty)"]
    broken = commands.submission_problems(ASSIGNMENT, "s1", _course_with(tmp_path / "e", {NOTEBOOK: b"\x00\xff"}))
    assert len(broken) == 1 and broken[0].startswith(f"{NOTEBOOK}: not a notebook")


def test_snapshot_sees_writes_outside_what_grading_writes(tmp_path: Path):
    root = _course_with(tmp_path, {NOTEBOOK: b"{}"})
    before = commands.snapshot(root)
    (root / "autograded" / "s1").mkdir(parents=True)
    (root / "autograded" / "s1" / "out.txt").write_text("nbgrader's own output")
    (root / "gradebook.db").write_text("nbgrader's gradebook")
    assert commands.changed_files(before, commands.snapshot(root)) == []
    (root / "stray.txt").write_text("written by a submission")
    (root / "solutions" / ASSIGNMENT / NOTEBOOK).unlink()
    changed = commands.changed_files(before, commands.snapshot(root))
    assert changed == [f"solutions/{ASSIGNMENT}/{NOTEBOOK}", "stray.txt"]


def test_forget_submission_without_a_gradebook_does_nothing(tmp_path: Path):
    commands.forget_submission(ASSIGNMENT, "s1", tmp_path)
    assert not (tmp_path / "gradebook.db").exists()
