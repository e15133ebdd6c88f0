"""Late work (rapportkit.nbgrader.late): the policy, durations, due dates in a time zone, the extensions file and
its errors, the LateWork settings and the note a late student reads. Pure, in-process unit tests."""

from datetime import datetime, timedelta, timezone

import pytest
from traitlets.config import Config

from rapportkit.nbgrader.late import (
    LatePolicy,
    LateWork,
    LateWorkError,
    describe_span,
    lateness_note,
    local_to_utc,
    parse_due,
    parse_duration,
    read_extensions,
    utc_to_local,
)

DAY = 86400
HOUR = 3600
LONDON = "Europe/London"
NOT_A_DURATION = "is not a length of time: write e.g. '2 days', '36 hours' or '1 day 6 hours'"


# --- LatePolicy ----------------------------------------------------------------------------------------------------

def test_on_time_or_early_is_never_late():
    policy = LatePolicy("day", 10)
    assert policy.units_late(0) == 0
    assert policy.units_late(-3 * HOUR) == 0  # handed in early
    assert policy.penalty(0, 10) == 0.0


def test_days_begun_count_from_the_first_second():
    policy = LatePolicy("day", 10)
    assert policy.units_late(1) == 1  # 1 s late: the first day has begun
    assert policy.units_late(DAY) == 1  # exactly 24 h: still the first day
    assert policy.units_late(DAY + 1) == 2  # 1 s past the day boundary: a second day begun
    assert policy.units_late(2 * DAY + 1) == 3
    # 2 days begun * 10% = 20% of 15 points = 3.0
    assert policy.penalty(DAY + 1, 15) == 3.0


def test_within_grace_and_exactly_at_the_grace_boundary_is_on_time():
    policy = LatePolicy("day", 10, grace_minutes=15)
    assert policy.units_late(10 * 60) == 0  # 10 min late, within 15 min grace
    assert policy.units_late(15 * 60) == 0  # exactly 900 s: the boundary is still on time
    assert policy.penalty(15 * 60, 20) == 0.0
    assert policy.units_late(15 * 60 + 1) == 1  # 901 s: one day begun
    assert policy.penalty(15 * 60 + 1, 20) == 2.0  # 10% of 20


def test_per_hour():
    policy = LatePolicy("hour", 5)
    assert policy.units_late(HOUR) == 1
    assert policy.units_late(HOUR + 1) == 2
    # 2.5 h late: 3 hours begun * 5% = 15% of 20 points = 3.0
    assert policy.units_late(2.5 * HOUR) == 3
    assert policy.penalty(2.5 * HOUR, 20) == 3.0


def test_the_cap_limits_the_share_taken():
    policy = LatePolicy("day", 10, cap_percent=30)
    # 2 days begun: 20% of 7 = 1.4, under the cap
    assert policy.penalty(DAY + 1, 7) == 1.4
    # 5 days begun: 50%, capped at 30% of 7 = 2.1
    assert policy.units_late(4 * DAY + 1) == 5
    assert policy.penalty(4 * DAY + 1, 7) == 2.1
    # 100 days: still 30%
    assert policy.penalty(100 * DAY, 10) == 3.0


def test_without_a_cap_the_whole_notebook_at_most():
    policy = LatePolicy("day", 40)
    # 3 days begun: 120% -> capped at the default 100%: all 8 points
    assert policy.penalty(2 * DAY + 1, 8) == 8.0


def test_penalty_is_rounded_to_four_places():
    # 1 day begun * 10% of 10/3 points = 0.33333... -> 0.3333
    assert LatePolicy("day", 10).penalty(1, 10 / 3) == 0.3333


def test_per_none_takes_nothing():
    policy = LatePolicy("none", 10)
    assert policy.units_late(5 * DAY) == 0
    assert policy.penalty(5 * DAY, 10) == 0.0
    assert policy.describe() == "Late work is not penalised in this course."


def test_default_policy_takes_nothing():
    assert LatePolicy().penalty(5 * DAY, 10) == 0.0
    assert LatePolicy().describe() == "Late work is not penalised in this course."


