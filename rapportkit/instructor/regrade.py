"""Regrading after a fix: exactly the submissions a fixed test, rubric, answer key or late setting changes.

``rapportkit course regrade ASSIGNMENT``:

1. notes every student's grade (after any late penalty) and every manual grade and comment;
2. judges every collected submission again without a kernel, as autograding now would (the fixed ``solutions/``,
   the course's rubrics, due dates and extensions as they are now), and compares with the gradebook: a submission
   is affected when a test cell's points or its late penalty would change, it was handed in again, it cannot be
   read, or it was never graded;
3. regenerates the assignment (nbgrader then holds the fixed tests), autogrades the affected submissions with
   nbgrader's own autograde (which keeps manual grades and comments), and regenerates their feedback;
4. reports whose grade changed and by how much, and checks that no manual grade or comment moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc

from rapportkit.instructor import batch
from rapportkit.nbgrader import commands, judge
from rapportkit.nbgrader.commands import StepResult
from rapportkit.nbgrader.late import capped_penalty, course_late_work, score_after_penalty

NOT_GRADED_BEFORE = "not graded before"  # why a collected submission without a grade is to be graded

Cell = tuple[str, str]  # (notebook, grade cell)


@dataclass(frozen=True)
class ManualMark:
    """What a person gave one cell: a score, extra credit, a comment (each may be absent)."""

    score: float | None = None
    extra_credit: float | None = None
    comment: str | None = None


@dataclass
class Recorded:
    """What the gradebook holds of one submission."""

    grade: float  # after the late penalty
    auto: dict[Cell, float | None]
    manual: dict[Cell, ManualMark]
    penalty: dict[str, float]  # notebook -> late penalty
    timestamp: datetime | None


def recorded(assignment: str, course_dir: Path | str = ".") -> dict[str, Recorded]:
    """Every graded submission of ``assignment`` in the gradebook, by student."""
    db = Path(course_dir) / "gradebook.db"
    if not db.is_file():
        return {}
    commands.ensure_tools_on_path()
    out = {}
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            subs = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        for sub in subs:
            auto: dict[Cell, float | None] = {}
            manual: dict[Cell, ManualMark] = {}
            for nb in sub.notebooks:
                comments = {c.name: c.manual_comment for c in nb.comments if c.manual_comment}
                for g in nb.grades:
                    auto[(nb.name, g.name)] = g.auto_score
                    mark = ManualMark(g.manual_score, g.extra_credit, comments.pop(g.name, None))
                    if mark != ManualMark():
                        manual[(nb.name, g.name)] = mark
                for cell, comment in comments.items():  # comments on cells that carry no points
                    manual[(nb.name, cell)] = ManualMark(comment=comment)
            penalty = {nb.name: float(nb.late_submission_penalty or 0) for nb in sub.notebooks}
            out[sub.student.id] = Recorded(score_after_penalty(sub.score, sum(penalty.values())), auto, manual,
                                           penalty, sub.timestamp)
    return out


def _timestamp(folder: Path) -> datetime | None:
    """The submission's time as nbgrader reads it from ``timestamp.txt`` (UTC), if it has one."""
    path = folder / "timestamp.txt"
    try:
        return parse_utc(path.read_text(encoding="utf-8").strip()) if path.is_file() else None
    except ValueError:
        return None


def why_affected(assignment: str, course_dir: Path | str = ".",
                 before: dict[str, Recorded] | None = None) -> dict[str, list[str]]:
    """``{student: [why, ...]}`` for every collected submission whose grade autograding now would change.

    Raises :class:`~rapportkit.nbgrader.late.LateWorkError` when the late-work settings cannot be used."""
    root = Path(course_dir)
    before = recorded(assignment, root) if before is None else before
    late = course_late_work(commands.course_config(root))
    policy, extensions = late.policy(), late.extensions(root)
    source = root / "solutions" / assignment
    notebooks = {p.stem: nbformat.read(p, as_version=4) for p in sorted(source.glob("*.ipynb"))}
    tests = {name: judge.source_notebook_tests(nb) for name, nb in notebooks.items()}
    tops = {name: _notebook_points(nb) for name, nb in notebooks.items()}
    due = late.due(assignment) or _gradebook_due(assignment, root)
    out: dict[str, list[str]] = {}
    for student in batch.submitted_students(assignment, root):
        folder = root / "submitted" / student / assignment
        rec = before.get(student)
        if rec is None:
            out[student] = [NOT_GRADED_BEFORE]
            continue
        why: list[str] = []
        # Without a timestamp.txt, nbgrader keeps the time the gradebook has: so does the prediction.
        handed_in = _timestamp(folder) or rec.timestamp
        if handed_in != rec.timestamp:
            why.append("handed in again since it was graded")
        for name, nb_tests in tests.items():
            path = folder / f"{name}.ipynb"
            if not path.is_file():
                # nbgrader scores a notebook not handed in 0 in every cell, and leaves its late penalty as it was.
                why.extend(f"{gid} {_fmt(was)} → 0" for (nb, gid), was in rec.auto.items() if nb == name and was != 0)
                continue
            try:
                points = judge.judged_points(nbformat.read(path, as_version=4), nb_tests, folder, source)
            except Exception as err:  # unreadable now: autograde names what is wrong with it
                why.append(f"{name}.ipynb cannot be read ({type(err).__name__})")
                continue
            for gid, now in points.items():
                was = rec.auto.get((name, gid))
                if was is None or now is None or abs(now - was) > 1e-9:
                    why.append(f"{gid} {_fmt(was)} → {_fmt(now)}")
            # The late penalty autograding would give now, capped by nbgrader at what the notebook scores.
            seconds = 0.0
            if due is not None and handed_in is not None:
                extension = extensions.get((student, assignment), timedelta())
                seconds = max(0.0, (handed_in - due - extension).total_seconds())
            scored = sum(_cell_score(points.get(gid, was), rec.manual.get((nb, gid), ManualMark()))
                         for (nb, gid), was in rec.auto.items() if nb == name)
            penalty = capped_penalty(policy.penalty(seconds, tops[name]), scored) if seconds else 0.0
            if abs(penalty - rec.penalty.get(name, 0.0)) > 1e-6:
                why.append(f"late penalty {rec.penalty.get(name, 0.0):g} → {penalty:g}")
        if why:
            out[student] = why
    return out


