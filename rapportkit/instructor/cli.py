"""The instructor's one command line: ``rapportkit course ...``, thin over nbgrader's own commands.

Every command works on the course folder: the current folder, or ``--course-dir``, holding nbgrader_config.py.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

from rapportkit.instructor import batch, demo, figures, gradebook, regrade
from rapportkit.instructor.course_folder import CourseNotInstalledError, new_course
from rapportkit.instructor.roster import RosterError, read_roster, sync_roster
from rapportkit.instructor.stats import item_stats
from rapportkit.nbgrader import commands
from rapportkit.nbgrader.commands import StepResult
from rapportkit.nbgrader.late import LateWorkError, course_late_work
from rapportkit.nbgrader.lms import LMS_FORMATS


def cmd_new(args: argparse.Namespace) -> int:
    """Write a course folder of one's own from the instructor-only course package."""
    try:
        root = new_course(args.folder)
    except (FileExistsError, CourseNotInstalledError) as err:
        print(err, file=sys.stderr)
        return 2
    print(f"a new course in {root}: lessons in course/, solutions/ (yours to edit), exercises/ (generated), "
          "grader_config.py.\nNext, in that folder: `rapportkit course generate` after editing solutions/, "
          "`rapportkit course release ASSIGNMENT`, and JupyterLab's Formgrader (Nbgrader menu) to mark by hand.")
    return 0