def test_percent_zero_takes_nothing():
    policy = LatePolicy("day", 0)
    assert policy.units_late(DAY + 1) == 2  # late all the same ...
    assert policy.penalty(DAY + 1, 10) == 0.0  # ... but 2 * 0% = nothing taken
    assert policy.describe() == "Late work is not penalised in this course."


def test_describe_a_full_policy():
    policy = LatePolicy("day", 10, cap_percent=30, grace_minutes=15)
    assert policy.describe() == ("Late work loses 10% of its points for each day begun after the due date "
                                 "(after 15 minutes' grace), at most 30%.")


def test_describe_a_plain_hourly_policy():
    # no grace, cap 100%: neither is mentioned; 2.5 printed as it is
    assert LatePolicy("hour", 2.5).describe() == ("Late work loses 2.5% of its points for each hour begun after "
                                                  "the due date.")


# --- Durations -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2 days", timedelta(days=2)),
    ("36 hours", timedelta(hours=36)),  # = 1 day 12 hours
    ("1 day 6 hours", timedelta(days=1, hours=6)),
    ("90 minutes", timedelta(minutes=90)),  # = 1 h 30 min
    ("1w", timedelta(days=7)),
    ("2 days and 3h", timedelta(days=2, hours=3)),
    ("1 day, 30 mins", timedelta(days=1, minutes=30)),
    ("1.5 days", timedelta(hours=36)),
    ("2 DAYS", timedelta(days=2)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["soon", "", "3 fortnights", "2 days please", "2 months", "-2 days"])
def test_parse_duration_rejects_what_is_not_a_length_of_time(text):
    with pytest.raises(ValueError) as err:
        parse_duration(text)
    # the message quotes what was written and shows how to write it
    assert str(err.value) == f"{text!r} {NOT_A_DURATION}"


@pytest.mark.parametrize(("span", "expected"), [
    (timedelta(days=2, hours=3), "2 days 3 hours"),
    (timedelta(hours=16, minutes=12), "16 hours 12 minutes"),
    (timedelta(minutes=5), "5 minutes"),
    (timedelta(days=1, hours=1, minutes=1), "1 day 1 hour 1 minute"),  # singular
    (timedelta(days=3), "3 days"),  # no "0 hours 0 minutes"
    (timedelta(days=1, minutes=2), "1 day 2 minutes"),
    (timedelta(seconds=30), "1 minute"),  # to the minute, rounded up: 30 s late is late
    (timedelta(hours=2, seconds=1), "2 hours 1 minute"),
    (timedelta(0), "0 minutes"),
])
def test_describe_span(span, expected):
    assert describe_span(span) == expected


# --- Due dates and time zones --------------------------------------------------------------------------------------

def test_parse_due_in_summer_reads_british_summer_time():
    # 5 Oct 2026 is before BST ends (25 Oct): 17:00 BST = 16:00 UTC
    due = parse_due("2026-10-05 17:00", LONDON)
    assert due == datetime(2026, 10, 5, 16, 0)
    assert due.tzinfo is None  # as nbgrader stores it


def test_parse_due_in_winter_reads_greenwich_mean_time():
    # 1 Dec 2026: GMT = UTC
    assert parse_due("2026-12-01 17:00", LONDON) == datetime(2026, 12, 1, 17, 0)


def test_parse_due_across_the_spring_change():
    # Clocks go forward at 01:00 UTC on Sun 29 Mar 2026: 00:30 is GMT, 02:30 is BST
    assert parse_due("2026-03-29 00:30", LONDON) == datetime(2026, 3, 29, 0, 30)
    assert parse_due("2026-03-29 02:30", LONDON) == datetime(2026, 3, 29, 1, 30)


