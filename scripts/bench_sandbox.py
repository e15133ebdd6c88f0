"""What the grading sandbox costs: autograde seconds per submission with and without it, and kernel start-up.

Usage: python scripts/bench_sandbox.py [--rounds 2] [--kernels 5]

Grades the same batch (the demo cohort of the Trust assignment, every gradable student) in three private
copies of the course, one ``nbgrader autograde`` per student as ``rapportkit course`` does:

* ``nbgrader``: nbgrader's own autograde pipeline (no judge, no sandbox), for reference;
* ``judge``: the judge, kernels unconfined (``c.SandboxKernelManager.enabled = False``);
* ``judge+sandbox``: the course's configuration as shipped.

Runs are interleaved (student by student, configurations in rotating order) so that a busy machine weighs
on all three alike. Then it times kernel start-up (start to ``kernel_info`` reply) with and without the
sandbox. Prints medians; the goal is judge+sandbox / judge <= 1.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jupyter_client.manager import AsyncKernelManager  # noqa: E402

from rapportkit import course, demo  # noqa: E402
from rapportkit.nbgrader.sandbox import SandboxKernelManager, sandbox_problem  # noqa: E402

ASSIGNMENT = "01_trust"
COHORT = ROOT / "tests" / "data" / "cohort" / "01_trust.yaml"
CONFIGS = {
    "nbgrader": "\nc.Autograde.autograde_preprocessors = [\n"
    '    "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",\n'
    '    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",\n'
    '    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",\n'
    '    "nbgrader.preprocessors.CheckCellMetadata"]\n',
    "judge": "\nc.SandboxKernelManager.enabled = False\n",
    "judge+sandbox": "",
}


def make_course(where: Path, extra_config: str) -> tuple[Path, list[str]]:
    """A private course copy with the demo cohort collected into submitted/; returns it and its students."""
    root = where
    root.mkdir(parents=True)
    for name in ("grader_config.py", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    shutil.copytree(ROOT / "exercises" / ASSIGNMENT, root / "exercises" / ASSIGNMENT)
    with open(root / "grader_config.py", "a", encoding="utf-8") as fh:
        fh.write(extra_config)
    for step in (course.generate(ASSIGNMENT, root),):
        if not step.ok:
            raise SystemExit(step.log)
    qualities = demo.build_submissions(COHORT, root)
    step = course.zip_collect(ASSIGNMENT, root)
    if not step.ok:
        raise SystemExit(step.log)
    students = [s for s in qualities if (root / "submitted" / s / ASSIGNMENT).is_dir()
                and not demo.load_cohort(COHORT)["students"][s].get("broken")]
    return root, students


async def kernel_startup(manager: type, cwd: str) -> float:
    """Seconds from start_kernel to the kernel's first reply."""
    km = manager()
    started = time.perf_counter()
    await km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
        return time.perf_counter() - started
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each submission is graded per configuration")
    parser.add_argument("--kernels", type=int, default=5, help="kernel start-ups timed per manager")
    args = parser.parse_args(argv)
    if problem := sandbox_problem():
        print(f"the sandbox cannot run here: {problem}", file=sys.stderr)
        return 1
    course.ensure_tools_on_path()
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        courses = {}
        for name, extra in CONFIGS.items():
            courses[name] = make_course(Path(tmp) / name.replace("+", "_"), extra)
        students = courses["judge+sandbox"][1]
        times: dict[str, list[float]] = {name: [] for name in CONFIGS}
        order = list(CONFIGS)
        for rnd in range(args.rounds):
            for i, student in enumerate(students):
                rotation = order[(i + rnd) % len(order):] + order[: (i + rnd) % len(order)]
                for name in rotation:
                    root = courses[name][0]
                    started = time.perf_counter()
                    step = course.autograde(ASSIGNMENT, student, root)
                    times[name].append(time.perf_counter() - started)
                    if not step.ok:
                        print(f"{name}: {student} not graded: {step.reason()}", file=sys.stderr)
        print(f"\nautograde, seconds per submission ({len(students)} submissions x {args.rounds} rounds, "
              "one nbgrader run each):")
        for name, values in times.items():
            print(f"  {name:<14} median {statistics.median(values):6.2f}   mean {statistics.mean(values):6.2f}"
                  f"   min {min(values):6.2f}")
        base = statistics.median(times["judge"])
        ratio = statistics.median(times["judge+sandbox"]) / base
        print(f"  sandbox cost: judge+sandbox / judge = {ratio:.2f}x (goal <= 1.10x)")
        whole = statistics.median(times["judge+sandbox"]) / statistics.median(times["nbgrader"])
        print(f"  judge+sandbox / plain nbgrader = {whole:.2f}x")

        work = Path(tmp) / "kernel"
        work.mkdir()
        startup = {"plain kernel": [], "sandboxed kernel": []}
        for _ in range(args.kernels):
            startup["plain kernel"].append(asyncio.run(kernel_startup(AsyncKernelManager, str(work))))
            startup["sandboxed kernel"].append(asyncio.run(kernel_startup(SandboxKernelManager, str(work))))
        print(f"\nkernel start-up to first reply, seconds (median of {args.kernels}):")
        for name, values in startup.items():
            print(f"  {name:<17} {statistics.median(values):6.2f}   (min {min(values):.2f}, max {max(values):.2f})")
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