def cmd_roster(args: argparse.Namespace) -> int:
    """Import the class list into the gradebook (and keep it in step); name who the roster lacks."""
    try:
        students = read_roster(args.file)
    except RosterError as err:
        print(err, file=sys.stderr)
        return 1
    done = sync_roster(students, f"sqlite:///{Path(args.course_dir) / 'gradebook.db'}")
    print(f"roster {args.file}: {len(students)} students; {len(done.added)} added, {len(done.updated)} updated, "
          f"{len(done.unchanged)} unchanged in the gradebook")
    if done.only_in_gradebook:
        print(f"in the gradebook but not in the roster ({len(done.only_in_gradebook)}; kept, check them): "
              + ", ".join(done.only_in_gradebook))
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Regenerate exercises/ from solutions/."""
    names = args.assignments or commands.assignments(args.course_dir)
    for name in names:
        step = commands.generate(name, args.course_dir)
        if not step.ok:
            return _failed(step)
        print(f"generated exercises/{name}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The instructor's path on a synthetic cohort: collect, autograde, feedback, export, figures."""
    root = Path(args.course_dir)
    cohort = demo.load_cohort(args.cohort)
    assignment = cohort["assignment"]
    for step in (commands.generate(assignment, root),):
        if not step.ok:
            return _failed(step)
    qualities = demo.build_submissions(Path(args.cohort), root)
    print(f"cohort: {len(qualities)} synthetic submissions in downloaded/{assignment}/archive/")
    step = commands.zip_collect(assignment, root)
    if not step.ok:
        return _failed(step)
    collected = sorted(p.name for p in (root / "submitted").iterdir() if (p / assignment).is_dir())
    missing = sorted(set(qualities) - set(collected))
    print(f"collected into submitted/: {len(collected)} students")
    status = batch.grade_batch(assignment, [s for s in qualities if s in collected], root)
    for student in missing:
        status[student] = "no notebook collected"
    for step in (commands.generate_feedback(assignment, root), commands.export(root)):
        if not step.ok:
            return _failed(step)
    png = figures.plot_item_distribution(
        f"sqlite:///{root / 'gradebook.db'}", assignment, root / "reports" / f"{assignment}_items.png"
    )
    scores = {}
    with open(root / "grades.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["assignment"] == assignment:
                scores[row["student_id"]] = (float(row["raw_score"] or 0), float(row["max_score"] or 0))
    print(f"\n{'student':<16}{'quality':<10}{'score':>12}  status")
    for student, quality in qualities.items():
        got, top = scores.get(student, (0.0, 0.0))
        print(f"{student:<16}{quality:<10}{got:>6.2f} / {top:<4.0f}  {status.get(student, '?')}")
    print(f"\ngrades: {root / 'grades.csv'}\nfeedback: {root / 'feedback'}\nreport: {png}")
    return 0


# --- The term: `rapportkit course release|collect|autograde|feedback|export|report` ---------------------

def _failed(steps: list[StepResult] | StepResult) -> int:
    """Print what went wrong in the first failed nbgrader step; 0 if every step worked."""
    for step in steps if isinstance(steps, list) else [steps]:
        if not step.ok:
            print(f"nbgrader {' '.join(step.args)} failed:", file=sys.stderr)
            print("\n".join(step.errors()[-15:]) or step.log[-3000:], file=sys.stderr)
            return 1
    return 0


def cmd_release(args) -> int:  # noqa: ANN001 (argparse.Namespace)
    """Generate and release an assignment to the exchange."""
    code = _failed(batch.release(args.assignment, args.course_dir, args.exchange))
    if not code:
        print(f"released {args.assignment}")
    return code


def cmd_collect(args) -> int:  # noqa: ANN001
    """Collect submissions from the exchange, or from an LMS download with --zip (every file accounted for)."""
    if not args.zip:
        code = _failed(batch.collect(args.assignment, args.course_dir, args.exchange))
        if not code:
            students = batch.submitted_students(args.assignment, args.course_dir)
            print(f"collected {args.assignment}: {len(students)} students in submitted/")
        return code
    try:
        done = batch.collect_zip(args.assignment, args.zip, args.course_dir)
    except (FileNotFoundError, LateWorkError) as err:
        print(err, file=sys.stderr)
        return 2
    width = max((len(d.path) for d in done.decisions), default=10)
    print(f"{'file in the download':<{width}}  what happened")
    for d in done.decisions:
        what = f"collected for {d.student}" + (f" ({d.note})" if d.note else "") if d.collected else \
            f"not collected: {d.why}"
        print(f"{d.path:<{width}}  {what}")
    code = _failed(done.step) if done.step is not None else 0
    if not code:
        students = batch.submitted_students(args.assignment, args.course_dir)
        print(f"collected {args.assignment}: {len(students)} students in submitted/")
    if done.untimed:
        print(f"{len(done.untimed)} file(s) collected without a time (outside a .zip, or the LMS gives none): "
              "nbgrader cannot count them late")
    if done.nothing_from:
        print(f"nothing handed in by {len(done.nothing_from)} of the roster: {', '.join(done.nothing_from)}")
    if done.left_over:
        print(f"{len(done.left_over)} file(s) not collected: see why above", file=sys.stderr)
        return code or 1
    return code


def _late_work_problems(course_dir: Path) -> bool:
    """Print every problem with the due dates, late policy and extensions file; True if there is one."""
    roster = [s.id for s in batch.roster_students(course_dir)]
    try:
        problems = course_late_work(commands.course_config(course_dir)).check(
            course_dir, roster or None, commands.assignments(course_dir))
    except LateWorkError as err:
        problems = [str(err)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("nothing was graded: fix the late-work settings first (grader_config.py, the extensions file)",
              file=sys.stderr)
    return bool(problems)


def cmd_autograde(args) -> int:  # noqa: ANN001
    """Autograde in parallel; prints one line per student; exit 1 if any student was not graded."""
    if _late_work_problems(args.course_dir):
        return 2
    t0 = time.monotonic()
    status = batch.autograde(args.assignment, args.student or None, args.jobs, Path(args.course_dir))
    took = time.monotonic() - t0
    for student, st in status.items():
        print(f"{student:<24}{st}")
    bad = sum(not st.startswith("graded") for st in status.values())
    print(f"{len(status) - bad} of {len(status)} graded in {took:.1f}s with {args.jobs} jobs", file=sys.stderr)
    return 1 if bad else 0


def cmd_regrade(args) -> int:  # noqa: ANN001
    """Regrade exactly the submissions a fix affects; keep manual grades; report whose grade moved and by how much."""
    if _late_work_problems(args.course_dir):
        return 2
    done = regrade.regrade(args.assignment, args.course_dir, args.jobs, args.dry_run, progress=sys.stderr)
    print(f"regrade {args.assignment}: {done.checked} submissions checked against solutions/, the rubrics, "
          f"due dates and extensions as they are now; {len(done.affected)} affected")
    for student, why in sorted(done.affected.items()):
        print(f"  {student:<24}{'; '.join(why)}")
    if args.dry_run or not done.affected:
        print("dry run: nothing was regraded" if args.dry_run else "nothing to regrade")
        return 0
    code = _failed(done.steps)
    if not done.status:  # the assignment could not be regenerated: nothing was graded
        return code or 1
    for student, status in done.status.items():
        if not status.startswith("graded"):
            print(f"{student}: {status}", file=sys.stderr)
            code = code or 1
    changed = done.changed
    print(f"\n{'student':<24}{'before':>9}{'after':>9}{'change':>9}")
    for student in sorted(done.after):
        was = done.before.get(student)
        before = f"{was:>9.2f}" if was is not None else f"{'-':>9}"
        print(f"{student:<24}{before}{done.after[student]:>9.2f}{changed.get(student, 0.0):>+9.2f}")
    graded = sum(st.startswith("graded") for st in done.status.values())
    feedback = "their feedback regenerated in feedback/" if graded and done.steps[-1].ok else \
        "no feedback regenerated"
    print(f"{graded} regraded, {len(changed)} grades changed; {feedback}")
    for student, cells in sorted(done.manual_kept.items()):
        print(f"manual grades and comments kept for {student}: {', '.join(cells)}")
    for student, cells in sorted(done.manual_lost.items()):
        print(f"a manual grade or comment changed for {student}: {', '.join(cells)}", file=sys.stderr)
        code = code or 1
    return code


def _warn_if_regrade_due(assignments: list[str], course_dir: Path) -> None:
    """Name the graded submissions whose grade autograding would now change (a fixed test or key, a new due date or
    extension, manual marks that change what a late penalty may take): their feedback and export would be stale."""
    for assignment in assignments:
        try:
            due = regrade.why_affected(assignment, course_dir)
        except LateWorkError as err:
            print(f"{err}\n(cannot tell whether {assignment} needs a regrade until this is fixed)", file=sys.stderr)
            continue
        stale = {s: why for s, why in due.items() if why != [regrade.NOT_GRADED_BEFORE]}
        if stale:
            print(f"{len(stale)} graded submission(s) of {assignment} would change if regraded "
                  f"({', '.join(sorted(stale)[:8])}{' ...' if len(stale) > 8 else ''}): run "
                  f"`rapportkit course regrade {assignment}` first (--dry-run says why)", file=sys.stderr)


def cmd_feedback(args) -> int:  # noqa: ANN001
    """Generate feedback (and release it to the exchange with --release)."""
    _warn_if_regrade_due([args.assignment], args.course_dir)
    code = _failed(batch.feedback(args.assignment, args.course_dir, args.release, args.exchange))
    if not code:
        released = " and released to the exchange" if args.release else ""
        print(f"feedback for {args.assignment} in feedback/{released}")
    return code


def cmd_export(args) -> int:  # noqa: ANN001
    """Export the gradebook: one row per student, one column per step and per skill."""
    name = f"grades_{args.lms}.csv" if args.lms else "grades_by_skill.csv"
    to = Path(args.to) if args.to else Path(args.course_dir) / name
    handed_in = [a for a in commands.assignments(args.course_dir) if batch.submitted_students(a, args.course_dir)]
    _warn_if_regrade_due([a for a in handed_in if not args.assignment or a in args.assignment], args.course_dir)
    code = _failed(batch.export(args.course_dir, to, args.assignment or None, args.lms))
    if not code:
        print(f"grades: {to}")
    return code


def _print_findings(findings: list, heading: str, none: str) -> None:
    """A section of the class report: its findings under a heading, or the line saying there are none."""
    print("\n" + (heading if findings else none))
    for found in findings:
        print(f"  {found.finding}")


def cmd_report(args) -> int:  # noqa: ANN001
    """Plots of the class's scores; item difficulty and discrimination, and role-plays handed in alike, as text."""
    try:
        paths = figures.class_report(args.assignment, args.course_dir, args.out)
    except (FileNotFoundError, ValueError) as err:
        print(err, file=sys.stderr)
        return 1
    scores = gradebook.item_scores(f"sqlite:///{Path(args.course_dir) / 'gradebook.db'}", args.assignment)
    stats = item_stats(scores)
    print(f"{'item':<20}{'points':>7}{'students':>10}{'difficulty':>12}{'discrimination':>16}")
    for s in stats:
        diff = f"{100 * s.difficulty:.0f}%" if s.difficulty is not None else "-"
        disc = f"{s.discrimination:+.2f}" if s.discrimination is not None else "-"
        print(f"{s.item:<20}{s.max_score:>7.0f}{s.students:>10}{diff:>12}{disc:>16}")
    a, root = args.assignment, args.course_dir
    _print_findings(batch.shared_transcripts(a, root),
                    "Role-play transcripts to look at (handed in alike by several students; "
                    "a finding, not a penalty):",
                    f"Role-play transcripts: no two students handed in the same one for {a}.")
    _print_findings(batch.shared_written_replies(a, root),
                    "Written replies to look at (identical or nearly, from several students; "
                    "a finding, not a penalty):",
                    f"Written replies: no two students handed in the same or nearly the same for {a}.")
    for p in paths:
        print(f"report: {p}")
    return 0


def add_term_commands(sub) -> list:  # noqa: ANN001 (argparse's subparsers action)
    """Add the class-scale commands to ``rapportkit course``; returns the new parsers."""
    rel = sub.add_parser("release", help="generate and release an assignment to nbgrader's exchange")
    rel.set_defaults(func=cmd_release)
    col = sub.add_parser("collect", help="collect submissions (nbgrader collect, or zip_collect with --zip)")
    col.add_argument("--zip", metavar="DIR", help="an LMS download: files <student>__<file> and/or .zip archives")
    col.set_defaults(func=cmd_collect)
    auto = sub.add_parser("autograde", help="autograde students in parallel with nbgrader")
    auto.add_argument("--student", action="append", help="grade only this student (repeatable)")
    auto.set_defaults(func=cmd_autograde)
    reg = sub.add_parser("regrade", help="after fixing a test, rubric, key, due date or extension: regrade exactly "
                                         "the submissions it affects, keep manual grades, report the changes")
    reg.add_argument("--dry-run", action="store_true", help="only say who is affected and why")
    reg.set_defaults(func=cmd_regrade)
    fb = sub.add_parser("feedback", help="generate feedback (hidden tests removed)")
    fb.add_argument("--release", action="store_true", help="also release it to the exchange for students to fetch")
    fb.set_defaults(func=cmd_feedback)
    exp = sub.add_parser("export", help="CSV: one row per student, a column per step and per skill")
    exp.add_argument("--to", help="CSV file (default grades_by_skill.csv in the course folder)")
    exp.add_argument("--assignment", action="append", help="only these assignments (repeatable)")
    exp.add_argument("--lms", choices=LMS_FORMATS,
                     help="lay the file out for this LMS's grade import (docs/teaching/term.md; default: a plain CSV)")
    exp.set_defaults(func=cmd_export)
    rep = sub.add_parser("report", help="plots: scores per item and skill, item difficulty and discrimination")
    rep.add_argument("--out", help="folder for the PNGs (default reports/)")
    rep.set_defaults(func=cmd_report)
    for p in (auto, reg):
        p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="students graded at once")
    for p in (rel, col, auto, reg, fb, rep):
        p.add_argument("assignment", help="assignment name, e.g. 01_trust")
    for p in (rel, col, fb):
        p.add_argument("--exchange", help="nbgrader exchange folder (default: Exchange.root from the config)")
    return [rel, col, auto, reg, fb, exp, rep]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapportkit", description=__doc__)
    sub = parser.add_subparsers(dest="group", required=True)
    crs = sub.add_parser("course", help="instructor commands over nbgrader")
    crs_sub = crs.add_subparsers(dest="command", required=True)

    new = crs_sub.add_parser("new", help="write a course folder of your own (needs the rapportlab-course package)")
    new.add_argument("folder", help="a new (or empty) folder for the course")
    new.set_defaults(func=cmd_new)

    ros = crs_sub.add_parser("roster", help="import the class list (CSV: id, first_name, last_name, email, lms_id)")
    ros.add_argument("file", help="the roster CSV (columns: docs/scaling.md)")
    ros.set_defaults(func=cmd_roster)

    gen = crs_sub.add_parser("generate", help="regenerate exercises/ from solutions/ with nbgrader")
    gen.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    gen.set_defaults(func=cmd_generate)

    dem = crs_sub.add_parser("demo", help="grade a synthetic cohort end to end")
    dem.add_argument("--cohort", required=True, help="cohort file (YAML; the repository's are in tests/data/cohort/)")
    dem.set_defaults(func=cmd_demo)

    for p in (ros, gen, dem, *add_term_commands(crs_sub)):
        p.add_argument("--course-dir", default=".", help="the course folder, with nbgrader_config.py (default: here)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "course_dir", None) is not None:
        try:
            args.course_dir = commands.course_folder(args.course_dir)
        except commands.CourseFolderError as err:
            print(err, file=sys.stderr)
            return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