def test_parse_due_in_utc():
    assert parse_due("2026-10-05 17:00", "UTC") == datetime(2026, 10, 5, 17, 0)
    for ambiguous in ("2026-10-05", "05/10/2026 17:00", "Oct 5 2026 17:00"):  # a date alone; day/month order
        with pytest.raises(ValueError, match="YYYY-MM-DD HH:MM"):
            parse_due(ambiguous, "UTC")


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-10-05 17:00+02:00", datetime(2026, 10, 5, 15, 0)),  # 17:00 at UTC+2 = 15:00 UTC, not London's 16:00
    ("2026-10-05T17:00Z", datetime(2026, 10, 5, 17, 0)),
    ("2026-10-05 17:00 UTC", datetime(2026, 10, 5, 17, 0)),
    ("2026-12-01 09:00-05:00", datetime(2026, 12, 1, 14, 0)),
])
def test_parse_due_with_an_explicit_zone_ignores_the_course_zone(text, expected):
    due = parse_due(text, LONDON)
    assert due == expected
    assert due.tzinfo is None


def test_parse_due_unknown_zone():
    with pytest.raises(ValueError, match=r"unknown time zone 'Mars/Olympus' \(use a name such as 'Europe/London'"):
        parse_due("2026-10-05 17:00", "Mars/Olympus")


def test_parse_due_not_a_date():
    with pytest.raises(ValueError):
        parse_due("whenever you like", LONDON)


def test_parse_due_does_not_silently_drop_a_zone_it_cannot_read():
    # Read in London, 17:00 "EST" would be 16:00 UTC: silently five hours out. It is an error instead.
    with pytest.raises(ValueError, match="name the zone"):
        parse_due("2026-10-05 17:00 EST", LONDON)


def test_utc_to_local_in_summer_and_winter():
    summer = utc_to_local(datetime(2026, 7, 1, 12, 0), LONDON)
    assert summer.replace(tzinfo=None) == datetime(2026, 7, 1, 13, 0)  # BST, UTC+1
    assert summer.utcoffset() == timedelta(hours=1)
    winter = utc_to_local(datetime(2026, 1, 15, 12, 0), LONDON)
    assert winter.replace(tzinfo=None) == datetime(2026, 1, 15, 12, 0)  # GMT
    assert winter.utcoffset() == timedelta(0)


def test_local_to_utc_reads_a_time_without_a_zone_in_the_zone():
    assert local_to_utc(datetime(2026, 7, 1, 13, 0), LONDON) == datetime(2026, 7, 1, 12, 0)
    assert local_to_utc(datetime(2026, 1, 15, 13, 0), LONDON) == datetime(2026, 1, 15, 13, 0)
    # a time that has its zone keeps it: 13:00 UTC+2 = 11:00 UTC
    aware = datetime(2026, 7, 1, 13, 0, tzinfo=timezone(timedelta(hours=2)))
    assert local_to_utc(aware, LONDON) == datetime(2026, 7, 1, 11, 0)


@pytest.mark.parametrize("utc", [datetime(2026, 7, 1, 12, 0), datetime(2026, 1, 15, 23, 30),
                                 datetime(2026, 10, 25, 0, 30), datetime(2026, 3, 29, 1, 0)])
@pytest.mark.parametrize("zone", [LONDON, "UTC", "America/New_York", "Asia/Kolkata"])
def test_utc_local_round_trip(utc, zone):
    local = utc_to_local(utc, zone)
    assert local_to_utc(local, zone) == utc
    assert local_to_utc(local.replace(tzinfo=None), zone) == utc  # the wall-clock time alone, read in the zone


# --- The extensions file -------------------------------------------------------------------------------------------

def test_no_extensions_file_means_no_extensions(tmp_path):
    assert read_extensions(tmp_path / "extensions.csv") == {}
    assert read_extensions(str(tmp_path / "nowhere" / "extensions.csv")) == {}


