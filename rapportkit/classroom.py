"""The instructor's term, thin over nbgrader: release, collect, parallel autograde, feedback, export, report.

Every step runs nbgrader's own commands (``rapportkit.course``) with the course's ``nbgrader_config.py``, so
whatever ``grader_config.py`` sets (the sandboxed kernel, the judge, feedback without hidden tests) applies.
``autograde`` grades students in parallel: ``jobs`` long-lived nbgrader processes (:mod:`rapportkit.grade_worker`),
each running nbgrader's own autograde for one student after another, so nbgrader's start-up is paid once per job,
not once per student. nbgrader's SQLite gradebook takes one writer at a time, so a student whose grading hit
"database is locked" is graded again (nbgrader's ``--force`` makes that idempotent).
"""

from __future__ import annotations

import math
import random
import shutil
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rapportkit import course, grade_worker, judge
from rapportkit import report as rreport
from rapportkit.course import REPO_ROOT, StepResult
from rapportkit.export import assignment_skills
from rapportkit.instructor.lms import LMS_FORMATS

LOCKED = "database is locked"


def _exchange_args(exchange: Path | str | None) -> tuple[str, ...]:
    return (f"--Exchange.root={Path(exchange).resolve()}",) if exchange else ()


# --- Distributing and collecting ------------------------------------------------------------------


def release(assignment: str, course_dir: Path | str = REPO_ROOT,
            exchange: Path | str | None = None) -> list[StepResult]:
    """``nbgrader generate_assignment`` then ``release_assignment``: students can fetch it from the exchange."""
    steps = [course.nbgrader("generate_assignment", assignment, "--force", course_dir=course_dir)]
    if steps[-1].ok:
        steps.append(course.nbgrader("release_assignment", assignment, "--force", *_exchange_args(exchange),
                                     course_dir=course_dir))
    return steps


def collect(assignment: str, course_dir: Path | str = REPO_ROOT, exchange: Path | str | None = None) -> StepResult:
    """``nbgrader collect --update``: the latest submission of every student, from the exchange into ``submitted/``."""
    return course.nbgrader("collect", assignment, "--update", *_exchange_args(exchange), course_dir=course_dir)


def collect_zip(assignment: str, download: Path | str, course_dir: Path | str = REPO_ROOT) -> StepResult:
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
    return course.zip_collect(assignment, course_dir)


def submitted_students(assignment: str, course_dir: Path | str = REPO_ROOT) -> list[str]:
    """Students with a folder ``submitted/<student>/<assignment>/``."""
    root = Path(course_dir) / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def shared_transcripts(assignment: str, course_dir: Path | str = REPO_ROOT) -> list[judge.SharedTranscript]:
    """Role-play transcripts handed in alike by two or more students of ``assignment`` (in ``submitted/``).

    The same comparison the judge makes while grading (:func:`rapportkit.judge.transcript_copies`), over the whole
    class at once: findings for the instructor to look at, not penalties.
    """
    root = Path(course_dir) / "submitted"
    return judge.transcript_copies({s: root / s / assignment for s in submitted_students(assignment, course_dir)})


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

    course.ensure_tools_on_path()
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            return None if gb.find_assignment(assignment).notebooks else hint
        except MissingEntry:
            return hint


