"""A course folder of the instructor's own, written from the instructor-only package ``rapportlab-course``.

The course itself (lessons, solutions with every answer key, generated exercises, nbgrader's configuration) is not
in ``rapportkit``, which students install too and can read; it is the separate package ``rapportlab-course``
(``course_package/`` in the kit's repository), installed only where the instructor grades.
"""

from __future__ import annotations

import importlib.util
import shutil
from importlib import resources
from pathlib import Path

COURSE_PACKAGE = "rapportlab_course"
FOLDERS = ("course", "solutions", "exercises")
FILES = ("grader_config.py", "nbgrader_config.py", "environment.yml")


class CourseNotInstalledError(RuntimeError):
    """The instructor-only course package is not installed here."""


def new_course(folder: Path | str) -> Path:
    """Write a ready course into ``folder`` (new, or empty): lessons, solutions, exercises and nbgrader's config."""
    dest = Path(folder).resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest} already exists and is not an empty folder: choose a new folder for the course")
    if importlib.util.find_spec(COURSE_PACKAGE) is None:
        raise CourseNotInstalledError(
            "The course itself (lessons, solutions with their answer keys, nbgrader's configuration) is the "
            "instructor-only package rapportlab-course, which is not installed here. Install it where you grade, "
            "never where students work: `pip install ./course_package` from the kit's repository."
        )
    source = resources.files(COURSE_PACKAGE)
    dest.mkdir(parents=True, exist_ok=True)
    for name in FOLDERS:
        with resources.as_file(source / name) as path:
            shutil.copytree(path, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for name in FILES:
        with resources.as_file(source / name) as path:
            shutil.copy2(path, dest / name)
    return dest
