"""nbgrader export plugin: one row per student, one column per step (assignment, after any late penalty, with the
penalty in a column of its own) and per skill.

Skills are the techniques a graded cell assesses, from its ``rapportlab.covers`` metadata in the instructor's
notebook (``solutions/``), minus the names of role-play clients (``john``, ``abby``...). A cell that covers
several skills counts towards each. Used by ``rapportkit course export`` as
``nbgrader export --exporter=rapportkit.nbgrader.export.SkillsExportPlugin``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.plugins.export import ExportPlugin
from traitlets import Enum

from rapportkit.nbgrader.late import score_after_penalty
from rapportkit.nbgrader.lms import LMS_FORMATS, GradeTable, write
from rapportkit.roleplay import scenario_names


@lru_cache(maxsize=1)
def _client_names() -> frozenset[str]:
    """Names of the shipped role-play clients: they tag cells but are not skills."""
    try:
        return frozenset(scenario_names())
    except Exception:  # a broken scenario must not stop an export
        return frozenset()


def notebook_skills(notebook: Path | str) -> dict[str, list[str]]:
    """``{grade_id: [skill, ...]}`` for every graded cell of one notebook (instructor or student version)."""
    nb = nbformat.read(str(notebook), as_version=4)
    clients = _client_names()
    out: dict[str, list[str]] = {}
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if not grading.get("grade"):
            continue
        covers = cell.metadata.get("rapportlab", {}).get("covers", [])
        out[grading["grade_id"]] = [str(c) for c in covers if str(c) not in clients]
    return out


def assignment_skills(course_dir: Path | str, assignment: str,
                      source_directory: str = "solutions") -> dict[str, list[str]]:
    """``{grade_id: [skill, ...]}`` over every notebook of an assignment (grade ids are per notebook here)."""
    out: dict[str, list[str]] = {}
    folder = Path(course_dir) / source_directory / assignment
    for nb in sorted(folder.glob("*.ipynb")):
        for gid, skills in notebook_skills(nb).items():
            out[f"{nb.stem}/{gid}"] = skills
    return out


def student_table(gradebook: Gradebook, course_dir: Path | str, source_directory: str = "solutions",
                  assignments: list[str] | None = None,
                  students: list[str] | None = None) -> tuple[list[str], list[dict[str, object]]]:
    """The export table: ``(columns, rows)``; step columns in points after any late penalty, the penalty in its
    ``late:`` column; skill columns in % of their points (what was shown, before any penalty: lateness is not a
    skill)."""
    wanted = [a.name for a in gradebook.assignments if not assignments or a.name in assignments]
    skills_of = {a: assignment_skills(course_dir, a, source_directory) for a in wanted}
    all_skills = sorted({s for per in skills_of.values() for sk in per.values() for s in sk})
    step_cols = [f"step:{a}" for a in wanted]
    late_cols = [f"late:{a}" for a in wanted]
    skill_cols = [f"skill:{s}" for s in all_skills]
    columns = ["student_id", "last_name", "first_name", "email", "lms_user_id", "score", "max_score",
               *step_cols, *late_cols, *skill_cols]
    rows: list[dict[str, object]] = []
    for student in gradebook.students:
        if students and student.id not in students:
            continue
        row: dict[str, object] = {"student_id": student.id, "last_name": student.last_name or "",
                                  "first_name": student.first_name or "", "email": student.email or "",
                                  "lms_user_id": student.lms_user_id or ""}
        total = top = 0.0
        got: dict[str, float] = {}
        out_of: dict[str, float] = {}
        for name in wanted:
            assignment = gradebook.find_assignment(name)
            try:
                sub = gradebook.find_submission(name, student.id)
            except Exception:  # MissingEntry: no submission for this step
                row[f"step:{name}"] = row[f"late:{name}"] = ""
                top += assignment.max_score
                continue
            penalty = float(sub.late_submission_penalty or 0)
            row[f"step:{name}"] = grade = score_after_penalty(sub.score, penalty)
            row[f"late:{name}"] = round(penalty, 4) if penalty else ""
            total += grade
            top += assignment.max_score
            for nb in sub.notebooks:
                for grade in nb.grades:
                    graded = grade.auto_score is not None or grade.manual_score is not None
                    if not graded or not grade.max_score:
                        continue
                    for skill in skills_of[name].get(f"{nb.name}/{grade.name}", []):
                        got[skill] = got.get(skill, 0.0) + grade.score
                        out_of[skill] = out_of.get(skill, 0.0) + grade.max_score
        row["score"], row["max_score"] = round(total, 4), round(top, 4)
        for skill in all_skills:
            row[f"skill:{skill}"] = round(100 * got[skill] / out_of[skill], 1) if out_of.get(skill) else ""
        rows.append(row)
    return columns, rows


class SkillsExportPlugin(ExportPlugin):
    """CSV with one row per student: total, one column per step (points) and per skill (% of its points).

    With ``lms`` set, the file is laid out as that LMS imports it (:mod:`rapportkit.nbgrader.lms`).
    """

    lms = Enum(["", *LMS_FORMATS], default_value="", help="Lay the file out for this LMS's grade import").tag(
        config=True)

    def export(self, gradebook: Gradebook) -> None:
        coursedir = getattr(self.parent, "coursedir", None)
        root = Path(coursedir.root) if coursedir is not None else Path.cwd()
        source = coursedir.source_directory if coursedir is not None else "solutions"
        dest = Path(self.to or "grades_by_skill.csv")
        columns, rows = student_table(gradebook, root, source, [str(a) for a in self.assignment] or None,
                                      [str(s) for s in self.student] or None)
        self.log.info("Exporting %d students, %d columns to %s", len(rows), len(columns), dest)
        if self.lms:
            steps = [c.removeprefix("step:") for c in columns if c.startswith("step:")]
            points = {a: gradebook.find_assignment(a).max_score for a in steps}
            skills = [c.removeprefix("skill:") for c in columns if c.startswith("skill:")]
            write(self.lms, GradeTable(steps, points, skills, rows), dest)
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
