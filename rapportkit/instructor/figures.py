"""The class report's figures: scores per item and per skill, item difficulty and discrimination (PNG files)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # reports are files; never open a window
import matplotlib.pyplot as plt  # noqa: E402

from rapportkit.instructor.gradebook import item_scores  # noqa: E402
from rapportkit.instructor.stats import item_stats, skill_shares  # noqa: E402
from rapportkit.nbgrader.export import assignment_skills  # noqa: E402


def plot_item_distribution(db_url: str, assignment: str, out: Path | str) -> Path:
    """Save a PNG of the score distribution per item (as a share of its points), one dot per student."""
    items = item_scores(db_url, assignment)
    if not items:
        raise ValueError(f"no graded submissions for assignment {assignment!r} in {db_url}")
    names = list(items)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(names) + 2), 4.2))
    for i, name in enumerate(names):
        shares = [100 * s / m for _, s, m in items[name] if s is not None and m]
        if shares:
            ax.boxplot(shares, positions=[i], widths=0.5, showfliers=False)
            jitter = [i + 0.12 * ((k % 5) - 2) / 2 for k in range(len(shares))]
            ax.scatter(jitter, shares, s=18, alpha=0.7)
        else:
            ax.text(i, 50, "to grade\nby hand", ha="center", va="center", fontsize=8, color="grey")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("score (% of the item's points)")
    ax.set_title(f"{assignment}: score per item ({len(next(iter(items.values())))} students)")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def class_report(assignment: str, course_dir: Path | str = ".", out_dir: Path | str | None = None) -> list[Path]:
    """Write the class report's PNGs: score per item, score per skill, item difficulty and discrimination."""
    root = Path(course_dir)
    out = Path(out_dir) if out_dir else root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    items = item_scores(db_url, assignment)
    if not items:
        raise ValueError(f"no graded submissions for assignment {assignment!r}")
    paths = [plot_item_distribution(db_url, assignment, out / f"{assignment}_items.png")]

    skills = {k.split("/", 1)[1]: v for k, v in assignment_skills(root, assignment).items()}
    shares = skill_shares(items, skills)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(shares) + 2), 4.4))
    for i, per_student in enumerate(shares.values()):
        values = [100 * v for v in per_student.values()]
        ax.boxplot(values, positions=[i], widths=0.5, showfliers=False)
        ax.scatter([i + 0.06 * ((k % 5) - 2) for k in range(len(values))], values, s=14, alpha=0.6)
    ax.set_xticks(range(len(shares)), [s.replace("_", " ") for s in shares], rotation=35, ha="right")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("score (% of the skill's points)")
    ax.set_title(f"{assignment}: score per skill (items covering it)")
    fig.tight_layout()
    paths.append(out / f"{assignment}_skills.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    stats = item_stats(items)
    names = [s.item for s in stats]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(max(9.0, 0.9 * len(names) + 4), 4.4))
    ax1.bar(range(len(names)), [100 * (s.difficulty or 0) for s in stats], color="#4c78a8")
    for i, s in enumerate(stats):
        if s.difficulty is None:
            ax1.text(i, 5, "by hand", ha="center", rotation=90, fontsize=8, color="grey")
    ax1.set_ylim(0, 105)
    ax1.set_ylabel("mean score (% of points): low = hard")
    ax1.set_title("item difficulty")
    disc = [s.discrimination if s.discrimination is not None else 0 for s in stats]
    ax2.bar(range(len(names)), disc, color=["#e45756" if d < 0.2 else "#54a24b" for d in disc])
    for i, s in enumerate(stats):
        if s.discrimination is None:
            ax2.text(i, 0.05, "n/a", ha="center", fontsize=8, color="grey")
    ax2.axhline(0.2, color="grey", linestyle="--", linewidth=1)
    ax2.set_ylim(-1, 1)
    ax2.set_ylabel("item-rest correlation")
    ax2.set_title("item discrimination (below 0.2: review the item)")
    for a in (ax1, ax2):
        a.set_xticks(range(len(names)), names, rotation=35, ha="right")
    fig.suptitle(f"{assignment}: {max((s.students for s in stats), default=0)} students")
    fig.tight_layout()
    paths.append(out / f"{assignment}_difficulty.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