def test_a_good_extensions_file_with_a_reason_column_and_a_bom(tmp_path):
    path = tmp_path / "extensions.csv"
    # Excel's "CSV UTF-8" starts with a byte order mark; the reason column is the instructor's own
    path.write_text("\ufeffid,assignment,extension,reason\n"
                    "s001,01_trust,2 days,illness (note seen)\n"
                    " s002 , 02_empathy , 36 hours ,\n"
                    ",,,\n"
                    "s001,02_empathy,1 day 6 hours,\"caring, for a parent\"\n", encoding="utf-8")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_extensions(path) == {
        ("s001", "01_trust"): timedelta(days=2),
        ("s002", "02_empathy"): timedelta(hours=36),  # spaces around cells are trimmed
        ("s001", "02_empathy"): timedelta(days=1, hours=6),  # the same student on another assignment is no duplicate
    }


def extensions_error(path, text: str) -> str:
    """Write ``text`` as the extensions file at ``path``; the LateWorkError reading it gives."""
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LateWorkError) as err:
        read_extensions(path)
    return str(err.value)


def test_extensions_file_without_a_column_names_line_one(tmp_path):
    path = tmp_path / "extensions.csv"
    error = extensions_error(path, "id,assignment,days\ns001,01_trust,2 days\n")
    assert error == f"{path}:1: no column 'extension'; the columns are id, assignment, extension"


def test_extensions_file_without_two_columns_names_both(tmp_path):
    path = tmp_path / "extensions.csv"
    error = extensions_error(path, "student,assignment,extension\n")
    assert error.startswith(f"{path}:1: no column 'id';")
    error = extensions_error(path, "")  # an empty file has no columns at all
    assert error.startswith(f"{path}:1: no column 'id', 'assignment', 'extension';")


def test_extensions_file_reports_every_problem_at_once_with_its_line(tmp_path):
    path = tmp_path / "extensions.csv"
    error = extensions_error(path, "id,assignment,extension,reason\n"  # line 1
                                   "s001,01_trust,2 days,ill\n"  # line 2: good
                                   "s002,01_trust,,forgot to write it\n"  # line 3: empty extension
                                   "s003,01_trust,soon,\n"  # line 4: not a duration
                                   "s001,01_trust,1 day,again\n"  # line 5: a second one for s001 on 01_trust
                                   " ,01_trust,1 day,\n"  # line 6: no student id
                                   "s004,01_trust,1 day,\n")  # line 7: good
    assert error.splitlines() == [
        f"{path}:3: column 'extension' is empty",
        f"{path}:4: column 'extension': 'soon' {NOT_A_DURATION}",
        f"{path}:5: a second extension for s001 on 01_trust (first on line 2); extensions do not add up, keep one line",
        f"{path}:6: column 'id' is empty",
    ]


def test_extensions_file_not_utf8(tmp_path):
    path = tmp_path / "extensions.csv"
    path.write_bytes("id,assignment,extension\nsé,01_trust,2 days\n".encode("latin-1"))
    with pytest.raises(LateWorkError) as err:
        read_extensions(path)
    assert str(err.value).startswith(f"{path}: cannot be read as a UTF-8 CSV file (")


def test_extensions_file_line_numbers_after_a_blank_line(tmp_path):
    path = tmp_path / "extensions.csv"
    error = extensions_error(path, "id,assignment,extension\n"  # line 1
                                   "s001,01_trust,2 days\n"  # line 2
                                   "\n"  # line 3: blank
                                   "s002,01_trust,soon\n")  # line 4: the mistake
    assert error == f"{path}:4: column 'extension': 'soon' {NOT_A_DURATION}"


# --- LateWork: the settings ----------------------------------------------------------------------------------------

def late_work(**settings):
    c = Config()
    for name, value in settings.items():
        setattr(c.LateWork, name, value)
    return LateWork(config=c)


def test_late_work_defaults():
    late = LateWork()
    assert late.timezone == "UTC"
    assert late.extensions_file == "extensions.csv"
    assert late.due("01_trust") is None
    assert late.policy() == LatePolicy("none", 10.0, 100.0, 0.0)


