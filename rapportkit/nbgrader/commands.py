"""Run real nbgrader commands for the course (the instructor commands are thin wrappers over these)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

# The course is the folder nbgrader runs in, as nbgrader assumes: the one holding this file.
COURSE_CONFIG = "nbgrader_config.py"


class CourseFolderError(ValueError):
    """A folder given as the course is not one: it holds no nbgrader_config.py."""


def course_folder(path: Path | str = ".") -> Path:
    """The course folder ``path`` (default: the current folder), checked to hold nbgrader's configuration."""
    root = Path(path).resolve()
    if not (root / COURSE_CONFIG).is_file():
        raise CourseFolderError(
            f"{root} is not a course folder: it has no {COURSE_CONFIG}. Run `rapportkit course ...` in the folder "
            "that holds it, pass --course-dir, or make a course with `rapportkit course new DIR`."
        )
    return root


def course_config(course_dir: Path | str = ".") -> Config:
    """The course's settings as nbgrader reads them: ``nbgrader_config.py`` and the ``grader_config.py`` it loads."""
    return PyFileConfigLoader(COURSE_CONFIG, path=str(Path(course_dir).resolve())).load_config()


_EXCEPTION = re.compile(r"^\s*((?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Timeout)\b:.*)$", re.M)


@dataclass(frozen=True)
class StepResult:
    """One nbgrader command: what ran, whether it worked, and its log."""

    args: tuple[str, ...]
    returncode: int
    log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def errors(self) -> list[str]:
        """The lines of nbgrader's log that say what went wrong."""
        marks = ("| ERROR]", "| CRITICAL]", "Error:", "Traceback")
        return [line for line in self.log.splitlines() if any(m in line for m in marks)]

    def reason(self) -> str:
        """The most specific error in the log (the last exception raised), for a batch report."""
        exceptions = [m.group(1) for m in _EXCEPTION.finditer(self.log)]
        if exceptions:
            return exceptions[-1].strip()
        errors = self.errors()
        return errors[-1].split("]", 1)[-1].strip() if errors else f"exit code {self.returncode}"


def nbgrader_env() -> dict[str, str]:
    """The environment nbgrader needs: the venv's ``bin`` on PATH (its migrations run ``alembic``)."""
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    # Grading must not wait on, or print warnings about, anything interactive.
    env.setdefault("MPLBACKEND", "Agg")
    return env


