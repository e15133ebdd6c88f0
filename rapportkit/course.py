"""Run real nbgrader commands for the course (the instructor commands are thin wrappers over these)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
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


def nbgrader(*args: str, course_dir: Path | str = REPO_ROOT, timeout: float | None = None) -> StepResult:
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


def assignments(course_dir: Path | str = REPO_ROOT) -> list[str]:
    """The assignments of the course: one folder each under ``solutions/``."""
    src = Path(course_dir) / "solutions"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))


def generate(assignment: str, course_dir: Path | str = REPO_ROOT) -> StepResult:
    """``nbgrader generate_assignment``: write the student version into ``exercises/``."""
    return nbgrader("generate_assignment", assignment, "--force", course_dir=course_dir)


def zip_collect(assignment: str, course_dir: Path | str = REPO_ROOT) -> StepResult:
    """``nbgrader zip_collect``: move downloaded submissions into ``submitted/<student>/<assignment>/``."""
    return nbgrader("zip_collect", assignment, "--force", course_dir=course_dir)


def autograde(assignment: str, student: str | None = None, course_dir: Path | str = REPO_ROOT) -> StepResult:
    """``nbgrader autograde`` for one student (or all): executes the notebooks and records grades."""
    extra = ("--student", student) if student else ()
    return nbgrader("autograde", assignment, "--force", *extra, course_dir=course_dir)


def generate_feedback(assignment: str, course_dir: Path | str = REPO_ROOT) -> StepResult:
    """``nbgrader generate_feedback``: HTML feedback per student, hidden tests removed."""
    return nbgrader("generate_feedback", assignment, "--force", course_dir=course_dir)


def export(course_dir: Path | str = REPO_ROOT) -> StepResult:
    """``nbgrader export``: ``grades.csv`` with one row per student and assignment."""
    return nbgrader("export", course_dir=course_dir)


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