def autograde(assignment: str, students: list[str] | None = None, jobs: int = 1,
              course_dir: Path | str = REPO_ROOT, progress: TextIO | None = sys.stderr, retries: int = 6,
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
    workers: list[grade_worker.Worker] = []
    local = threading.local()

    def grader() -> Callable[[str, str, Path], str]:
        if grade_one is not None:
            return grade_one
        if not hasattr(local, "worker"):  # one nbgrader process per thread, reused for all its students
            local.worker = grade_worker.Worker(assignment, root)
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
        for worker in workers:
            worker.close()
    return {s: status[s] for s in students}


# --- Feedback and export ------------------------------------------------------------------------


def feedback(assignment: str, course_dir: Path | str = REPO_ROOT, release_to_exchange: bool = False,
             exchange: Path | str | None = None) -> list[StepResult]:
    """``nbgrader generate_feedback`` (hidden tests removed), then optionally ``release_feedback`` to the exchange."""
    steps = [course.generate_feedback(assignment, course_dir)]
    if steps[-1].ok and release_to_exchange:
        steps.append(course.nbgrader("release_feedback", assignment, *_exchange_args(exchange),
                                     course_dir=course_dir))
    return steps


def export(course_dir: Path | str = REPO_ROOT, to: Path | str | None = None,
           assignments: list[str] | None = None, lms: str | None = None) -> StepResult:
    """``nbgrader export`` with :class:`rapportkit.export.SkillsExportPlugin`: a column per step and per skill,
    laid out for ``lms`` (canvas, moodle, blackboard) when given."""
    dest = Path(to) if to else Path(course_dir) / (f"grades_{lms}.csv" if lms else "grades_by_skill.csv")
    args = ["export", "--exporter=rapportkit.export.SkillsExportPlugin", f"--to={dest.resolve()}"]
    if lms:
        args.append(f"--SkillsExportPlugin.lms={lms}")
    args += [f"--ExportPlugin.assignment={a}" for a in assignments or []]
    return course.nbgrader(*args, course_dir=course_dir)


# --- Class report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemStat:
    """Classical test statistics of one graded item over the students graded on it."""

    item: str
    max_score: float
    students: int
    difficulty: float | None  # mean share of the item's points (0..1): low means hard
    discrimination: float | None  # item-rest correlation: do strong students do better on it?


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def item_stats(items: dict[str, list[tuple[str, float | None, float]]]) -> list[ItemStat]:
    """Difficulty and item-rest discrimination for each item of :func:`rapportkit.report.item_scores`."""
    totals: dict[str, float] = {}
    for rows in items.values():
        for student, score, _ in rows:
            if score is not None:
                totals[student] = totals.get(student, 0.0) + score
    out = []
    for name, rows in items.items():
        graded = [(s, score, top) for s, score, top in rows if score is not None]
        top = max((t for _, _, t in rows), default=0.0)
        shares = [score / t for _, score, t in graded if t]
        difficulty = sum(shares) / len(shares) if shares else None
        item = [score for _, score, _ in graded]
        rest = [totals[s] - score for s, score, _ in graded]
        out.append(ItemStat(name, top, len(graded), difficulty, _pearson(item, rest)))
    return out


def skill_shares(items: dict[str, list[tuple[str, float | None, float]]],
                 skills: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """``{skill: {student: share 0..1}}``: each student's points on the items covering a skill over their maximum."""
    got: dict[str, dict[str, list[float]]] = {}
    for name, rows in items.items():
        for skill in skills.get(name, []):
            for student, score, top in rows:
                if score is not None and top:
                    acc = got.setdefault(skill, {}).setdefault(student, [0.0, 0.0])
                    acc[0] += score
                    acc[1] += top
    return {k: {s: a / b for s, (a, b) in v.items()} for k, v in sorted(got.items())}


def report(assignment: str, course_dir: Path | str = REPO_ROOT, out_dir: Path | str | None = None) -> list[Path]:
    """Write the class report's PNGs: score per item, score per skill, item difficulty and discrimination."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    root = Path(course_dir)
    out = Path(out_dir) if out_dir else root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    items = rreport.item_scores(db_url, assignment)
    if not items:
        raise ValueError(f"no graded submissions for assignment {assignment!r}")
    paths = [rreport.plot_item_distribution(db_url, assignment, out / f"{assignment}_items.png")]

    skills = {k.split("/", 1)[1]: v for k, v in assignment_skills(root, assignment).items()}
    shares = skill_shares(items, skills)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(shares) + 2), 4.4))
    for i, per_student in enumerate(shares.values()):
        values = [100 * v for v in per_student.values()]
        ax.boxplot(values, positions=[i], widths=0.5, showfliers=False)
        ax.scatter([i + 0.06 * ((k % 5) - 2) for k in range(len(values))], values, s=14, alpha=0.6)
    ax.set_xticks(range(len(shares)), [s.replace("_", " ") for s in shares], rotation=35, ha="right")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("score (% of the skill's points)")
    ax.set_title(f"{assignment}: score per skill (items covering it)")
    fig.tight_layout()
    paths.append(out / f"{assignment}_skills.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    stats = item_stats(items)
    names = [s.item for s in stats]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(max(9.0, 0.9 * len(names) + 4), 4.4))
    ax1.bar(range(len(names)), [100 * (s.difficulty or 0) for s in stats], color="#4c78a8")
    for i, s in enumerate(stats):
        if s.difficulty is None:
            ax1.text(i, 5, "by hand", ha="center", rotation=90, fontsize=8, color="grey")
    ax1.set_ylim(0, 105)
    ax1.set_ylabel("mean score (% of points): low = hard")
    ax1.set_title("item difficulty")
    disc = [s.discrimination if s.discrimination is not None else 0 for s in stats]
    ax2.bar(range(len(names)), disc, color=["#e45756" if d < 0.2 else "#54a24b" for d in disc])
    for i, s in enumerate(stats):
        if s.discrimination is None:
            ax2.text(i, 0.05, "n/a", ha="center", fontsize=8, color="grey")
    ax2.axhline(0.2, color="grey", linestyle="--", linewidth=1)
    ax2.set_ylim(-1, 1)
    ax2.set_ylabel("item-rest correlation")
    ax2.set_title("item discrimination (below 0.2: review the item)")
    for a in (ax1, ax2):
        a.set_xticks(range(len(names)), names, rotation=35, ha="right")
    fig.suptitle(f"{assignment}: {max((s.students for s in stats), default=0)} students")
    fig.tight_layout()
    paths.append(out / f"{assignment}_difficulty.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


# --- Command line: `rapportkit course release|collect|autograde|feedback|export|report` -------------


def _failed(steps: list[StepResult] | StepResult) -> int:
    """Print what went wrong in the first failed nbgrader step; 0 if every step worked."""
    for step in steps if isinstance(steps, list) else [steps]:
        if not step.ok:
            print(f"nbgrader {' '.join(step.args)} failed:", file=sys.stderr)
            print("\n".join(step.errors()[-15:]) or step.log[-3000:], file=sys.stderr)
            return 1
    return 0


def cmd_release(args) -> int:  # noqa: ANN001 (argparse.Namespace)
    """Generate and release an assignment to the exchange."""
    code = _failed(release(args.assignment, args.course_dir, args.exchange))
    if not code:
        print(f"released {args.assignment}")
    return code


def cmd_collect(args) -> int:  # noqa: ANN001
    """Collect submissions from the exchange, or from an LMS download with --zip."""
    step = (collect_zip(args.assignment, args.zip, args.course_dir) if args.zip
            else collect(args.assignment, args.course_dir, args.exchange))
    code = _failed(step)
    if not code:
        students = submitted_students(args.assignment, args.course_dir)
        print(f"collected {args.assignment}: {len(students)} students in submitted/")
    return code


def cmd_autograde(args) -> int:  # noqa: ANN001
    """Autograde in parallel; prints one line per student; exit 1 if any student was not graded."""
    t0 = time.monotonic()
    status = autograde(args.assignment, args.student or None, args.jobs, Path(args.course_dir))
    took = time.monotonic() - t0
    for student, st in status.items():
        print(f"{student:<24}{st}")
    bad = sum(not st.startswith("graded") for st in status.values())
    print(f"{len(status) - bad} of {len(status)} graded in {took:.1f}s with {args.jobs} jobs", file=sys.stderr)
    return 1 if bad else 0


def cmd_feedback(args) -> int:  # noqa: ANN001
    """Generate feedback (and release it to the exchange with --release)."""
    code = _failed(feedback(args.assignment, args.course_dir, args.release, args.exchange))
    if not code:
        released = " and released to the exchange" if args.release else ""
        print(f"feedback for {args.assignment} in feedback/{released}")
    return code


def cmd_export(args) -> int:  # noqa: ANN001
    """Export the gradebook: one row per student, one column per step and per skill."""
    name = f"grades_{args.lms}.csv" if args.lms else "grades_by_skill.csv"
    to = Path(args.to) if args.to else Path(args.course_dir) / name
    code = _failed(export(args.course_dir, to, args.assignment or None, args.lms))
    if not code:
        print(f"grades: {to}")
    return code


def cmd_report(args) -> int:  # noqa: ANN001
    """Plots of the class's scores; item difficulty and discrimination, and role-plays handed in alike, as text."""
    try:
        paths = report(args.assignment, args.course_dir, args.out)
    except (FileNotFoundError, ValueError) as err:
        print(err, file=sys.stderr)
        return 1
    stats = item_stats(rreport.item_scores(f"sqlite:///{Path(args.course_dir) / 'gradebook.db'}", args.assignment))
    print(f"{'item':<20}{'points':>7}{'students':>10}{'difficulty':>12}{'discrimination':>16}")
    for s in stats:
        diff = f"{100 * s.difficulty:.0f}%" if s.difficulty is not None else "-"
        disc = f"{s.discrimination:+.2f}" if s.discrimination is not None else "-"
        print(f"{s.item:<20}{s.max_score:>7.0f}{s.students:>10}{diff:>12}{disc:>16}")
    copies = shared_transcripts(args.assignment, args.course_dir)
    if copies:
        print("\nRole-play transcripts to look at (handed in alike by several students; a finding, not a penalty):")
        for c in copies:
            print(f"  {c.finding}")
    else:
        print(f"\nRole-play transcripts: no two students handed in the same one for {args.assignment}.")
    for p in paths:
        print(f"report: {p}")
    return 0


def add_commands(sub) -> list:  # noqa: ANN001 (argparse's subparsers action)
    """Add the class-scale commands to ``rapportkit course``; returns the new parsers."""
    import os

    rel = sub.add_parser("release", help="generate and release an assignment to nbgrader's exchange")
    rel.set_defaults(func=cmd_release)
    col = sub.add_parser("collect", help="collect submissions (nbgrader collect, or zip_collect with --zip)")
    col.add_argument("--zip", metavar="DIR", help="an LMS download: files <student>__<file> and/or .zip archives")
    col.set_defaults(func=cmd_collect)
    auto = sub.add_parser("autograde", help="autograde students in parallel with nbgrader")
    auto.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="students graded at once")
    auto.add_argument("--student", action="append", help="grade only this student (repeatable)")
    auto.set_defaults(func=cmd_autograde)
    fb = sub.add_parser("feedback", help="generate feedback (hidden tests removed)")
    fb.add_argument("--release", action="store_true", help="also release it to the exchange for students to fetch")
    fb.set_defaults(func=cmd_feedback)
    exp = sub.add_parser("export", help="CSV: one row per student, a column per step and per skill")
    exp.add_argument("--to", help="CSV file (default grades_by_skill.csv in the course folder)")
    exp.add_argument("--assignment", action="append", help="only these assignments (repeatable)")
    exp.add_argument("--lms", choices=LMS_FORMATS,
                     help="lay the file out for this LMS's grade import (docs/teaching/lms.md; default: a plain CSV)")
    exp.set_defaults(func=cmd_export)
    rep = sub.add_parser("report", help="plots: scores per item and skill, item difficulty and discrimination")
    rep.add_argument("--out", help="folder for the PNGs (default reports/)")
    rep.set_defaults(func=cmd_report)
    for p in (rel, col, auto, fb, rep):
        p.add_argument("assignment", help="assignment name, e.g. 01_trust")
    for p in (rel, col, fb):
        p.add_argument("--exchange", help="nbgrader exchange folder (default: Exchange.root from the config)")
    parsers = [rel, col, auto, fb, exp, rep]
    for p in parsers:
        p.add_argument("--course-dir", default=str(REPO_ROOT), help="folder holding nbgrader_config.py")
    return parsers
