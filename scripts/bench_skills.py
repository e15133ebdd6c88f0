"""Benchmark the skills analyser: import time, median latency per utterance, and an evaluation.

Usage: python scripts/bench_skills.py [PATH.csv ...] [--png OUT.png]

Without a path it runs on the course's own labelled set (tests/data/skills_labelled.csv).
Import time is measured in fresh processes (median of 5). Latency is the median over every
utterance of the CSV(s), after one warm-up call that loads the word lists.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapportkit.skills.evaluate import evaluate as run_evaluation  # noqa: E402
from rapportkit.skills.evaluate import format_report, read_rows, save_png  # noqa: E402


def import_time(repeats: int = 5) -> float:
    """Median wall time, in seconds, of `import rapportkit.skills` in a fresh interpreter."""
    code = "import time; t = time.perf_counter(); import rapportkit.skills; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def first_call_time() -> float:
    """Seconds for the first analyse() call in a fresh process (loads the word lists)."""
    code = (
        "import time; from rapportkit.skills import analyse; t = time.perf_counter(); "
        "analyse('So you feel let down?', 'My therapist let me down.'); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    """Print import time, latency and the evaluation of each CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="*", default=[str(ROOT / "tests" / "data" / "skills_labelled.csv")])
    parser.add_argument("--png", help="save the confusion matrices of the (last) CSV as a PNG")
    args = parser.parse_args(argv)

    print(f"import rapportkit.skills: {import_time() * 1000:.0f} ms (median of 5 fresh processes; target <= 300 ms)")
    print(f"first analyse() call (loads word lists): {first_call_time() * 1000:.0f} ms")
    all_latencies: list[float] = []
    for path in args.csv:
        rows = read_rows(path)
        start = time.perf_counter()
        report = run_evaluation(rows, path)
        elapsed = time.perf_counter() - start
        all_latencies += report.latencies_ms
        print()
        print(format_report(report))
        print(f"{len(rows)} utterances in {elapsed:.2f} s")
        if args.png:
            print(f"confusion matrices saved to {save_png(report, args.png)}")
    print()
    print(
        f"median latency per utterance: {statistics.median(all_latencies):.3f} ms "
        f"(p95 {statistics.quantiles(all_latencies, n=20)[-1]:.3f} ms; target <= 5 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
