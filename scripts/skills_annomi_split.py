"""Evaluate the skills analyser on AnnoMI's tuning half (odd transcript ids), check half (even ids) and whole.

Usage: python scripts/skills_annomi_split.py ../shared/eval/annomi_dev.csv [--errors OUT.tsv]

Error analysis is done only on the tuning half: ``--errors`` writes its misread rows to a file
OUTSIDE the repository (AnnoMI text must never be committed). The check half is only scored.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapportkit.skills.analyser import analyse  # noqa: E402
from rapportkit.skills.behaviour import label_sentences  # noqa: E402
from rapportkit.skills.evaluate import evaluate, read_rows  # noqa: E402
from rapportkit.skills.text import normalise  # noqa: E402

TASKS = ("behaviour", "question_type", "reflection_type")


def transcript_ids(path: str) -> list[int]:
    """The transcript id of every row, in file order."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [int(r["transcript_id"]) for r in csv.DictReader(fh)]


def main(argv: list[str] | None = None) -> int:
    """Print macro-F1 of each task on the tuning half, the check half and the whole."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--errors", help="write the tuning half's errors here (a path outside the repository)")
    args = parser.parse_args(argv)
    rows = read_rows(args.csv)
    ids = transcript_ids(args.csv)
    halves = {
        "tuning (odd)": [r for r, i in zip(rows, ids, strict=True) if i % 2 == 1],
        "check (even)": [r for r, i in zip(rows, ids, strict=True) if i % 2 == 0],
        "whole": rows,
    }
    print(f"{'half':<14}{'rows':>6}" + "".join(f"{t:>17}" for t in TASKS) + f"{'input F1':>10}")
    for name, part in halves.items():
        rep = evaluate(part, name)
        figs = "".join(f"{rep.tasks[t].macro_f1:>17.3f}" for t in TASKS)
        print(f"{name:<14}{len(part):>6}{figs}{rep.tasks['behaviour'].prf('therapist_input')[2]:>10.3f}")
    if args.errors:
        out = Path(args.errors).resolve()
        if ROOT in out.parents:
            parser.error("write the errors outside the repository")
        with open(out, "w", encoding="utf-8") as fh:
            for r in halves["tuning (odd)"]:
                a = analyse(r.utterance, r.client_before)
                labs = label_sentences(normalise(r.utterance), r.client_before)
                kinds = " ".join(f"{lab.kind}/{lab.subtype}" for lab in labs)
                g = r.labels.get("behaviour")
                fh.write(
                    f"{g}\t{a.behaviour}\t{r.labels.get('question_type', '')}\t{a.question_type or ''}\t"
                    f"{r.labels.get('reflection_type', '')}\t{a.reflection_type or ''}\t{kinds}\t"
                    f"{r.utterance}\t{r.client_before or ''}\n"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
