"""Autograde benchmark: seconds per submission for nbgrader, sequential and in parallel, against the floor.

Builds a synthetic cohort of N students (answers of mixed quality: the students of
``tests/data/cohort/<assignment>.yaml`` repeated, broken files left out) in two identical copies of the course,
then measures
  * sequential: one ``nbgrader autograde ASSIGNMENT`` over every student (nbgrader's own loop);
  * --jobs J:   ``rapportkit course autograde --jobs J`` (J long-lived nbgrader processes sharing the students);
  * floor:      nbclient executing the same submitted notebooks, one after another, without nbgrader;
and prints the ratios (targets: nbgrader <= 1.3x the floor per submission; >= 1.7x speed-up with 2 jobs on 2
cores). Both gradebooks must agree, student by student.

    .venv/bin/python scripts/bench_autograde.py --students 200      # the full run (about an hour on 2 cores)
    .venv/bin/python scripts/bench_autograde.py --students 6        # a quick check
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rapportkit import classroom, course, demo  # noqa: E402


def make_course(dest: Path) -> Path:
    """A private copy of what nbgrader needs: config, solutions, exercises."""
    dest.mkdir(parents=True)
    for name in ("grader_config.py", "nbgrader_config.py"):
        shutil.copy2(REPO / name, dest / name)
    for name in ("solutions", "exercises"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


def cohort_file(assignment: str, students: int, out: Path) -> Path:
    """A cohort of ``students`` from the assignment's test cohort, its students repeated in turn."""
    base = demo.load_cohort(REPO / "tests" / "data" / "cohort" / f"{assignment}.yaml")
    specs = [(name, spec) for name, spec in base["students"].items() if not spec.get("broken")]
    cohort = {"assignment": base["assignment"], "notebook": base["notebook"], "students": {}}
    for i in range(students):
        name, spec = specs[i % len(specs)]
        cohort["students"][f"s{i:04d}_{spec['quality']}"] = spec
    out.write_text(yaml.safe_dump(cohort, sort_keys=False), encoding="utf-8")
    return out


def prepare(root: Path, assignment: str, cohort: Path) -> list[str]:
    """Generate the assignment and collect the cohort into ``submitted/``; returns the students."""
    for step in (course.generate(assignment, root),):
        if not step.ok:
            raise SystemExit(f"generate failed:\n{step.log[-3000:]}")
    demo.build_submissions(cohort, root)
    step = course.zip_collect(assignment, root)
    if not step.ok:
        raise SystemExit(f"zip_collect failed:\n{step.log[-3000:]}")
    return classroom.submitted_students(assignment, root)


def floor(root: Path, assignment: str, students: list[str], timeout: int) -> float:
    """nbclient alone: execute every submitted notebook in a fresh kernel, in the submission's folder."""
    from nbclient import NotebookClient

    t0 = time.perf_counter()
    for student in students:
        folder = root / "submitted" / student / assignment
        for path in sorted(folder.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                           resources={"metadata": {"path": str(folder)}}).execute(stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def totals(root: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    course.ensure_tools_on_path()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student_id: round(s.score, 6) for s in gb.assignment_submissions(assignment)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=200, help="cohort size (default 200)")
    ap.add_argument("--assignment", default="01_trust")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args(argv)
    os.environ.update(course.nbgrader_env())

    work = Path(tempfile.mkdtemp(prefix="bench-autograde-"))
    try:
        cohort = cohort_file(args.assignment, args.students, work / "cohort.yaml")
        seq_root, par_root = make_course(work / "sequential"), make_course(work / "parallel")
        students = prepare(seq_root, args.assignment, cohort)
        prepare(par_root, args.assignment, cohort)
        n = len(students)
        print(f"{n} submissions of {args.assignment} on {os.cpu_count()} cores "
              f"(load average {os.getloadavg()[0]:.1f} at start)", flush=True)

        t0 = time.perf_counter()
        step = course.autograde(args.assignment, None, seq_root)
        seq = time.perf_counter() - t0
        if not step.ok:
            print(f"sequential autograde failed: {step.reason()}", file=sys.stderr)
        print(f"  nbgrader sequential   {seq / n:7.2f} s/submission  ({seq:.0f} s)", flush=True)

        t0 = time.perf_counter()
        status = classroom.autograde(args.assignment, students, args.jobs, par_root, progress=None)
        par = time.perf_counter() - t0
        bad = {s: st for s, st in status.items() if not st.startswith("graded")}
        print(f"  --jobs {args.jobs:<14} {par / n:7.2f} s/submission  ({par:.0f} s"
              f"{f', {len(bad)} not graded' if bad else ''})", flush=True)

        import nbgrader.preprocessors  # noqa: F401  (import cost is nbgrader's, not the floor's)

        timeout = 60
        fl = floor(seq_root, args.assignment, students, timeout)
        print(f"  floor (nbclient)      {fl / n:7.2f} s/submission  ({fl:.0f} s)", flush=True)

        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import nbgrader.apps.autogradeapp"], check=True)
        startup = time.perf_counter() - t0
        print(f"  nbgrader start-up     {startup:7.2f} s/process (paid once by sequential, once per job by --jobs)")

        same = totals(seq_root, args.assignment) == totals(par_root, args.assignment)
        print("\nratios")
        print(f"  sequential / floor    {seq / fl:5.2f}x   (target <= 1.3x)")
        print(f"  --jobs {args.jobs} / floor      {par / fl:5.2f}x")
        print(f"  speed-up, {args.jobs} jobs      {seq / par:5.2f}x   (target >= 1.7x on 2 cores)")
        print(f"  gradebooks agree: {'yes' if same else 'NO'}")
        print(f"  load average at end {os.getloadavg()[0]:.1f} (other work on the machine skews every figure)")
        for s, st in bad.items():
            print(f"  not graded: {s}: {st}")
        return 0 if same and not bad else 1
    finally:
        if args.keep:
            print(f"work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
