"""Shared fixtures: a private copy of the course, so tests run real nbgrader without touching the repo."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
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

# --- Test tiers ----------------------------------------------------------------------------------
# Plain unit tests run in-process and fast (`make test-fast`). A test that starts anything (a kernel, nbgrader,
# a browser, a hub, a tool such as ruff or pip) carries the marker of its tier; an unmarked test that starts a
# process fails, naming what it started (pyproject.toml lists the markers).
TIERS = ("kernel", "nbgrader", "browser", "hub", "tools")
# Whole folders or modules in one tier, where every test in them starts processes.
TIER_OF_PATH = {"browser": "browser", "test_jupyterhub.py": "hub"}


class UnmarkedProcessError(RuntimeError):
    """An unmarked (unit-tier) test started a process."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for part, tier in TIER_OF_PATH.items():
            if part in item.path.parts:
                item.add_marker(tier)


def in_a_tier(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(tier) for tier in TIERS)


@contextlib.contextmanager
def no_processes(nodeid: str) -> Iterator[None]:
    """While active, starting a process raises :class:`UnmarkedProcessError` naming the test and the command."""
    real = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def refuse(self, args, *rest, **kwargs):  # noqa: ANN001
        command = args if isinstance(args, str) else " ".join(map(str, args))
        raise UnmarkedProcessError(f"{nodeid} starts a process ({command[:120]}) but is marked with none of "
                                   f"{', '.join(TIERS)}: mark it with its tier")

    subprocess.Popen._execute_child = refuse  # type: ignore[attr-defined]
    try:
        yield
    finally:
        subprocess.Popen._execute_child = real  # type: ignore[attr-defined]


def _guarded(item: pytest.Item) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext() if in_a_tier(item) else no_processes(item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    with _guarded(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    with _guarded(item):
        yield


@pytest.fixture(scope="session")
def graded_cohort(tmp_path_factory: pytest.TempPathFactory):
    """Grade an assignment's synthetic cohort end to end with the instructor command, once per session.

    Returns a function ``assignment -> (course copy, completed process)``.
    """
    done: dict[str, tuple[Path, subprocess.CompletedProcess]] = {}

    def grade(assignment: str) -> tuple[Path, subprocess.CompletedProcess]:
        if assignment not in done:
            root = copy_course(tmp_path_factory.mktemp(f"cohort-{assignment}") / "course")
            cmd = [sys.executable, "-m", "rapportkit.instructor.cli", "course", "demo", "--course-dir", str(root),
                   "--cohort", str(COHORTS / f"{assignment}.yaml")]
            done[assignment] = (root, subprocess.run(cmd, capture_output=True, text=True, timeout=900))
        return done[assignment]

    return grade


@pytest.fixture(scope="session")
def demo_course(graded_cohort) -> tuple[Path, subprocess.CompletedProcess]:
    """The Trust cohort (``make grade-demo``) graded end to end."""
    return graded_cohort("01_trust")
