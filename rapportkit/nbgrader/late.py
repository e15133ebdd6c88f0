"""Late work: due dates, extensions and a late policy, applied through nbgrader's own late-penalty mechanism.

The settings live in ``grader_config.py`` (``c.LateWork.*``, below); extensions in a small CSV beside it.

* **Autograde.** :class:`SetDueDates`, a preprocessor placed before nbgrader's ``AssignLatePenalties``, writes the
  assignment's due date and this student's extension into the gradebook. ``AssignLatePenalties`` then measures how
  late the submission is (nbgrader's ``total_seconds_late``, extension included) and asks its ``plugin_class``,
  :class:`LatePenalty`, for the points to take. Both run on every autograde from the settings as they are then, so
  a moved due date, a new or withdrawn extension, or a regrade always leaves the penalty the policy gives.
* **Feedback.** :class:`ExplainLateness` puts a note at the top of a late student's feedback: due when, handed in
  when, how late, the policy, the points taken. nbgrader's own score line shows the deduction too.
* **Export.** ``rapportkit.nbgrader.export`` reports each step's score after the penalty, and the penalty beside it.

Penalties are a share of the points the notebook is worth (as Canvas's late policy counts them), for each day (or
hour) begun after the due date, up to the cap; work handed in within the grace minutes counts as on time (past them,
the days are still counted from the due date). nbgrader never takes more than was scored.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

import dateutil.parser
import dateutil.tz
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Enum, Float, TraitError, Unicode
from traitlets.config import Config, LoggingConfigurable

UNIT_SECONDS = {"day": 86400, "hour": 3600}
EXTENSION_COLUMNS = ("id", "assignment", "extension")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(weeks?|w|days?|d|hours?|h|minutes?|mins?|m)\b", re.I)
_ISO_DUE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}")
_UNIT_OF = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


class LateWorkError(ValueError):
    """The late-work settings or the extensions file cannot be used: the message names the file, line and field."""


@dataclass(frozen=True)
class LatePolicy:
    """How much lateness costs: ``percent`` of the points per ``per`` (day or hour) begun, at most ``cap_percent``."""

    per: str = "none"  # "none", "day" or "hour"
    percent: float = 10.0
    cap_percent: float = 100.0
    grace_minutes: float = 0.0

    def on_time(self, seconds_late: float) -> bool:
        """Handed in by the due date or within the grace minutes after it."""
        return seconds_late <= self.grace_minutes * 60

    def units_late(self, seconds_late: float) -> int:
        """Days (or hours) begun after the due date and the grace period; 0 if on time or no policy."""
        if self.per not in UNIT_SECONDS or self.on_time(seconds_late):
            return 0
        return math.ceil(seconds_late / UNIT_SECONDS[self.per])

    def penalty(self, seconds_late: float, max_points: float) -> float:
        """Points taken from a notebook worth ``max_points`` handed in ``seconds_late`` after its due date."""
        share = min(self.units_late(seconds_late) * self.percent, self.cap_percent)
        return round(max(share, 0.0) / 100 * max_points, 4)

    def describe(self) -> str:
        """The policy in a sentence, for feedback."""
        if self.per not in UNIT_SECONDS or self.percent <= 0:
            return "Late work is not penalised in this course."
        grace = f" (after {self.grace_minutes:g} minutes' grace)" if self.grace_minutes else ""
        cap = f", at most {self.cap_percent:g}%" if self.cap_percent < 100 else ""
        return (f"Late work loses {self.percent:g}% of its points for each {self.per} begun after the due date"
                f"{grace}{cap}.")


def parse_due(text: str, zone: str) -> datetime:
    """A due date as nbgrader stores it (UTC, without a zone); ``text`` without a zone is read in ``zone``."""
    tz = time_zone(zone)
    if not _ISO_DUE.match(text.strip()):
        # "05/10/2026" is 5 October in London and 10 May in Boston; "2026-10-05" alone is its first minute.
        raise ValueError("write it as YYYY-MM-DD HH:MM, e.g. '2026-10-05 17:00' (a date alone, or day and month in "
                         "another order, can be read two ways)")
    with warnings.catch_warnings():
        # dateutil warns, then ignores, a zone abbreviation it does not know ("EST"): that must not pass.
        warnings.simplefilter("error", dateutil.parser.UnknownTimezoneWarning)
        try:
            when = dateutil.parser.parse(text)
        except dateutil.parser.UnknownTimezoneWarning as err:
            raise ValueError(f"{err}; name the zone as 'America/New_York', or write it as an offset, '-05:00'") \
                from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(timezone.utc).replace(tzinfo=None)


def time_zone(zone: str) -> tzinfo:
    """The time zone named ``zone``; ValueError for a name that is none (``""`` is not the machine's zone here)."""
    tz = dateutil.tz.gettz(zone) if zone.strip() else None
    if tz is None:
        raise ValueError(f"unknown time zone {zone!r} (use a name such as 'Europe/London' or 'UTC')")
    return tz


def local_to_utc(when: datetime, zone: str) -> datetime:
    """A time without a zone, read in ``zone`` (e.g. an LMS download's), as UTC without a zone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=time_zone(zone))
    return when.astimezone(timezone.utc).replace(tzinfo=None)


def capped_penalty(penalty: float, notebook_score: float) -> float:
    """The penalty nbgrader records: never below 0, never more than the notebook scored (AssignLatePenalties)."""
    return min(max(penalty, 0.0), notebook_score)


def score_after_penalty(score: float, penalty: float) -> float:
    """A step's grade as nbgrader's own export gives it: the score less the late penalty, never below 0."""
    return round(max(0.0, score - penalty), 4)


def utc_to_local(when: datetime, zone: str) -> datetime:
    """nbgrader's UTC time (without a zone) in ``zone``, for people to read."""
    return when.replace(tzinfo=timezone.utc).astimezone(time_zone(zone))


def parse_duration(text: str) -> timedelta:
    """``"2 days"``, ``"36 hours"``, ``"1 day 6 hours"``, ``"90 minutes"``, ``"1w"`` as a time span."""
    parts = list(_DURATION_PART.finditer(text))
    leftover = _DURATION_PART.sub("", text).replace(",", " ").replace("and", " ").strip()
    if not parts or leftover:
        raise ValueError(f"{text!r} is not a length of time: write e.g. '2 days', '36 hours' or '1 day 6 hours'")
    span = timedelta()
    for part in parts:
        span += timedelta(**{_UNIT_OF[part.group(2)[0].lower()]: float(part.group(1))})
    return span


def describe_span(span: timedelta) -> str:
    """``2 days 3 hours``, ``16 hours 12 minutes``, ``5 minutes``: to the minute, for people to read."""
    minutes = math.ceil(span.total_seconds() / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute"))
             if n]
    return " ".join(words) or "0 minutes"


def read_extensions(path: Path | str) -> dict[tuple[str, str], timedelta]:
    """``{(student id, assignment): extension}`` from an extensions CSV (columns ``id``, ``assignment``,
    ``extension``; others, e.g. a reason, are the instructor's and ignored). No file: no extensions."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise LateWorkError(f"{path}: cannot be read as a UTF-8 CSV file ({err})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in EXTENSION_COLUMNS if c not in header]
    if missing:
        raise LateWorkError(f"{path}:1: no column {', '.join(repr(c) for c in missing)}; "
                            f"the columns are {', '.join(EXTENSION_COLUMNS)}")
    out: dict[tuple[str, str], timedelta] = {}
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for row in reader:
        line = reader.line_num  # the file's line (blank lines and quoted line breaks counted), not the record's
        if None in row:  # csv.DictReader keeps cells beyond the header under the key None
            problems.append(f"{path}:{line}: {len(row[None])} more cell(s) than the header has columns; put a "
                            "reason that holds a comma in quotes")
            continue
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        key = (row.get("id", ""), row.get("assignment", ""))
        empty = [c for c in EXTENSION_COLUMNS if not row.get(c)]
        if empty:
            problems.append(f"{path}:{line}: column {empty[0]!r} is empty")
            continue
        if key in seen:
            problems.append(f"{path}:{line}: a second extension for {key[0]} on {key[1]} (first on line "
                            f"{seen[key]}); extensions do not add up, keep one line")
            continue
        try:
            out[key] = parse_duration(row["extension"])
        except ValueError as err:
            problems.append(f"{path}:{line}: column 'extension': {err}")
            continue
        seen[key] = line
    if problems:
        raise LateWorkError("\n".join(problems))
    return out


class LateWork(LoggingConfigurable):
    """The course's due dates and late policy (``c.LateWork.*`` in grader_config.py)."""

    due_dates = Dict(
        value_trait=Unicode(), default_value={},
        help="Due date per assignment, e.g. {'01_trust': '2026-10-05 17:00'}; read in `timezone` unless the text "
             "names a zone. An assignment not listed keeps any due date set in the formgrader.",
    ).tag(config=True)
    timezone = Unicode("UTC", help="Time zone of due dates and of LMS download times, e.g. 'Europe/London'").tag(
        config=True)
    extensions_file = Unicode(
        "extensions.csv", help="Extensions (columns id, assignment, extension), relative to the course folder").tag(
        config=True)
    per = Enum(["none", *UNIT_SECONDS], default_value=LatePolicy.per,
               help="Penalise each day or hour begun after the due date; 'none': no late penalty").tag(config=True)
    percent = Float(LatePolicy.percent,
                    help="Share of the notebook's points taken per day or hour late (0-100)").tag(config=True)
    cap_percent = Float(LatePolicy.cap_percent,
                        help="Never take more than this share of the points (0-100)").tag(config=True)
    grace_minutes = Float(LatePolicy.grace_minutes,
                          help="Minutes after the due date still counted on time (upload delays)").tag(config=True)

    def zone(self) -> str:
        """``c.LateWork.timezone``, checked: :class:`LateWorkError` if it names no time zone."""
        try:
            time_zone(self.timezone)
        except ValueError:
            raise LateWorkError(f"grader_config.py: c.LateWork.timezone {self.timezone!r} is not a time zone "
                                "(use a name such as 'Europe/London' or 'UTC')") from None
        return self.timezone

    def policy(self) -> LatePolicy:
        return LatePolicy(self.per, self.percent, self.cap_percent, self.grace_minutes)

    def due(self, assignment: str) -> datetime | None:
        """The assignment's due date (UTC), or ``None`` when the settings give none."""
        text = self.due_dates.get(assignment)
        if not text:
            return None
        try:
            return parse_due(text, self.timezone)
        except (ValueError, OverflowError) as err:
            raise LateWorkError(f"grader_config.py: c.LateWork.due_dates[{assignment!r}] is {text!r}: {err}") from None

    def extensions(self, course_dir: Path | str) -> dict[tuple[str, str], timedelta]:
        return read_extensions(Path(course_dir) / self.extensions_file)

    def check(self, course_dir: Path | str, students: Iterable[str] | None = None,
              assignments: Iterable[str] | None = None) -> list[str]:
        """Every problem with the settings and the extensions file, each naming where it is (none: usable).

        With the course's ``students`` and ``assignments``, a name in the settings or the file that is neither is a
        problem too: a typo would otherwise give no due date or no extension, without a word."""
        problems = []
        known_students = set(students) if students is not None else None
        known_assignments = set(assignments) if assignments is not None else None
        if known_assignments is not None:
            for name in self.due_dates:
                if name not in known_assignments:
                    problems.append(f"grader_config.py: c.LateWork.due_dates names {name!r}, which is not an "
                                    f"assignment of the course ({', '.join(sorted(known_assignments))})")
        try:
            self.zone()
        except LateWorkError as err:
            problems.append(str(err))
        for name, value in (("percent", self.percent), ("cap_percent", self.cap_percent)):
            if not 0 <= value <= 100:
                problems.append(f"grader_config.py: c.LateWork.{name} is {value:g}: give a share from 0 to 100")
        if self.grace_minutes < 0:
            problems.append(f"grader_config.py: c.LateWork.grace_minutes is {self.grace_minutes:g}: give 0 or more")
        for assignment in self.due_dates:
            try:
                self.due(assignment)
            except LateWorkError as err:
                problems.append(str(err))
        try:
            extensions = self.extensions(course_dir)
        except LateWorkError as err:
            problems.append(str(err))
            extensions = {}
        where = Path(course_dir) / self.extensions_file
        for student, assignment in extensions:
            if known_students is not None and student not in known_students:
                problems.append(f"{where}: an extension for {student!r}, who is not in the gradebook's roster")
            if known_assignments is not None and assignment not in known_assignments:
                problems.append(f"{where}: an extension on {assignment!r}, which is not an assignment of the course")
        return problems


def course_late_work(config: Config) -> LateWork:
    """The course's late-work settings, or :class:`LateWorkError` naming the setting a value does not fit."""
    try:
        return LateWork(config=config)
    except TraitError as err:
        first = str(err).strip().splitlines()[0]
        raise LateWorkError(f"grader_config.py: a c.LateWork setting has a value it cannot take: {first}") from None


def _course_root(config: object) -> Path:
    return Path(CourseDirectory(config=config).root)


class SetDueDates(NbGraderPreprocessor):
    """Before nbgrader's AssignLatePenalties: the due date and this student's extension, into the gradebook."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        assignment, student = info["assignment"], info["student"]
        late = LateWork(parent=self)
        due = late.due(assignment)
        extension = late.extensions(_course_root(self.config)).get((student, assignment))
        with Gradebook(info["db_url"]) as gb:
            if due is not None:
                gb.update_or_create_assignment(assignment, duedate=due)
            # Zero removes an extension: one taken out of the file is gone at the next autograde.
            gb.grant_extension(assignment, student, minutes=extension.total_seconds() / 60 if extension else 0)
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        return cell, resources


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-penalty plugin, with the course's policy (``c.LateWork.per``, ``percent``, ``cap_percent``)."""

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        policy = LateWork(parent=self).policy()
        # nbgrader creates the plugin with AssignLatePenalties as its parent, inside its open gradebook session.
        step = self.parent
        notebook = step.gradebook.find_submission_notebook(step.notebook_id, step.assignment_id, student_id)
        penalty = policy.penalty(total_seconds_late, float(notebook.max_score))
        self.log.info("Late by %s: %s takes %g of %g points", describe_span(timedelta(seconds=total_seconds_late)),
                      policy.describe(), penalty, notebook.max_score)
        return penalty


def lateness_note(due: datetime, extension: timedelta | None, handed_in: datetime, penalty: float,
                  max_points: float, policy: LatePolicy, zone: str) -> str:
    """What a late student reads at the top of their feedback (times in UTC without a zone, shown in ``zone``)."""
    def when(t: datetime) -> str:
        return utc_to_local(t, zone).strftime(f"%a %d %b %Y %H:%M ({zone})")

    due_for_you = due + (extension or timedelta())
    lines = [f"**Handed in late.** Due {when(due)}"
             + (f"; with your extension of {describe_span(extension)}, due {when(due_for_you)}" if extension else "")
             + f". Handed in {when(handed_in)}: {describe_span(handed_in - due_for_you)} late.",
             "",
             policy.describe()
             + (f" This notebook loses **{penalty:g} of its {max_points:g} points**." if penalty else
                " No points are taken from this notebook.")]
    return "\n".join(lines)


class ExplainLateness(NbGraderPreprocessor):
    """Feedback: a late student reads why points were taken (after nbgrader's GetGrades)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        late = LateWork(parent=self)
        with Gradebook(info["db_url"]) as gb:
            submission = gb.find_submission(info["assignment"], info["student"])
            # Within the grace minutes is on time: no note (the student was not late by the course's rule).
            if late.policy().on_time(submission.total_seconds_late):
                return nb, resources
            notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            note = lateness_note(submission.assignment.duedate, submission.extension, submission.timestamp,
                                 float(notebook.late_submission_penalty or 0), float(notebook.max_score),
                                 late.policy(), late.timezone)
        nb.cells.insert(0, new_markdown_cell(note, metadata={"rapportlab": {"late_note": True}}))
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        return cell, resources
