"""Shared fixtures: a private copy of the course, so tests run real nbgrader without touching the repo."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COURSE_FILES = ("grader_config.py", "nbgrader_config.py")
COURSE_DIRS = ("solutions", "exercises")


def copy_course(dest: Path) -> Path:
    """Copy what nbgrader needs (config, solutions, exercises) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(REPO / name, dest / name)
    for name in COURSE_DIRS:
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


COHORTS = REPO / "tests" / "data" / "cohort"


@pytest.fixture(scope="session")
def graded_cohort(tmp_path_factory: pytest.TempPathFactory):
    """Grade an assignment's synthetic cohort end to end with the instructor command, once per session.

    Returns a function ``assignment -> (course copy, completed process)``.
    """
    done: dict[str, tuple[Path, subprocess.CompletedProcess]] = {}

    def grade(assignment: str) -> tuple[Path, subprocess.CompletedProcess]:
        if assignment not in done:
            root = copy_course(tmp_path_factory.mktemp(f"cohort-{assignment}") / "course")
            cmd = [sys.executable, "-m", "rapportkit.cli", "course", "demo", "--course-dir", str(root),
                   "--cohort", str(COHORTS / f"{assignment}.yaml")]
            done[assignment] = (root, subprocess.run(cmd, capture_output=True, text=True, timeout=900))
        return done[assignment]

    return grade


@pytest.fixture(scope="session")
def demo_course(graded_cohort) -> tuple[Path, subprocess.CompletedProcess]:
    """The Trust cohort (``make grade-demo``) graded end to end."""
    return graded_cohort("01_trust")