def test_late_work_from_config(tmp_path):
    late = late_work(due_dates={"01_trust": "2026-10-05 17:00", "02_empathy": "2026-12-01 17:00",
                                "03_empty": ""},
                     timezone=LONDON, per="day", percent=10.0, cap_percent=30.0, grace_minutes=15.0)
    assert late.due("01_trust") == datetime(2026, 10, 5, 16, 0)  # BST
    assert late.due("02_empathy") == datetime(2026, 12, 1, 17, 0)  # GMT
    assert late.due("03_empty") is None  # no text: no due date
    assert late.due("04_unlisted") is None  # keeps the formgrader's
    assert late.policy() == LatePolicy("day", 10.0, 30.0, 15.0)
    assert late.check(tmp_path) == []  # no extensions file is fine


def test_late_work_reads_its_extensions_file_in_the_course_folder(tmp_path):
    (tmp_path / "late.csv").write_text("id,assignment,extension\ns001,01_trust,2 days\n", encoding="utf-8")
    late = late_work(extensions_file="late.csv")
    assert late.extensions(tmp_path) == {("s001", "01_trust"): timedelta(days=2)}
    assert late.extensions(str(tmp_path)) == {("s001", "01_trust"): timedelta(days=2)}
    assert late.check(tmp_path) == []


def test_check_reports_a_bad_time_zone(tmp_path):
    problems = late_work(timezone="Europe/Lndon").check(tmp_path)
    assert problems == ["grader_config.py: c.LateWork.timezone 'Europe/Lndon' is not a time zone (use a name such "
                        "as 'Europe/London' or 'UTC')"]


@pytest.mark.parametrize(("name", "value", "shown"), [
    ("percent", 150.0, "150"), ("percent", -1.0, "-1"), ("cap_percent", 100.5, "100.5"), ("cap_percent", -5.0, "-5"),
])
def test_check_reports_a_share_outside_0_to_100(tmp_path, name, value, shown):
    assert late_work(**{name: value}).check(tmp_path) == [
        f"grader_config.py: c.LateWork.{name} is {shown}: give a share from 0 to 100"]


@pytest.mark.parametrize("value", [0.0, 100.0])
def test_check_accepts_the_ends_of_0_to_100(tmp_path, value):
    assert late_work(percent=value, cap_percent=value).check(tmp_path) == []


def test_bad_due_date_names_the_setting(tmp_path):
    late = late_work(due_dates={"01_trust": "next Tuesday-ish", "02_empathy": "2026-12-01 17:00"}, timezone=LONDON)
    with pytest.raises(LateWorkError) as err:
        late.due("01_trust")
    assert str(err.value).startswith("grader_config.py: c.LateWork.due_dates['01_trust'] is 'next Tuesday-ish': ")
    assert late.due("02_empathy") == datetime(2026, 12, 1, 17, 0)  # the others still work
    problems = late.check(tmp_path)
    assert len(problems) == 1
    assert problems[0] == str(err.value)


def test_check_reports_a_bad_extensions_file(tmp_path):
    path = tmp_path / "extensions.csv"
    path.write_text("id,assignment,extension\ns001,01_trust,a while\n", encoding="utf-8")
    assert late_work().check(tmp_path) == [f"{path}:2: column 'extension': 'a while' {NOT_A_DURATION}"]


def test_check_reports_every_problem_at_once(tmp_path):
    (tmp_path / "extensions.csv").write_text("id,assignment\n", encoding="utf-8")
    problems = late_work(timezone="Mars/Olympus", percent=150.0, cap_percent=-5.0,
                         due_dates={"01_trust": "2026-10-05 17:00"}).check(tmp_path)
    assert len(problems) == 5
    assert "c.LateWork.timezone 'Mars/Olympus' is not a time zone" in problems[0]
    assert problems[1] == "grader_config.py: c.LateWork.percent is 150: give a share from 0 to 100"
    assert problems[2] == "grader_config.py: c.LateWork.cap_percent is -5: give a share from 0 to 100"
    # a due date cannot be read in a zone that does not exist
    assert problems[3].startswith("grader_config.py: c.LateWork.due_dates['01_trust'] is '2026-10-05 17:00': "
                                  "unknown time zone 'Mars/Olympus'")
    assert problems[4].endswith("extensions.csv:1: no column 'extension'; the columns are id, assignment, extension")


