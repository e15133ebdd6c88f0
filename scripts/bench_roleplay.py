"""Role-play speed and determinism: the time of one turn, and whether a replay gives the same session.

    python scripts/bench_roleplay.py [--repeats 20]

Plays, for every scenario, the labelled good session of tests/data/rater/roleplay/paths.yaml (where there is
one) or the buttons that raise rapport most with an open question on typed turns, ``--repeats`` times, and
prints the median and 90th percentile time per turn (the target is a median under 50 ms), then replays each
session from its inputs and says whether every turn came out the same.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from rapportkit.roleplay import RolePlay, replay, scenario_names

OPEN_QUESTION = "What would you like to be different?"


def inputs_for(name: str, paths: dict[str, list[str]]) -> list[str]:
    """The session to time: the labelled good path, or best buttons with an open question on typed turns."""
    if name in paths:
        return list(paths[name])
    rp, out = RolePlay(name), []
    while not rp.finished and len(out) < 40:
        turn = rp.current_turn or {}
        given = max(turn["choices"], key=lambda o: o["rapport"])["id"] if "choices" in turn else OPEN_QUESTION
        rp.respond(given)
        out.append(given)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--paths", type=Path, default=Path("tests/data/rater/roleplay/paths.yaml"))
    args = parser.parse_args()
    paths = yaml.safe_load(args.paths.read_text(encoding="utf-8")) if args.paths.is_file() else {}
    RolePlay("john").respond("a")  # load the word lists, lemma tables and sentiment model once
    times: list[float] = []
    same = True
    for name in scenario_names():
        given = inputs_for(name, paths)
        for _ in range(args.repeats):
            rp = RolePlay(name)
            for text in given:
                if rp.finished:
                    break
                start = time.perf_counter()
                rp.respond(text)
                times.append(time.perf_counter() - start)
        again = replay(name, [r.student_input for r in rp.history])
        if [(r.rule, r.rapport, r.client_reply) for r in again.history] != [
            (r.rule, r.rapport, r.client_reply) for r in rp.history
        ]:
            same = False
            print(f"{name}: the replay differs from the session")
    times.sort()
    print(f"{len(times)} turns over {len(scenario_names())} scenarios, {args.repeats} times each")
    print(f"median per turn: {statistics.median(times) * 1000:.1f} ms (target < 50 ms); "
          f"90th percentile: {times[int(len(times) * 0.9)] * 1000:.1f} ms; slowest: {times[-1] * 1000:.1f} ms")
    print(f"replay deterministic: {'yes' if same else 'NO'}")
    return 0 if same and statistics.median(times) < 0.05 else 1


if __name__ == "__main__":
    raise SystemExit(main())
