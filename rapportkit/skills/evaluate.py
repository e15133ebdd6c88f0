"""Measure the skills analyser on a labelled CSV.

Usage: ``python -m rapportkit.skills.evaluate PATH.csv [--png OUT.png]``

The CSV needs the columns ``utterance`` and ``behaviour``; ``client_before``, ``question_type``,
``reflection_type`` are optional, and so are ``flags`` (space-separated flag kinds expected) and
``client_name``, ``client_pronouns``, ``client_avoid_names`` (names separated by ``;``). Empty cells
mean "no label". Prints per-label precision, recall and F1, macro-F1 for each task, confusion
matrices and the median latency; ``--png`` also saves the confusion matrices as an image.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .analyser import analyse
from .behaviour import label_sentences, question_type_anyway, reflection_type
from .result import BEHAVIOURS, FLAG_KINDS, QUESTION_TYPES, REFLECTION_TYPES, ClientProfile
from .text import normalise

REQUIRED = ("utterance", "behaviour")
LABELS = {"behaviour": BEHAVIOURS, "question_type": QUESTION_TYPES, "reflection_type": REFLECTION_TYPES}
DEFAULT_PNG = "skills_confusion.png"


class InputError(ValueError):
    """A labelled CSV that cannot be evaluated; the message names the file, row and column."""


@dataclass
class Row:
    """One labelled utterance."""

    line: int
    utterance: str
    client_before: str | None
    labels: dict[str, str]
    flags: frozenset[str] | None
    client: ClientProfile | None


@dataclass
class TaskResult:
    """Gold and predicted labels of one task, with the figures derived from them."""

    name: str
    labels: tuple[str, ...]
    gold: list[str] = field(default_factory=list)
    pred: list[str] = field(default_factory=list)

    def prf(self, label: str) -> tuple[float, float, float, int]:
        """Precision, recall, F1 and support of one label."""
        tp = sum(1 for g, p in zip(self.gold, self.pred, strict=True) if g == label and p == label)
        n_pred = sum(1 for p in self.pred if p == label)
        n_gold = sum(1 for g in self.gold if g == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, n_gold

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the task's labels that occur in the gold labels."""
        present = [lab for lab in self.labels if lab in self.gold]
        return statistics.fmean(self.prf(lab)[2] for lab in present) if present else float("nan")

    @property
    def accuracy(self) -> float:
        """Share of rows predicted right."""
        if not self.gold:
            return float("nan")
        return sum(g == p for g, p in zip(self.gold, self.pred, strict=True)) / len(self.gold)

    def confusion(self) -> tuple[list[str], list[str], list[list[int]]]:
        """Row labels (gold), column labels (predicted) and counts."""
        rows = [lab for lab in self.labels if lab in self.gold]
        cols = list(self.labels) + sorted({p for p in self.pred if p not in self.labels})
        counts = Counter(zip(self.gold, self.pred, strict=True))
        return rows, cols, [[counts[(r, c)] for c in cols] for r in rows]