def ensure_tools_on_path() -> None:
    """Put the venv's ``bin`` on this process's PATH: opening a gradebook may run ``alembic``."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def nbgrader(*args: str, course_dir: Path | str = ".", timeout: float | None = None) -> StepResult:
    """Run ``nbgrader ARGS`` in ``course_dir`` (which holds ``nbgrader_config.py``) and capture its log."""
    cmd = (sys.executable, "-m", "nbgrader", *args)
    proc = subprocess.run(
        cmd,
        cwd=str(course_dir),
        env=nbgrader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return StepResult(tuple(args), proc.returncode, proc.stdout)


def assignments(course_dir: Path | str = ".") -> list[str]:
    """The assignments of the course: one folder each under ``solutions/``."""
    src = Path(course_dir) / "solutions"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))


def generate(assignment: str, course_dir: Path | str = ".") -> StepResult:
    """``nbgrader generate_assignment``: write the student version into ``exercises/``."""
    return nbgrader("generate_assignment", assignment, "--force", course_dir=course_dir)


def zip_collect(assignment: str, course_dir: Path | str = ".") -> StepResult:
    """``nbgrader zip_collect``: move downloaded submissions into ``submitted/<student>/<assignment>/``."""
    return nbgrader("zip_collect", assignment, "--force", course_dir=course_dir)


def autograde(assignment: str, student: str | None = None, course_dir: Path | str = ".") -> StepResult:
    """``nbgrader autograde`` for one student (or all): executes the notebooks and records grades."""
    extra = ("--student", student) if student else ()
    return nbgrader("autograde", assignment, "--force", *extra, course_dir=course_dir)


def generate_feedback(assignment: str, course_dir: Path | str = ".", exclude: list[str] | None = None) -> StepResult:
    """``nbgrader generate_feedback``: HTML feedback per student, hidden tests removed; none for ``exclude``."""
    extra = (f"--CourseDirectory.student_id_exclude={','.join(exclude)}",) if exclude else ()
    return nbgrader("generate_feedback", assignment, "--force", *extra, course_dir=course_dir)


def export(course_dir: Path | str = ".", to: str = "grades.csv") -> StepResult:
    """``nbgrader export --to TO`` (relative to the course folder): one row per student and assignment."""
    return nbgrader("export", "--to", to, course_dir=course_dir)


def check_notebook_file(path: Path | str) -> str | None:
    """Why a submitted file cannot be graded as a notebook (``None`` if it can): says what and where."""
    import json

    import nbformat

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        return f"{path.name}: cannot be read ({err.strerror})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"{path.name}: not a notebook (binary data at byte {err.start})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return f"{path.name}: not a notebook (broken JSON at line {err.lineno}, column {err.colno}: {err.msg})"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several types; all mean "not a valid notebook"
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"{path.name}: not a valid notebook ({first})"
    if not isinstance(data, dict):
        return f"{path.name}: not a notebook (JSON but not an object)"
    return None


def expected_notebooks(assignment: str, course_dir: Path | str = ".") -> list[str]:
    """The notebook file names a submission of ``assignment`` must hold (those of its source folder)."""
    return sorted(p.name for p in (Path(course_dir) / "solutions" / assignment).glob("*.ipynb"))


def submission_problems(assignment: str, student: str, course_dir: Path | str = ".") -> list[str]:
    """What is wrong with a student's submitted files, one message per notebook, naming the file."""
    folder = Path(course_dir) / "submitted" / student / assignment
    handed = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    expected = expected_notebooks(assignment, course_dir)
    unknown = [n for n in handed if n.endswith(".ipynb") and n not in expected]
    problems = []
    for name in expected:
        if name in handed:
            if problem := check_notebook_file(folder / name):
                problems.append(problem)
        elif unknown:
            found = ", ".join(repr(n) for n in unknown)
            problems.append(f"{name}: not handed in; found {found} instead (renamed? it must be called {name})")
        elif handed:
            problems.append(f"{name}: not handed in (the submission holds only {', '.join(handed)})")
        else:
            problems.append(f"{name}: not handed in (the submission is empty)")
    return problems


# What autograding itself writes (or may write while other students are graded in parallel), and folders too big
# or too private to watch; any other file that appears, changes or vanishes during one student's grading is reported.
_UNWATCHED = {".git", ".venv", "node_modules", "__pycache__", ".ipynb_checkpoints", "autograded", "feedback"}
_UNWATCHED_FILES = {"gradebook.db", "gradebook.db-journal", "gradebook.db-wal", "gradebook.db-shm", ".nbgrader.log"}


def snapshot(course_dir: Path | str = ".") -> dict[str, tuple[int, int]]:
    """``{relative path: (size, mtime)}`` of the course folder's files, for spotting writes during grading."""
    root = Path(course_dir)
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _UNWATCHED]
        for name in filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if rel in _UNWATCHED_FILES:
                continue
            try:
                st = os.lstat(path)
            except OSError:
                continue
            out[rel] = (st.st_size, st.st_mtime_ns)
    return out


def changed_files(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Files created, changed or removed between two snapshots, as relative paths."""
    return sorted(rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel))


def forget_submission(assignment: str, student: str, course_dir: Path | str = ".") -> None:
    """Drop a submission that could not be graded from the gradebook (nbgrader may leave one at 0 points)."""
    db = Path(course_dir) / "gradebook.db"
    if not db.is_file():
        return
    import sqlite3

    from nbgrader.api import Gradebook, MissingEntry

    con = sqlite3.connect(db)  # open the gradebook as the course it belongs to, not as "default_course"
    try:
        row = con.execute("SELECT course_id FROM assignment WHERE name = ?", (assignment,)).fetchone()
    finally:
        con.close()
    if row is None:
        return
    ensure_tools_on_path()
    with Gradebook(f"sqlite:///{db}", course_id=row[0]) as gb:
        try:
            gb.remove_submission(assignment, student)
        except MissingEntry:
            pass
