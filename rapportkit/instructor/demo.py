"""A synthetic cohort for trying the instructor's path end to end (``make grade-demo``)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
import yaml

from rapportkit.roleplay import RecordedRolePlay

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _solution_sources(solution_nb: Path) -> dict[str, str]:
    """The instructor's answers, by grade_id, as a student's filled-in cell would hold them.

    An answer cell is the release's empty answer, then the solution region; a student writes their answer
    in place of the empty one, so the filled cell keeps the comments and the region's lines, without markers.
    """
    nb = nbformat.read(solution_nb, as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = cell.source.splitlines()
            markers = [i for i, line in enumerate(lines) if line.strip() in SOLUTION_MARKERS]
            if len(markers) == 2:
                begin, end = markers
                lines = [ln for ln in lines[:begin] if ln.lstrip().startswith("#")] + lines[begin + 1:end]
            out[meta["grade_id"]] = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    return out


def fill(release_nb: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the released notebook with the given answer cells filled in."""
    nb = nbformat.read(release_nb, as_version=4)
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def load_cohort(path: Path) -> dict:
    """Read a cohort file (see ``tests/data/cohort/``)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def build_submissions(cohort_file: Path, course_dir: Path | str = ".") -> dict[str, str]:
    """Write each student's notebook into ``downloaded/<assignment>/archive/`` as an LMS would.

    Each student may also hand in role-play transcripts (``transcripts: {file: {scenario, turns}}``),
    played here with the real engine. Returns ``{student_id: quality}``.
    """
    cohort = load_cohort(cohort_file)
    assignment, notebook = cohort["assignment"], cohort["notebook"]
    release_nb = course_dir / "exercises" / assignment / notebook
    solution = _solution_sources(course_dir / "solutions" / assignment / notebook)
    archive = course_dir / "downloaded" / assignment / "archive"
    if archive.exists():
        shutil.rmtree(archive)
    archive.mkdir(parents=True)
    qualities = {}
    for student, spec in cohort["students"].items():
        qualities[student] = spec["quality"]
        target = archive / f"{student}__{notebook}"
        if spec.get("broken"):
            target.write_text('{"cells": [ this is not a notebook', encoding="utf-8")
            continue
        answers = solution if spec["answers"] == "solution" else dict(spec["answers"])
        nb = fill(release_nb, answers)
        if spec.get("reflection"):
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "markdown":
                    cell.source = spec["reflection"]
        nbformat.write(nb, target)
        for name, played in (spec.get("transcripts") or {}).items():
            scenario = played["scenario"]
            if scenario.endswith((".yaml", ".yml")):  # a graded variant, released beside the notebook
                scenario = str(release_nb.parent / scenario)
            write_transcript(scenario, played["turns"], archive / f"{student}__{name}")
    return qualities


def write_transcript(scenario: str, turns: list[str], path: Path) -> Path:
    """Play a role-play with the real engine, as a student would, saving its transcript to ``path``."""
    session = RecordedRolePlay(scenario, path, resume=False)
    for turn in turns:
        session.respond(turn)
    return path
