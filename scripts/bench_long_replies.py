"""How long grading one very long written reply takes, per item (the judge runs it in the grader's process).

    python scripts/bench_long_replies.py [--chars 100000 200000]

Prints, for each length, the slowest and median time over every written-reply item of solutions/, and the
time of the skills analysis alone. Replies are read up to rapportkit.skills.MAX_ANALYSED_CHARS characters,
so the time should not grow with the length.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rapportkit.rater import written_items
from rapportkit.skills import analyse

FILLER = ("It sounds like you're worried about what your mates would think if they found out you came here. "
          "Honestly I think therapy is great and men should talk more, and also ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, nargs="+", default=[1_000, 100_000, 200_000])
    parser.add_argument("--solutions", type=Path, default=Path("solutions"))
    args = parser.parse_args()
    items = written_items(args.solutions)
    items[0].score("warm up: load the word lists and lemma tables")
    print(f"{'chars':>8} {'analyse s':>10} {'grade median s':>15} {'grade max s':>12}  ({len(items)} items)")
    for n in args.chars:
        reply = (FILLER * (n // len(FILLER) + 1))[:n]
        start = time.perf_counter()
        analyse(reply)
        analysis = time.perf_counter() - start
        times = []
        for item in items:
            start = time.perf_counter()
            item.score(reply)
            times.append(time.perf_counter() - start)
        print(f"{n:>8} {analysis:>10.3f} {statistics.median(times):>15.3f} {max(times):>12.3f}")


if __name__ == "__main__":
    main()