# --- The note a late student reads ---------------------------------------------------------------------------------

def test_lateness_note_with_an_extension_and_a_penalty():
    # Due Mon 5 Oct 2026 17:00 BST (16:00 UTC); with 2 days' extension, Wed 7 Oct 17:00 BST (16:00 UTC).
    # Handed in 19:30 UTC = 20:30 BST: 3 hours 30 minutes after the extended due date.
    policy = LatePolicy("day", 10)
    due, handed_in = datetime(2026, 10, 5, 16, 0), datetime(2026, 10, 7, 19, 30)
    extension = timedelta(days=2)
    penalty = policy.penalty((handed_in - due - extension).total_seconds(), 15)
    assert penalty == 1.5  # 1 day begun * 10% of 15
    note = lateness_note(due, extension, handed_in, penalty, 15, policy, LONDON)
    assert note == (
        "**Handed in late.** Due Mon 05 Oct 2026 17:00 (Europe/London); with your extension of 2 days, "
        "due Wed 07 Oct 2026 17:00 (Europe/London). Handed in Wed 07 Oct 2026 20:30 (Europe/London): "
        "3 hours 30 minutes late.\n"
        "\n"
        "Late work loses 10% of its points for each day begun after the due date. "
        "This notebook loses **1.5 of its 15 points**.")


def test_lateness_note_without_an_extension_in_winter_with_no_penalty():
    # Due Tue 1 Dec 2026 17:00 UTC (= GMT). Handed in Wed 2 Dec 18:00:30: 25 h 0 min 30 s, to the minute rounded up
    # = 1 day 1 hour 1 minute late.
    note = lateness_note(datetime(2026, 12, 1, 17, 0), None, datetime(2026, 12, 2, 18, 0, 30), 0.0, 10,
                         LatePolicy(), LONDON)
    assert note == (
        "**Handed in late.** Due Tue 01 Dec 2026 17:00 (Europe/London). Handed in Wed 02 Dec 2026 18:00 "
        "(Europe/London): 1 day 1 hour 1 minute late.\n"
        "\n"
        "Late work is not penalised in this course. No points are taken from this notebook.")
    assert "extension" not in note


def test_lateness_note_within_grace_takes_no_points():
    # A policy, but 10 min late inside 15 min grace: penalty 0
    policy = LatePolicy("hour", 5, cap_percent=50, grace_minutes=15)
    due, handed_in = datetime(2026, 10, 5, 16, 0), datetime(2026, 10, 5, 16, 10)
    penalty = policy.penalty((handed_in - due).total_seconds(), 20)
    assert penalty == 0.0
    note = lateness_note(due, timedelta(0), handed_in, penalty, 20, policy, "UTC")
    assert "extension" not in note  # a zero extension is no extension
    assert note.endswith("Late work loses 5% of its points for each hour begun after the due date (after 15 "
                         "minutes' grace), at most 50%. No points are taken from this notebook.")
    assert "Due Mon 05 Oct 2026 16:00 (UTC). Handed in Mon 05 Oct 2026 16:10 (UTC): 10 minutes late." in note


def test_an_empty_time_zone_is_not_the_machines():
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_due("2026-10-05 17:00", " ")
    assert any("c.LateWork.timezone" in p for p in late_work(timezone="").check("/nonexistent"))


def test_an_extensions_row_with_more_cells_than_columns_is_named(tmp_path):
    path = tmp_path / "extensions.csv"
    error = extensions_error(path, "id,assignment,extension,reason\ns001,01_trust,2 days,ill, with flu\n")
    assert error == (f"{path}:2: 1 more cell(s) than the header has columns; put a reason that holds a "
                              "comma in quotes")


def test_a_negative_grace_is_a_problem(tmp_path):
    assert late_work(grace_minutes=-5.0).check(tmp_path) == [
        "grader_config.py: c.LateWork.grace_minutes is -5: give 0 or more"]
