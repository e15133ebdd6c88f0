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


@pytest.fixture(scope="session")
def demo_course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The synthetic cohort graded end to end by the instructor command (``make grade-demo``), once."""
    root = copy_course(tmp_path_factory.mktemp("demo") / "course")
    cohort = REPO / "tests" / "data" / "cohort" / "01_trust.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "rapportkit.cli", "course", "demo", "--course-dir", str(root), "--cohort", str(cohort)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    return root, proc