def _cell_score(auto: float | None, mark: ManualMark) -> float:
    """A cell's score as nbgrader's ``Grade.score`` counts it: the manual score if any, else the automatic one,
    plus extra credit; nothing if neither is set."""
    base = mark.score if mark.score is not None else auto
    return 0.0 if base is None else base + (mark.extra_credit or 0.0)


def _notebook_points(nb: nbformat.NotebookNode) -> float:
    """The points an instructor's notebook is worth (graded cells and tasks, as nbgrader's max_score counts them):
    what a late penalty is a share of."""
    return sum(float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade") or c.metadata.get("nbgrader", {}).get("task"))


def _gradebook_due(assignment: str, root: Path) -> datetime | None:
    """A due date set in the formgrader, when the settings give none (no gradebook: none)."""
    if not (root / "gradebook.db").is_file():
        return None
    commands.ensure_tools_on_path()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def _fmt(points: float | None) -> str:
    return "ungraded" if points is None else f"{points:g}"


@dataclass
class RegradeResult:
    """What a regrade did: who was affected and why, their grading status, grades before and after."""

    checked: int
    affected: dict[str, list[str]]
    status: dict[str, str] = field(default_factory=dict)
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)
    manual_kept: dict[str, list[str]] = field(default_factory=dict)
    manual_lost: dict[str, list[str]] = field(default_factory=dict)  # must stay empty: nbgrader keeps them
    steps: list[StepResult] = field(default_factory=list)

    @property
    def changed(self) -> dict[str, float]:
        """``{student: change in grade}`` for every grade that moved (students graded for the first time have none)."""
        return {s: round(self.after[s] - self.before[s], 4) for s in self.after
                if s in self.before and abs(self.after[s] - self.before[s]) > 1e-9}


def regrade(assignment: str, course_dir: Path | str = ".", jobs: int = 1, dry_run: bool = False,
            progress: TextIO | None = None,
            grade: Callable[..., dict[str, str]] = batch.autograde) -> RegradeResult:
    """Regrade exactly the submissions of ``assignment`` a fix affects (see the module's description)."""
    root = Path(course_dir)
    before = recorded(assignment, root)
    affected = why_affected(assignment, root, before)
    result = RegradeResult(len(batch.submitted_students(assignment, root)), affected,
                           before={s: r.grade for s, r in before.items()})
    if dry_run or not affected:
        return result
    result.steps.append(commands.generate(assignment, root))
    if not result.steps[-1].ok:
        return result
    students = sorted(affected)
    result.status = grade(assignment, students, jobs, root, progress)
    graded = [s for s in students if result.status[s].startswith("graded")]
    if graded:
        # generate_feedback walks autograded/: everyone graded there but not now keeps the feedback they have.
        autograded = root / "autograded"
        others = sorted(p.name for p in autograded.iterdir() if (p / assignment).is_dir() and p.name not in graded)
        result.steps.append(commands.generate_feedback(assignment, root, exclude=others))
    after = recorded(assignment, root)
    result.after = {s: after[s].grade for s in graded if s in after}
    for s in graded:
        was, now = before.get(s), after.get(s)
        if was is None or now is None:
            continue
        cells = sorted(f"{nb}/{cell}" for nb, cell in was.manual)
        if cells:
            result.manual_kept[s] = cells
        lost = sorted(f"{nb}/{cell}" for key, mark in was.manual.items() if now.manual.get(key) != mark
                      for nb, cell in [key])
        if lost:
            result.manual_lost[s] = lost
    return result
