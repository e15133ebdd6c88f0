"""Gradebook files an LMS imports: Canvas, Moodle and Blackboard, one row per student.

Each gets a column per step (assignment, in points) and per skill (the share of its points, 0-100), named so the
LMS makes new columns of them on import, and the student columns its importer matches on:

* **Canvas** (Grades > Import): ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column
  per item, and a ``Points Possible`` row under the header. Canvas matches a student on ``ID`` (its own user id, the
  LMS id of the roster) or ``SIS User ID``; a column without ``(id)`` after its name becomes a new assignment.
* **Moodle** (Grades > Import > CSV file): ``First name``, ``Last name``, ``ID number``, ``Email address``, then one
  column per item. On import, choose *Identify user by* ``Email address`` (or ``ID number``) and map each column to
  a grade item (or *new grade item*).
* **Blackboard** (Grade Center > Work Offline > Upload): ``Last Name``, ``First Name``, ``Username``, ``Student ID``,
  then one column per item named ``<name> [Total Pts: <points> Score]``; comma-separated with every value in
  quotes. Blackboard matches on ``Username``; a column without ``|<column id>`` becomes a new column.

A step a student did not hand in is left blank: each LMS then leaves the grade as it was. Skill columns are for
the instructor's view; set them not to count towards the course total in the LMS.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LMS_FORMATS = ("canvas", "moodle", "blackboard")
ITEM_PREFIX = "Rapport Lab"


@dataclass(frozen=True)
class GradeTable:
    """What the gradebook holds, ready to lay out: one row per student (``student_table``'s rows)."""

    steps: Sequence[str]  # assignment names, in order
    step_points: Mapping[str, float]  # points possible per step
    skills: Sequence[str]
    rows: Sequence[Mapping[str, object]]


def _number(value: object) -> str:
    if value in ("", None):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return f"{number:g}"


def item_names(table: GradeTable) -> list[tuple[str, str, float]]:
    """``(row key, column title, points possible)`` for every step, then every skill."""
    items = [(f"step:{s}", f"{ITEM_PREFIX} {s}", float(table.step_points[s])) for s in table.steps]
    items += [(f"skill:{k}", f"{ITEM_PREFIX} skill {k.replace('_', ' ')} (%)", 100.0) for k in table.skills]
    return items


def canvas(table: GradeTable) -> list[list[str]]:
    items = item_names(table)
    out = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(title for _, title, _ in items)],
           ["Points Possible", "", "", "", "", *(_number(points) for _, _, points in items)]]
    for row in table.rows:
        last, first = str(row.get("last_name") or ""), str(row.get("first_name") or "")
        name = f"{last}, {first}" if last and first else last or first or str(row["student_id"])
        out.append([name, str(row.get("lms_user_id") or ""), str(row["student_id"]), str(row.get("email") or ""),
                    "", *(_number(row.get(key)) for key, _, _ in items)])
    return out


def moodle(table: GradeTable) -> list[list[str]]:
    items = item_names(table)
    out = [["First name", "Last name", "ID number", "Email address", *(title for _, title, _ in items)]]
    for row in table.rows:
        out.append([str(row.get("first_name") or ""), str(row.get("last_name") or ""), str(row["student_id"]),
                    str(row.get("email") or ""), *(_number(row.get(key)) for key, _, _ in items)])
    return out


def blackboard(table: GradeTable) -> list[list[str]]:
    items = item_names(table)
    out = [["Last Name", "First Name", "Username", "Student ID",
            *(f"{title} [Total Pts: {_number(points)} Score]" for _, title, points in items)]]
    for row in table.rows:
        out.append([str(row.get("last_name") or ""), str(row.get("first_name") or ""),
                    str(row.get("lms_user_id") or row["student_id"]), str(row["student_id"]),
                    *(_number(row.get(key)) for key, _, _ in items)])
    return out


LAYOUTS = {"canvas": canvas, "moodle": moodle, "blackboard": blackboard}


def write(lms: str, table: GradeTable, dest: Path | str) -> Path:
    """Write ``table`` as ``lms`` imports it; returns the file written."""
    if lms not in LAYOUTS:
        raise ValueError(f"unknown LMS {lms!r}; expected one of: {', '.join(LMS_FORMATS)}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Blackboard reads a comma-separated file only with every value quoted.
    quoting = csv.QUOTE_ALL if lms == "blackboard" else csv.QUOTE_MINIMAL
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=quoting).writerows(LAYOUTS[lms](table))
    return dest
