"""Figures for role-plays: the rapport curve and a skill profile (bar or radar).

Figures are built with ``matplotlib.figure.Figure`` and the Agg canvas, never ``pyplot``: no GUI
backend is touched (safe in tests, on servers and inside widgets), and nothing piles up in pyplot's
global figure list when a widget redraws after every turn.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Muted colours that stay readable for common colour-vision differences (blue/orange pair).
_BLUE = "#1f77b4"
_ORANGE = "#d95f02"
_GREY = "#888888"


class CourseFigure(Figure):
    """A figure that shows itself as a picture in a notebook, with no ``%matplotlib`` line needed."""

    def _repr_png_(self) -> bytes:
        return figure_png(self)


def _new_figure(size: tuple[float, float], polar: bool = False) -> tuple[Figure, Axes]:
    fig = CourseFigure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)  # attach a non-interactive canvas
    ax = fig.add_subplot(1, 1, 1, polar=polar)
    return fig, ax


def rapport_curve(
    values: Sequence[int],
    *,
    title: str | None = "Rapport",
    withdraw_below: int | None = None,
    reveal_levels: Sequence[int] = (),
    ax: Axes | None = None,
    size: tuple[float, float] = (4.0, 2.2),
) -> Figure:
    """Line plot of rapport (0-100) after each turn; turn 0 is the start.

    ``withdraw_below`` shades the zone where the client withdraws; ``reveal_levels`` draws dotted lines
    where disclosures unlock.
    """
    if ax is None:
        fig, ax = _new_figure(size)
    else:
        fig = ax.figure  # type: ignore[assignment]
    xs = list(range(len(values)))
    if withdraw_below:
        ax.axhspan(0, withdraw_below, color=_ORANGE, alpha=0.12, lw=0, label="client withdraws")
    for level in reveal_levels:
        ax.axhline(level, color=_GREY, lw=0.8, ls=":")
    if values:
        ax.plot(xs, list(values), color=_BLUE, marker="o", ms=3, lw=1.8, label="rapport")
    ax.set_ylim(0, 100)
    ax.set_xlim(0, max(1, len(values) - 1))
    ax.set_xlabel("turn")
    ax.set_ylabel("rapport")
    if len(values) <= 12:
        ax.set_xticks(xs or [0])
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    return fig


def skill_profile(
    counts: Mapping[str, int | float],
    *,
    kind: str = "bar",
    title: str | None = "Skill profile",
    ax: Axes | None = None,
    size: tuple[float, float] = (4.5, 3.0),
) -> Figure:
    """Bar chart (``kind="bar"``) or radar chart (``kind="radar"``) of skill counts.

    ``counts`` maps a label to a count, e.g. ``summary.skill_counts(rp.summary())``.
    """
    if kind not in ("bar", "radar"):
        raise ValueError(f"kind must be 'bar' or 'radar', got {kind!r}")
    labels = list(counts)
    values = [float(counts[k]) for k in labels]
    if kind == "bar":
        if ax is None:
            fig, ax = _new_figure(size)
        else:
            fig = ax.figure  # type: ignore[assignment]
        ax.barh(labels, values, color=_BLUE)
        ax.invert_yaxis()  # first label on top, in reading order
        ax.set_xlabel("count")
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:g}", va="center", fontsize=8)
        ax.set_xlim(0, max(values + [1.0]) * 1.15)
    else:
        if len(labels) < 3:
            raise ValueError("a radar chart needs at least 3 skills")
        if ax is None:
            fig, ax = _new_figure(size, polar=True)
        else:
            fig = ax.figure  # type: ignore[assignment]
        angles = [2 * math.pi * i / len(labels) for i in range(len(labels))]
        ax.plot(angles + angles[:1], values + values[:1], color=_BLUE, lw=1.8)
        ax.fill(angles + angles[:1], values + values[:1], color=_BLUE, alpha=0.2)
        ax.set_xticks(angles)
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylim(0, max(values + [1.0]))
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure (for an ``ipywidgets.Image`` or a report)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def progress_chart(profiles: Mapping[str, Mapping[str, float]], size: tuple[float, float] = (9.0, 3.6)) -> Figure:
    """Skills used per step (grouped bars) and the best rapport reached in each step's role-plays.

    ``profiles`` is what :func:`rapportkit.progress.step_profiles` returns.
    """
    steps = list(profiles)
    skills = [k for k in next(iter(profiles.values()), {}) if k != "best rapport"]
    fig = CourseFigure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 1.4])
    width = 0.8 / max(1, len(skills))
    for i, skill in enumerate(skills):
        xs = [s + (i - (len(skills) - 1) / 2) * width for s in range(len(steps))]
        ax.bar(xs, [profiles[st].get(skill, 0) for st in steps], width=width, label=skill)
    ax.set_xticks(range(len(steps)), steps)
    ax.set_ylabel("count in your saved work")
    ax.set_title("Skills you used, step by step", fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    values = [profiles[st].get("best rapport", 0) for st in steps]
    ax2.bar(range(len(steps)), values, color=_ORANGE)
    ax2.set_xticks(range(len(steps)), steps, rotation=45, ha="right", fontsize=8)
    ax2.set_ylim(0, 100)
    ax2.set_title("Best rapport in role-plays", fontsize=10)
    return fig
