"""What an LMS download holds, file by file: whose it is, which file of the assignment, and when it was handed in.

Understands the file names of the LMSs' "download all submissions" (as a folder or a .zip, or a folder of .zips):

* **Canvas**: ``<lastfirst>_<user id>_<submission id>_<file>``, with ``LATE`` after the name for late work, and
  ``-1``, ``-2`` before the extension of a resubmitted file (``01_trust-1.ipynb``): matched on the roster's ``lms_id``
  (the Canvas user id), else on the name;
* **Moodle**: ``<Full Name>_<participant id>_assignsubmission_file_<file>``, or a folder
  ``<Full Name>_<participant id>_assignsubmission_file_/`` holding the files: matched on the name (the participant id
  is Moodle's number for this assignment only);
* **Blackboard**: ``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>``: matched on the roster's ``lms_id``
  or ``id``, timed by the attempt;
* the kit's own ``<student id>__<file>``.

:func:`decide` gives every file a :class:`Decision`: collected for whom, or not collected and why (matches no
student, more than one, not a file of this assignment, another assignment's, a duplicate of a newer file). Nothing
is skipped silently. Pure: it reads no gradebook and no file; the roster is given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rapportkit.instructor.roster import RosterStudent

LAYOUTS = ("canvas", "moodle", "blackboard", "rapportkit")
SUPERSEDED = "a duplicate of a newer file"  # why an older copy of a resubmitted file is not collected

_CANVAS = re.compile(r"^(?P<name>[a-z0-9]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_(?P<kind>file|onlinetext)_(?P<file>.*)$")
_BLACKBOARD = re.compile(
    r"^(?P<assignment>.+?)_(?P<user>[^_/]+)_attempt_(?P<when>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:_(?P<file>.+))?$")
_OURS = re.compile(r"^(?P<user>[A-Za-z0-9_.-]+?)__(?P<file>[^/]+)$")
_RESUBMITTED = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class DownloadedFile:
    """One file of the download, read from its name (and its zip entry's time, when zipped)."""

    path: str  # as in the download: a path inside the folder, or "archive.zip:member"
    layout: str | None  # None: a name no LMS layout explains
    file: str  # the file's own name, as the student handed it in (resubmission suffix removed)
    lms_user: str = ""  # the LMS's id for the student (Canvas user id, Blackboard user name, our student id)
    name: str = ""  # the student's name as the file name gives it
    timestamp: datetime | None = None
    late: bool = False
    attempt: int = 0  # Canvas's resubmission number: higher is newer


@dataclass(frozen=True)
class Decision:
    """What happens to one downloaded file."""

    path: str
    student: str | None  # collected for this student, or None
    file: str
    timestamp: datetime | None
    why: str  # "collected", or why not
    note: str = ""  # e.g. "late (the LMS says)", "the newest of 2"

    @property
    def superseded(self) -> bool:
        """An older copy of a file collected newer for the same student: accounted for, not left over."""
        return self.why.startswith(SUPERSEDED)

    @property
    def collected(self) -> bool:
        return self.student is not None


def _name_key(text: str) -> str:
    """A name compared without case, accents, spaces or punctuation ("Lima, Ana" == "ana lima" reversed aside)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", plain)


def read_name(path: str, timestamp: datetime | None = None, name: str | None = None) -> DownloadedFile:
    """Read one downloaded file's name (``path`` may hold folders; a Moodle folder names the student).

    ``name``: the file's name inside a zip, when ``path`` (what the decisions report) is ``archive.zip:member``.
    """
    parts = (path if name is None else name).replace("\\", "/").split("/")
    base = parts[-1]
    folder = parts[-2] if len(parts) > 1 else ""
    if m := _MOODLE.match(folder + base if folder.endswith("_assignsubmission_file_") else base):
        return DownloadedFile(path, "moodle", m["file"] or base, name=m["name"], timestamp=timestamp)
    if m := _BLACKBOARD.match(base):
        when = datetime.strptime(m["when"], "%Y-%m-%d-%H-%M-%S")
        return DownloadedFile(path, "blackboard", m["file"] or "", lms_user=m["user"], timestamp=when)
    if m := _CANVAS.match(base):
        file, attempt = m["file"], 0
        if r := _RESUBMITTED.match(file):
            file, attempt = r["stem"] + r["ext"], int(r["n"])
        return DownloadedFile(path, "canvas", file, lms_user=m["user"], name=m["name"], timestamp=timestamp,
                              late=bool(m["late"]), attempt=attempt)
    if m := _OURS.match(base):
        return DownloadedFile(path, "rapportkit", m["file"], lms_user=m["user"], timestamp=timestamp)
    return DownloadedFile(path, None, base, timestamp=timestamp)


def _match(f: DownloadedFile, roster: Sequence[RosterStudent]) -> tuple[list[RosterStudent], str]:
    """The roster students a file names, and what it was matched on."""
    if f.layout in ("canvas", "blackboard") and f.lms_user:
        found = [s for s in roster if s.lms_id and s.lms_id == f.lms_user]
        if found or f.layout == "blackboard":
            found = found or [s for s in roster if s.id == f.lms_user]
            return found, "LMS id"
    if f.layout == "rapportkit":
        return [s for s in roster if s.id == f.lms_user], "student id"
    if f.name:
        key = _name_key(f.name)
        found = [s for s in roster if key and key in (_name_key(s.last_name + s.first_name),
                                                      _name_key(s.first_name + s.last_name))]
        return found, "name"
    return [], "nothing"


def decide(files: Iterable[DownloadedFile], roster: Sequence[RosterStudent], expected: Iterable[str],
           other_assignments: Iterable[str] = (), open_roster: bool = False) -> list[Decision]:
    """A decision for every file. ``expected``: the file names this assignment takes (its notebooks and role-play
    transcripts); ``other_assignments``: other assignments' notebooks. ``open_roster``: accept the kit's own
    ``<id>__<file>`` names for ids not in the roster (no roster was imported: nbgrader adds the students)."""
    expected, others = set(expected), set(other_assignments)
    pending: list[tuple[DownloadedFile, str]] = []
    decisions: list[Decision] = []

    def refuse(f: DownloadedFile, why: str) -> None:
        decisions.append(Decision(f.path, None, f.file, f.timestamp, why))

    for f in files:
        if f.layout is None:
            refuse(f, "its name matches no LMS download layout (Canvas, Moodle, Blackboard) nor <student>__<file>")
            continue
        if f.file not in expected:
            # Whose it is, when the name says: the instructor can then ask that student for the right file.
            owner, _ = _match(f, roster)
            whose = f" from {owner[0].id}" if len(owner) == 1 else ""
            if f.file in others:
                refuse(f, f"another assignment's file{whose} ({f.file})")
            elif not f.file.endswith((".ipynb", ".json")):
                refuse(f, f"not a notebook or a role-play transcript{whose} ({f.file or 'no file name'})")
            else:
                refuse(f, f"not a file of this assignment{whose} ({f.file}; it takes {', '.join(sorted(expected))})")
            continue
        found, on = _match(f, roster)
        if f.layout == "rapportkit" and not found and open_roster:
            found = [RosterStudent(f.lms_user)]
        if not found:
            who = f.name if on == "name" else f.lms_user
            refuse(f, f"matches no student of the roster (by {on}: {who!r})")
        elif len(found) > 1:
            refuse(f, f"matches more than one student ({', '.join(s.id for s in found)}, by {on})")
        else:
            pending.append((f, found[0].id))
    # Resubmissions: per student and file, the newest is collected and the others are named.
    groups: dict[tuple[str, str], list[DownloadedFile]] = {}
    for f, student in pending:
        groups.setdefault((student, f.file), []).append(f)
    for (student, file), group in groups.items():
        ordered = sorted(group, key=lambda f: (f.timestamp or datetime.min, f.attempt, f.path))
        newest = ordered[-1]
        notes = []
        if newest.late:
            notes.append("late (the LMS says)")
        if len(group) > 1:
            notes.append(f"the newest of {len(group)}")
        decisions.append(Decision(newest.path, student, file, newest.timestamp, "collected", "; ".join(notes)))
        for older in ordered[:-1]:
            decisions.append(Decision(older.path, None, file, older.timestamp,
                                      f"{SUPERSEDED} for {student} ({newest.path})"))
    return sorted(decisions, key=lambda d: d.path)
