"""The kit as an instructor installs it: the built wheel in a fresh venv, used on a course folder of their own.

The wheel is built from this checkout, installed with its declared dependencies (pinned by requirements.txt) into
a throw-away venv, and then, outside the checkout: the command line answers, the widgets import, and a whole cohort
is collected, autograded in the sandbox (which must find Python and rapportkit where this venv put them), given
feedback and exported, from the course folder the command runs in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from tests.conftest import COHORTS, REPO, copy_course

pytestmark = pytest.mark.tools


def run(cmd: list[str], cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from this checkout and its declared dependencies; returns its bin/."""
    base = tmp_path_factory.mktemp("install")
    # Built as pip builds it anywhere: in an isolated environment with the build backend pyproject.toml names.
    built = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", base / "dist", REPO])
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("rapportkit-*.whl")
    made = run([sys.executable, "-m", "venv", base / "venv"])
    assert made.returncode == 0, made.stderr
    bin_dir = base / "venv" / "bin"
    # The declared dependencies, at the versions the course pins (the same ones `make` installs).
    done = run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--constraint", REPO / "requirements.txt",
                wheel])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return bin_dir


def test_the_command_line_answers(installed: Path, tmp_path: Path):
    proc = run([installed / "rapportkit", "course", "--help"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "autograde" in proc.stdout and "export" in proc.stdout


def test_the_student_side_imports_from_the_wheel_not_the_checkout(installed: Path, tmp_path: Path):
    proc = run([installed / "python", "-c", "import rapportkit, rapportkit.widgets; print(rapportkit.__file__)"],
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(installed.parent), proc.stdout


def test_a_course_folder_of_ones_own_is_graded_from_where_the_command_runs(installed: Path, tmp_path: Path):
    course = copy_course(tmp_path / "my-course")
    proc = run([installed / "rapportkit", "course", "demo", "--cohort", COHORTS / "01_trust.yaml"], cwd=course)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grades = gb.find_submission_notebook("01_trust", "01_trust", "demo_complete").grades
        full = {g.name: (g.auto_score, g.max_score) for g in grades if g.cell.cell_type == "code"}
    assert full and all(got == top for got, top in full.values()), full  # every autograded item, full marks
    assert (course / "grades.csv").is_file()
    # the sandbox saw rapportkit where this venv installed it: no kernel failed to import it
    feedback = (course / "feedback" / "demo_complete" / "01_trust" / "01_trust.html").read_text(encoding="utf-8")
    assert "ModuleNotFoundError" not in feedback
    assert "SANDBOX OFF" not in proc.stdout + proc.stderr
