"""Instructor commands: ``rapportkit course ...``, thin over nbgrader's own commands."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from rapportkit import classroom, course, demo, grade_worker, report

DEFAULT_COHORT = course.REPO_ROOT / "tests" / "data" / "cohort" / "01_trust.yaml"


def _fail(step: course.StepResult) -> int:
    print(f"nbgrader {' '.join(step.args)} failed:", file=sys.stderr)
    print("\n".join(step.errors()[-15:]) or step.log[-3000:], file=sys.stderr)
    return 1


def cmd_generate(args: argparse.Namespace) -> int:
    """Regenerate exercises/ from solutions/."""
    names = args.assignments or course.assignments(args.course_dir)
    for name in names:
        step = course.generate(name, args.course_dir)
        if not step.ok:
            return _fail(step)
        print(f"generated exercises/{name}")
    return 0


def grade_batch(assignment: str, students: list[str], course_dir: Path) -> dict[str, str]:
    """Autograde each student on their own, so one broken submission cannot stop the batch.

    Returns ``{student: status}`` (see :func:`rapportkit.grade_worker.grade_student`): ``"graded"``,
    ``"graded; <notes>"`` or ``"not graded: <reason>"`` naming the file and what is wrong with it. One nbgrader
    process grades them all, one after another.
    """
    worker = grade_worker.Worker(assignment, course_dir)
    try:
        return {student: worker(assignment, student, Path(course_dir)) for student in students}
    finally:
        worker.close()


def cmd_demo(args: argparse.Namespace) -> int:
    """The instructor's path on a synthetic cohort: collect, autograde, feedback, export, report."""
    root = Path(args.course_dir)
    cohort = demo.load_cohort(args.cohort)
    assignment = cohort["assignment"]
    for step in (course.generate(assignment, root),):
        if not step.ok:
            return _fail(step)
    qualities = demo.build_submissions(Path(args.cohort), root)
    print(f"cohort: {len(qualities)} synthetic submissions in downloaded/{assignment}/archive/")
    step = course.zip_collect(assignment, root)
    if not step.ok:
        return _fail(step)
    collected = sorted(p.name for p in (root / "submitted").iterdir() if (p / assignment).is_dir())
    missing = sorted(set(qualities) - set(collected))
    print(f"collected into submitted/: {len(collected)} students")
    status = grade_batch(assignment, [s for s in qualities if s in collected], root)
    for student in missing:
        status[student] = "no notebook collected"
    for step in (course.generate_feedback(assignment, root), course.export(root)):
        if not step.ok:
            return _fail(step)
    png = report.plot_item_distribution(
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapportkit", description=__doc__)
    sub = parser.add_subparsers(dest="group", required=True)
    crs = sub.add_parser("course", help="instructor commands over nbgrader")
    crs_sub = crs.add_subparsers(dest="command", required=True)

    gen = crs_sub.add_parser("generate", help="regenerate exercises/ from solutions/ with nbgrader")
    gen.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    gen.set_defaults(func=cmd_generate)

    dem = crs_sub.add_parser("demo", help="grade a synthetic cohort end to end")
    dem.add_argument("--cohort", default=str(DEFAULT_COHORT), help="cohort file (YAML)")
    dem.set_defaults(func=cmd_demo)

    for p in (gen, dem):
        p.add_argument("--course-dir", default=str(course.REPO_ROOT), help="folder holding nbgrader_config.py")

    # Class scale (issue 6): release, collect, autograde --jobs, feedback, export, report.
    classroom.add_commands(crs_sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
