"""The kit as an instructor installs it: the built wheels in a fresh venv, used on a course folder of their own.

Two wheels are built from this checkout: rapportkit (what students and graders install; no answer key in it) and
the instructor-only rapportlab-course (the course itself). Both are installed with their declared dependencies
(pinned by requirements.txt) into a throw-away venv, and then, outside the checkout: the command line answers, the
widgets import, `rapportkit course new` writes a course folder, and in it a whole cohort is collected, autograded in
the sandbox (which must find Python and rapportkit where this venv put them), given feedback and exported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from tests.conftest import COHORTS, REPO

pytestmark = pytest.mark.tools

# What the two wheels are built from (the course package takes the course from beside it).
SOURCES = ("pyproject.toml", "README.md", "rapportkit", "course_package", "course", "solutions", "exercises",
           "grader_config.py", "nbgrader_config.py", "environment.yml")
IGNORED = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")


def run(cmd: list[str], cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from this checkout and its declared dependencies; returns its bin/."""
    base = tmp_path_factory.mktemp("install")
    # Built as pip builds them anywhere (an isolated build environment with the backend pyproject.toml names), from
    # a clean copy of the sources: an in-tree build would reuse, and leave behind, the checkout's build/.
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=IGNORED)
        else:
            shutil.copy2(REPO / name, src / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", base / "dist", src])
    assert built.returncode == 0, built.stderr
    course = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", base / "dist",
                  src / "course_package"])
    assert course.returncode == 0, course.stderr
    (wheel,) = (base / "dist").glob("rapportkit-*.whl")
    (course_wheel,) = (base / "dist").glob("rapportlab_course-*.whl")
    made = run([sys.executable, "-m", "venv", base / "venv"])
    assert made.returncode == 0, made.stderr
    bin_dir = base / "venv" / "bin"
    # The declared dependencies, at the versions the course pins (the same ones `make` installs).
    done = run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--constraint", REPO / "requirements.txt",
                wheel, course_wheel])
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


def answer_key_lines() -> set[str]:
    """Lines inside the solutions' hidden tests and solution regions: what only the instructor may read."""
    lines: set[str] = set()
    for path in (REPO / "solutions").glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if line.startswith("### BEGIN"):
                    inside = True
                elif line.startswith("### END"):
                    inside = False
                elif inside and len(line.strip()) > 30:
                    lines.add(line.strip())
    return lines


def test_the_package_students_install_holds_no_answer_key(installed: Path):
    (wheel,) = (installed.parent.parent / "dist").glob("rapportkit-*.whl")
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        text = "".join(whl.read(n).decode("utf-8", "replace") for n in names)
    assert not any(n.endswith(".ipynb") or "solutions/" in n for n in names)
    keys = answer_key_lines()
    assert len(keys) > 50
    leaked = [line for line in keys if line in text]
    assert not leaked, leaked[:5]


def test_a_course_folder_of_ones_own_is_graded_from_where_the_command_runs(installed: Path, tmp_path: Path):
    made = run([installed / "rapportkit", "course", "new", "my-course"], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    course = tmp_path / "my-course"
    assert {p.name for p in course.iterdir()} >= {"course", "solutions", "exercises", "grader_config.py",
                                                   "nbgrader_config.py", "environment.yml"}
    again = run([installed / "rapportkit", "course", "new", "my-course"], cwd=tmp_path)
    assert again.returncode == 2 and "already exists and is not an empty folder" in again.stderr
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
