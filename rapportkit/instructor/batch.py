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
import re
import shutil
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from nbgrader.api import Gradebook

from rapportkit.answers import REPLY_PREFIX, notebook_answers
from rapportkit.instructor.lms_download import Decision, decide, read_name
from rapportkit.instructor.roster import RosterStudent
from rapportkit.instructor.similarity import SharedReply, shared_replies
from rapportkit.nbgrader import commands, judge, worker
from rapportkit.nbgrader.commands import StepResult
from rapportkit.nbgrader.late import course_late_work, local_to_utc

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


@dataclass
class Collection:
    """What collecting an LMS download did: a decision for every file, who handed in nothing, nbgrader's step."""

    decisions: list[Decision]
    nothing_from: list[str]
    step: StepResult | None

    @property
    def left_over(self) -> list[Decision]:
        """Files not collected, other than older copies of a file collected newer (those are accounted for)."""
        return [d for d in self.decisions if not d.collected and not d.superseded]

    @property
    def untimed(self) -> list[Decision]:
        """Files collected without a time (outside a .zip, or the LMS gives none): nbgrader cannot count them late."""
        return [d for d in self.decisions if d.collected and d.timestamp is None]


@dataclass(frozen=True)
class DownloadMember:
    """One file of an LMS download: where it is (``path`` or ``archive.zip:member``), and the zip entry's time."""

    where: str
    source: Path  # the file itself, or the .zip holding it
    member: str | None = None
    when: datetime | None = None

    def copy_to(self, dest: Path) -> None:
        """Write the file's contents to ``dest``, streamed: a download of a whole class never sits in memory."""
        if self.member is None:
            shutil.copyfile(self.source, dest)
            return
        with zipfile.ZipFile(self.source) as archive, archive.open(self.member) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)


def _download_files(download: Path) -> list[DownloadMember]:
    """Every file of a download folder, and of every .zip in it (read by name and time only)."""
    out: list[DownloadMember] = []
    for path in sorted(p for p in download.rglob("*") if p.is_file()):
        rel = path.relative_to(download).as_posix()
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                out += [DownloadMember(f"{rel}:{info.filename}", path, info.filename, datetime(*info.date_time))
                        for info in archive.infolist() if not info.is_dir()]
        else:
            out.append(DownloadMember(rel, path))
    return out


def assignment_files(assignment: str, course_dir: Path | str = ".") -> tuple[set[str], set[str]]:
    """The file names an assignment takes (its notebooks, the role-play transcripts they save), and the notebooks
    of the other assignments."""
    source = Path(course_dir) / "solutions"
    ours = {p.name for p in (source / assignment).glob("*.ipynb")}
    transcripts = {m for p in (source / assignment).glob("*.ipynb")
                   for m in re.findall(r"roleplay_[A-Za-z0-9_]+\.json", p.read_text(encoding="utf-8"))}
    others = {p.name for p in source.glob("*/*.ipynb") if p.parent.name != assignment}
    return ours | transcripts, others - ours


def roster_students(course_dir: Path | str = ".") -> list[RosterStudent]:
    """The gradebook's students (imported with `rapportkit course roster`); none if there is no gradebook yet."""
    db = Path(course_dir) / "gradebook.db"
    if not db.is_file():
        return []
    commands.ensure_tools_on_path()
    with Gradebook(f"sqlite:///{db}") as gb:
        return [RosterStudent(s.id, s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
                for s in gb.students]


def collect_zip(assignment: str, download: Path | str, course_dir: Path | str = ".") -> Collection:
    """Collect an LMS download (Canvas, Moodle, Blackboard or ``<student>__<file>``; a folder, .zip files or both).

    Every file gets a decision (:func:`rapportkit.instructor.lms_download.decide`) against the roster in the
    gradebook; the collected ones go to ``downloaded/<assignment>/archive/`` as ``<student>__<time>__<file>``, and
    ``nbgrader zip_collect`` moves them into ``submitted/`` with the LMS's time (read in ``c.LateWork.timezone``) as
    the submission's timestamp.
    """
    download = Path(download)
    if not download.is_dir():
        raise FileNotFoundError(f"no folder {download}")
    root = Path(course_dir)
    # The LMS's times are the course's local time; the zone is checked before anything is written, since a wrong
    # one would be kept in every timestamp.
    zone = course_late_work(commands.course_config(root)).zone()
    expected, others = assignment_files(assignment, root)
    roster = roster_students(root)
    found = {f.where: f for f in _download_files(download)}
    # A zip member is read by its own name and reported as "archive.zip:member", so two zips never collide.
    downloaded = [read_name(f.where, f.when, name=f.member) for f in found.values()]
    decisions = decide(downloaded, roster, expected, others, open_roster=not roster)
    archive = root / "downloaded" / assignment / "archive"
    if archive.exists():
        shutil.rmtree(archive)  # nbgrader's staging copy of the last download: the download is the source
    archive.mkdir(parents=True)
    for d in decisions:
        if d.collected:
            # nbgrader keeps times in UTC; the name takes the form grader_config.py's named_regexp reads.
            when = f"{local_to_utc(d.timestamp, zone):%Y-%m-%dT%H%M%S}__" if d.timestamp else ""
            found[d.path].copy_to(archive / f"{d.student}__{when}{d.file}")
    step = commands.zip_collect(assignment, root) if any(d.collected for d in decisions) else None
    handed_in = {d.student for d in decisions if d.collected}
    return Collection(decisions, sorted(s.id for s in roster if s.id not in handed_in), step)


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
