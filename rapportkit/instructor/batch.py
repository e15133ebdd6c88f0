"""The instructor's term, thin over nbgrader: release, collect, parallel autograde, feedback, export, report.

Every step runs nbgrader's own commands (``rapportkit.nbgrader.commands``) with the course's ``nbgrader_config.py``, so
whatever ``grader_config.py`` sets (the sandboxed kernel, the judge, feedback without hidden tests) applies.
``autograde`` grades students in parallel: ``jobs`` long-lived nbgrader processes (:mod:`rapportkit.nbgrader.worker`),
each running nbgrader's own autograde for one student after another, so nbgrader's start-up is paid once per job,
not once per student. nbgrader's SQLite gradebook takes one writer at a time, so a student whose grading hit
"database is locked" is graded again (nbgrader's ``--force`` makes that idempotent).
"""

from __future__ import annotations

import random
import shutil
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TextIO

from rapportkit.answers import REPLY_PREFIX, notebook_answers
from rapportkit.instructor.similarity import SharedReply, shared_replies
from rapportkit.nbgrader import commands, judge, worker
from rapportkit.nbgrader.commands import StepResult

LOCKED = "database is locked"


def _exchange_args(exchange: Path | str | None) -> tuple[str, ...]:
    return (f"--Exchange.root={Path(exchange).resolve()}",) if exchange else ()


# --- Distributing and collecting ------------------------------------------------------------------


def release(assignment: str, course_dir: Path | str = ".",
            exchange: Path | str | None = None) -> list[StepResult]:
    """``nbgrader generate_assignment`` then ``release_assignment``: students can fetch it from the exchange."""
    steps = [commands.nbgrader("generate_assignment", assignment, "--force", course_dir=course_dir)]
    if steps[-1].ok:
        steps.append(commands.nbgrader("release_assignment", assignment, "--force", *_exchange_args(exchange),
                                     course_dir=course_dir))
    return steps


def collect(assignment: str, course_dir: Path | str = ".", exchange: Path | str | None = None) -> StepResult:
    """``nbgrader collect --update``: the latest submission of every student, from the exchange into ``submitted/``."""
    return commands.nbgrader("collect", assignment, "--update", *_exchange_args(exchange), course_dir=course_dir)


def collect_zip(assignment: str, download: Path | str, course_dir: Path | str = ".") -> StepResult:
    """``nbgrader zip_collect`` from an LMS download: a folder of files and/or ``.zip`` archives.

    Files are copied into ``downloaded/<assignment>/archive/`` (nbgrader's archive directory), where names must
    match ``FileNameCollectorPlugin.named_regexp`` in ``grader_config.py`` (``<student>__<file>`` by default).
    """
    download = Path(download)
    if not download.is_dir():
        raise FileNotFoundError(f"no folder {download}")
    archive = Path(course_dir) / "downloaded" / assignment / "archive"
    if download.resolve() != archive.resolve():
        archive.mkdir(parents=True, exist_ok=True)
        for item in sorted(download.iterdir()):
            if item.is_file():
                shutil.copy2(item, archive / item.name)
            elif item.is_dir():
                shutil.copytree(item, archive / item.name, dirs_exist_ok=True)
    return commands.zip_collect(assignment, course_dir)


def submitted_students(assignment: str, course_dir: Path | str = ".") -> list[str]:
    """Students with a folder ``submitted/<student>/<assignment>/``."""
    root = Path(course_dir) / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def shared_transcripts(assignment: str, course_dir: Path | str = ".") -> list[judge.SharedTranscript]:
    """Role-play transcripts handed in alike by two or more students of ``assignment`` (in ``submitted/``).

    The same comparison the judge makes while grading (:func:`rapportkit.nbgrader.judge.transcript_copies`), over
    the whole class at once: findings for the instructor to look at, not penalties.
    """
    root = Path(course_dir) / "submitted"
    return judge.transcript_copies({s: root / s / assignment for s in submitted_students(assignment, course_dir)})


def shared_written_replies(assignment: str, course_dir: Path | str = ".") -> list[SharedReply]:
    """Written replies handed in alike by two or more students of ``assignment``: findings, not penalties."""
    root = Path(course_dir) / "submitted"
    replies: dict[str, dict[str, str]] = {}
    for student in submitted_students(assignment, course_dir):
        for notebook in sorted((root / student / assignment).glob("*.ipynb")):
            try:
                answers = notebook_answers(notebook)
            except Exception:  # an unreadable notebook has nothing to compare (grading names it)
                continue
            replies.setdefault(student, {}).update(
                {k: v for k, v in answers.items() if k.startswith(REPLY_PREFIX)})
    return shared_replies(replies)


# --- Autograde: one process for the batch, or several in parallel


def grade_batch(assignment: str, students: list[str], course_dir: Path) -> dict[str, str]:
    """Autograde each student on their own, so one broken submission cannot stop the batch.

    Returns ``{student: status}`` (see :func:`rapportkit.nbgrader.worker.grade_student`): ``"graded"``,
    ``"graded; <notes>"`` or ``"not graded: <reason>"`` naming the file and what is wrong with it. One nbgrader
    process grades them all, one after another.
    """
    grader = worker.Worker(assignment, course_dir)
    try:
        return {student: grader(assignment, student, Path(course_dir)) for student in students}
    finally:
        grader.close()


