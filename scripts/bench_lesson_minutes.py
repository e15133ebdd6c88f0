"""How long each lesson and assignment takes a student: an estimate from what the notebooks hold.

    python scripts/bench_lesson_minutes.py [--wpm 130] [--practice 3] [--roleplay 10] [--written 4]

Counts the words a student reads in markdown cells (references left out), then adds minutes per activity:
``--practice`` per *Try it* cell a student edits, ``--roleplay`` per role-play widget, one minute per replay,
``--written`` per written answer in an assignment, one per choice or labels answer, and 20 per instructor-marked
reflection. Prints one line per notebook and the totals; the target is under 60 minutes a lesson. The figures are an
estimate to plan a term with (docs/teaching/timing.md), not a measurement of students.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
TARGET_MINUTES = 60
ROLEPLAY = re.compile(r"(?<![\w.])roleplay\(")
REPLAY = re.compile(r"(?<![\w.])replay\(")


def reading_words(nb: nbformat.NotebookNode) -> int:
    """Words in markdown cells, without the references a student does not read through."""
    return sum(len(WORD.findall(c.source)) for c in nb.cells
               if c.cell_type == "markdown" and not c.source.startswith("## References"))


def lesson_minutes(path: Path, wpm: float, practice: float, roleplay: float) -> tuple[float, str]:
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    roleplays = sum(bool(ROLEPLAY.search(s)) for s in code)
    replays = sum(bool(REPLAY.search(s)) for s in code)
    tries = sum(bool(re.search(r"^my_\w+ = ", s, re.M)) for s in code)
    words = reading_words(nb)
    minutes = words / wpm + tries * practice + roleplays * roleplay + replays
    return minutes, f"{words} words, {tries} practice cells, {roleplays} role-plays, {replays} replays"


def assignment_minutes(path: Path, wpm: float, roleplay: float, written: float) -> tuple[float, str]:
    nb = nbformat.read(path, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    replies = sum(c.cell_type == "code" and "reply_q" in c.source for c in answers)
    choices = sum(c.cell_type == "code" and "answer_q" in c.source for c in answers)
    reflections = sum(c.cell_type == "markdown" for c in answers)
    roleplays = sum(c.cell_type == "code" and bool(ROLEPLAY.search(c.source)) for c in nb.cells)
    words = reading_words(nb)
    minutes = words / wpm + replies * written + choices + reflections * 20 + roleplays * roleplay
    return minutes, (f"{words} words, {replies} written replies, {choices} choices or labels, "
                     f"{reflections} reflections, {roleplays} role-plays")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wpm", type=float, default=130, help="reading speed, words a minute")
    parser.add_argument("--practice", type=float, default=3, help="minutes per Try-it cell")
    parser.add_argument("--roleplay", type=float, default=10, help="minutes per role-play")
    parser.add_argument("--written", type=float, default=4, help="minutes per written answer in an assignment")
    args = parser.parse_args()
    total_lessons = total_assignments = 0.0
    print("Lessons (course/):")
    for path in sorted((ROOT / "course").glob("*.ipynb")):
        minutes, detail = lesson_minutes(path, args.wpm, args.practice, args.roleplay)
        total_lessons += minutes
        flag = "" if minutes < TARGET_MINUTES else f"  over {TARGET_MINUTES} min"
        print(f"  {path.stem:28} {minutes:5.0f} min  ({detail}){flag}")
    print("Assignments (solutions/):")
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        minutes, detail = assignment_minutes(path, args.wpm, args.roleplay, args.written)
        total_assignments += minutes
        print(f"  {path.stem:28} {minutes:5.0f} min  ({detail})")
    print(f"Total: lessons {total_lessons / 60:.1f} h, assignments {total_assignments / 60:.1f} h, "
          f"course {(total_lessons + total_assignments) / 60:.1f} h")


if __name__ == "__main__":
    main()
