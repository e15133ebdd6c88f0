"""The class list: one CSV the instructor keeps, imported into nbgrader's gradebook and kept in step with it.

Columns (a header row first; order free; extra columns are ignored):

* ``id`` (required): the student's id in the course, as nbgrader uses it in folder names: letters, digits,
  ``_ . -`` only;
* ``first_name``, ``last_name``, ``email``: as the LMS has them;
* ``lms_id``: the LMS's own id for the student (Canvas user id, Moodle user name, Blackboard user name...), which
  LMS downloads and grade imports use.

``rapportkit course roster FILE`` reads it (a mistake is named with its file, line and column), adds or updates
every student in the gradebook, and names the students the gradebook has that the roster does not.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from rapportkit.nbgrader.commands import ensure_tools_on_path

COLUMNS = ("id", "first_name", "last_name", "email", "lms_id")
STUDENT_ID = re.compile(r"[A-Za-z0-9_.-]+")


class RosterError(ValueError):
    """The roster file cannot be used as it is: the message names the file, line and column."""


@dataclass(frozen=True)
class RosterStudent:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_id: str = ""


def read_roster(path: Path | str) -> list[RosterStudent]:
    """The students of a roster CSV, or :class:`RosterError` naming every problem with its line and column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is not part of "id"
    except (OSError, UnicodeDecodeError) as err:
        raise RosterError(f"{path}: cannot be read as a UTF-8 CSV file ({err})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "id" not in header:
        raise RosterError(f"{path}:1: no 'id' column; the columns are {', '.join(COLUMNS)} (only 'id' is required)")
    problems: list[str] = []
    students: list[RosterStudent] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        sid = row.get("id", "")
        if not sid:
            problems.append(f"{path}:{line}: column 'id' is empty")
            continue
        if not STUDENT_ID.fullmatch(sid):
            problems.append(f"{path}:{line}: column 'id' is {sid!r}: use letters, digits, '_', '.' or '-' only "
                            "(nbgrader puts it in folder names)")
            continue
        if sid in seen:
            problems.append(f"{path}:{line}: column 'id' repeats {sid!r} (first on line {seen[sid]})")
            continue
        seen[sid] = line
        students.append(RosterStudent(sid, *(row.get(c, "") for c in COLUMNS[1:])))
    if problems:
        raise RosterError("\n".join(problems))
    return students


@dataclass
class RosterSync:
    """What importing a roster did to the gradebook."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    only_in_gradebook: list[str] = field(default_factory=list)  # kept (their work may be graded), and named


def sync_roster(students: list[RosterStudent], db_url: str) -> RosterSync:
    """Add or update every roster student in the gradebook; name the gradebook's students the roster lacks."""
    result = RosterSync()
    ensure_tools_on_path()  # a new gradebook's migration runs alembic
    with Gradebook(db_url) as gb:
        before = {s.id: (s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
                  for s in gb.students}
        for st in students:
            now = (st.first_name, st.last_name, st.email, st.lms_id)
            if before.get(st.id) == now:
                result.unchanged.append(st.id)
                continue
            gb.update_or_create_student(st.id, first_name=st.first_name or None, last_name=st.last_name or None,
                                        email=st.email or None, lms_user_id=st.lms_id or None)
            (result.updated if st.id in before else result.added).append(st.id)
        listed = {st.id for st in students}
        result.only_in_gradebook = sorted(sid for sid in before if sid not in listed)
    return result