@dataclass
class Report:
    """Everything the evaluation measured."""

    path: str
    n_rows: int
    tasks: dict[str, TaskResult]
    flags: dict[str, tuple[int, int, int]]  # kind -> (true positives, predicted, gold)
    latencies_ms: list[float]

    @property
    def median_ms(self) -> float:
        """Median time to analyse one utterance, in milliseconds."""
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    def flag_f1(self, kind: str) -> float:
        """F1 of one flag kind."""
        tp, n_pred, n_gold = self.flags[kind]
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def read_rows(path: str | Path) -> list[Row]:
    """Read and check a labelled CSV; raises InputError naming the file, row and column."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        for col in REQUIRED:
            if col not in header:
                raise InputError(f"{path}: missing column '{col}' (found: {', '.join(header) or 'no header'})")
        rows = []
        for record in reader:
            line = reader.line_num
            if None in record:
                raise InputError(f"{path}, row {line}: more cells than columns")
            labels = {}
            for col, allowed in LABELS.items():
                value = (record.get(col) or "").strip()
                if value and value not in allowed:
                    raise InputError(
                        f"{path}, row {line}, column '{col}': unknown label '{value}' "
                        f"(expected one of: {', '.join(allowed)}, or empty)"
                    )
                if value:
                    labels[col] = value
            flags = None
            if "flags" in header:
                kinds = (record.get("flags") or "").split()
                unknown = [k for k in kinds if k not in FLAG_KINDS]
                if unknown:
                    raise InputError(
                        f"{path}, row {line}, column 'flags': unknown flag '{unknown[0]}' "
                        f"(expected kinds: {', '.join(FLAG_KINDS)})"
                    )
                flags = frozenset(kinds)
            client = None
            name = (record.get("client_name") or "").strip()
            if name:
                avoid = tuple(n.strip() for n in (record.get("client_avoid_names") or "").split(";") if n.strip())
                pronouns = (record.get("client_pronouns") or "").strip() or "they/them"
                client = ClientProfile(name=name, pronouns=pronouns, avoid_names=avoid)
            before = (record.get("client_before") or "").strip() or None
            rows.append(Row(line, record.get("utterance") or "", before, labels, flags, client))
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def evaluate(rows: list[Row], path: str = "") -> Report:
    """Run the analyser on every row and collect gold and predicted labels."""
    tasks = {
        "behaviour": TaskResult("behaviour", BEHAVIOURS),
        "question_type": TaskResult("question_type (on rows labelled open/closed)", QUESTION_TYPES),
        "reflection_type": TaskResult("reflection_type (on rows labelled simple/complex)", REFLECTION_TYPES),
        "question_type_end_to_end": TaskResult(
            "question_type, end to end (no question found = 'none')", QUESTION_TYPES
        ),
        "reflection_type_end_to_end": TaskResult(
            "reflection_type, end to end (no reflection found = 'none')", REFLECTION_TYPES
        ),
    }
    flag_counts = {kind: [0, 0, 0] for kind in FLAG_KINDS}
    latencies = []
    for row in rows:
        start = time.perf_counter()
        a = analyse(row.utterance, row.client_before, row.client)
        latencies.append((time.perf_counter() - start) * 1000)
        gold_b = row.labels.get("behaviour")
        if gold_b:
            tasks["behaviour"].gold.append(gold_b)
            tasks["behaviour"].pred.append(a.behaviour)
        if "question_type" in row.labels or "reflection_type" in row.labels:
            labels = label_sentences(normalise(row.utterance), row.client_before)
            if "question_type" in row.labels:
                tasks["question_type"].gold.append(row.labels["question_type"])
                tasks["question_type"].pred.append(a.question_type or question_type_anyway(labels))
                tasks["question_type_end_to_end"].gold.append(row.labels["question_type"])
                tasks["question_type_end_to_end"].pred.append(a.question_type or "none")
            if "reflection_type" in row.labels:
                tasks["reflection_type"].gold.append(row.labels["reflection_type"])
                tasks["reflection_type"].pred.append(a.reflection_type or reflection_type(labels, row.client_before))
                tasks["reflection_type_end_to_end"].gold.append(row.labels["reflection_type"])
                tasks["reflection_type_end_to_end"].pred.append(a.reflection_type or "none")
        if row.flags is not None:
            found = {f.kind for f in a.flags}
            for kind in FLAG_KINDS:
                flag_counts[kind][0] += kind in found and kind in row.flags
                flag_counts[kind][1] += kind in found
                flag_counts[kind][2] += kind in row.flags
    return Report(
        path=path,
        n_rows=len(rows),
        tasks=tasks,
        flags={k: (v[0], v[1], v[2]) for k, v in flag_counts.items()} if rows[0].flags is not None else {},
        latencies_ms=latencies,
    )


def format_report(report: Report) -> str:
    """The report as plain text."""
    out = [f"Skills analyser on {report.path} ({report.n_rows} rows)", ""]
    for key, task in report.tasks.items():
        if not task.gold:
            continue
        out.append(f"== {task.name}: {len(task.gold)} rows")
        out.append(f"{'label':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for lab in task.labels:
            if lab in task.gold:
                p, r, f, n = task.prf(lab)
                out.append(f"{lab:<18}{p:>10.3f}{r:>10.3f}{f:>10.3f}{n:>10}")
        out.append(f"macro-F1 {key}: {task.macro_f1:.3f}   accuracy: {task.accuracy:.3f}")
        rows, cols, counts = task.confusion()
        out.append("confusion (rows = gold, columns = predicted):")
        width = max(len(c) for c in cols + rows) + 2
        out.append(" " * width + "".join(f"{c:>{width}}" for c in cols))
        for r, line in zip(rows, counts, strict=True):
            out.append(f"{r:<{width}}" + "".join(f"{n:>{width}}" for n in line))
        out.append("")
    if report.flags:
        out.append("== flags")
        out.append(f"{'flag':<22}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for kind, (tp, n_pred, n_gold) in report.flags.items():
            p = tp / n_pred if n_pred else 0.0
            r = tp / n_gold if n_gold else 0.0
            out.append(f"{kind:<22}{p:>10.3f}{r:>10.3f}{report.flag_f1(kind):>10.3f}{n_gold:>10}")
        out.append("")
    out.append(f"median latency: {report.median_ms:.3f} ms per utterance")
    return "\n".join(out)


def save_png(report: Report, png: str | Path) -> Path:
    """Save the confusion matrices of the three tasks as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in ("behaviour", "question_type", "reflection_type") if report.tasks[k].gold]
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 4.5), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        task = report.tasks[key]
        rows, cols, counts = task.confusion()
        ax.imshow(counts, cmap="Blues")
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        top = max(max(line) for line in counts) or 1
        for i, line in enumerate(counts):
            for j, n in enumerate(line):
                ax.text(j, i, str(n), ha="center", va="center", color="white" if n > top / 2 else "black")
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(f"{key} (macro-F1 {task.macro_f1:.2f})")
    fig.suptitle(f"Skills analyser: {Path(report.path).name}")
    fig.tight_layout()
    png = Path(png)
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m rapportkit.skills.evaluate", description="Measure the skills analyser on a labelled CSV."
    )
    parser.add_argument("csv", help="CSV with columns utterance, behaviour (+ optional labels)")
    parser.add_argument(
        "--png", nargs="?", const=DEFAULT_PNG, default=None,
        help=f"save the confusion matrices as a PNG (default name: {DEFAULT_PNG})",
    )
    args = parser.parse_args(argv)
    try:
        rows = read_rows(args.csv)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = evaluate(rows, args.csv)
    print(format_report(report))
    if args.png:
        print(f"confusion matrices saved to {save_png(report, args.png)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