# --- Parallel autograde ---------------------------------------------------------------------------


class Progress:
    """A plain-text progress bar on a stream: redrawn in place on a terminal, one line per student otherwise."""

    def __init__(self, total: int, stream: TextIO | None = sys.stderr, width: int = 30) -> None:
        self.total, self.stream, self.width = total, stream, width
        self.done = self.failed = 0
        self.start = time.monotonic()
        self._lock = threading.Lock()

    def update(self, student: str, status: str) -> None:
        """Count one finished student and redraw."""
        with self._lock:
            self.done += 1
            self.failed += not status.startswith("graded")
            if self.stream is None:
                return
            filled = int(self.width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (self.width - filled)
            took = time.monotonic() - self.start
            left = self.total - self.done
            # Students finish at a steady rate once the workers are up, so the rate so far predicts the rest.
            eta = f", about {took / self.done * left:.0f}s left" if left else ""
            line = (f"[{bar}] {self.done}/{self.total} graded in {took:.0f}s{eta}"
                    f"{f', {self.failed} not graded' if self.failed else ''}")
            if self.stream.isatty():
                self.stream.write("\r" + line + ("\n" if self.done == self.total else ""))
            else:
                self.stream.write(f"{line}  {student}: {status}\n")
            self.stream.flush()


def _not_in_gradebook(assignment: str, root: Path) -> str | None:
    """Why no student of ``assignment`` can be graded (``None`` if the gradebook knows its notebooks)."""
    db = root / "gradebook.db"
    hint = f"{assignment} is not in the gradebook: run `rapportkit course generate {assignment}` (or release) first"
    if not db.is_file():
        return hint
    from nbgrader.api import Gradebook, MissingEntry

    commands.ensure_tools_on_path()
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            return None if gb.find_assignment(assignment).notebooks else hint
        except MissingEntry:
            return hint


def autograde(assignment: str, students: list[str] | None = None, jobs: int = 1,
              course_dir: Path | str = ".", progress: TextIO | None = sys.stderr, retries: int = 6,
              grade_one: Callable[[str, str, Path], str] | None = None) -> dict[str, str]:
    """Autograde students in parallel (``jobs`` nbgrader processes); one failure never stops the batch.

    Returns ``{student: "graded" or "not graded: <reason>"}`` in the order of ``students``
    (default: everyone with a folder in ``submitted/``).
    """
    root = Path(course_dir)
    students = list(students) if students is not None else submitted_students(assignment, root)
    missing = _not_in_gradebook(assignment, root)
    if missing:
        return {s: f"not graded: {missing}" for s in students}
    bar = Progress(len(students), progress)
    status: dict[str, str] = {}
    workers: list[worker.Worker] = []
    local = threading.local()

    def grader() -> Callable[[str, str, Path], str]:
        if grade_one is not None:
            return grade_one
        if not hasattr(local, "worker"):  # one nbgrader process per thread, reused for all its students
            local.worker = worker.Worker(assignment, root)
            workers.append(local.worker)
        return local.worker

    def work(student: str) -> str:
        for attempt in range(retries + 1):
            try:
                result = grader()(assignment, student, root)
            except Exception as err:  # e.g. a timeout: report it, keep the batch going
                result = f"not graded: {type(err).__name__}: {err}"
            if LOCKED not in result or attempt == retries:
                return result
            time.sleep(random.uniform(0.2, 1.0) * (attempt + 1))  # another writer held the gradebook
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(work, s): s for s in students}
            for fut in as_completed(futures):
                student = futures[fut]
                status[student] = fut.result()
                bar.update(student, status[student])
    finally:
        for grader in workers:
            grader.close()
    return {s: status[s] for s in students}


# --- Feedback and export ------------------------------------------------------------------------


def feedback(assignment: str, course_dir: Path | str = ".", release_to_exchange: bool = False,
             exchange: Path | str | None = None) -> list[StepResult]:
    """``nbgrader generate_feedback`` (hidden tests removed), then optionally ``release_feedback`` to the exchange."""
    steps = [commands.generate_feedback(assignment, course_dir)]
    if steps[-1].ok and release_to_exchange:
        steps.append(commands.nbgrader("release_feedback", assignment, *_exchange_args(exchange),
                                     course_dir=course_dir))
    return steps


def export(course_dir: Path | str = ".", to: Path | str | None = None,
           assignments: list[str] | None = None, lms: str | None = None) -> StepResult:
    """``nbgrader export`` with :class:`rapportkit.nbgrader.export.SkillsExportPlugin`: a column per step and per skill,
    laid out for ``lms`` (canvas, moodle, blackboard) when given."""
    dest = Path(to) if to else Path(course_dir) / (f"grades_{lms}.csv" if lms else "grades_by_skill.csv")
    args = ["export", "--exporter=rapportkit.nbgrader.export.SkillsExportPlugin", f"--to={dest.resolve()}"]
    if lms:
        args.append(f"--SkillsExportPlugin.lms={lms}")
    args += [f"--ExportPlugin.assignment={a}" for a in assignments or []]
    return commands.nbgrader(*args, course_dir=course_dir)
