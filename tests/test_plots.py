"""Rapport curve and skill profile figures (Agg canvas, no GUI backend)."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from rapportkit.plots import figure_png, rapport_curve, skill_profile

PNG = b"\x89PNG"


def test_rapport_curve() -> None:
    fig = rapport_curve([35, 45, 40, 60], withdraw_below=25, reveal_levels=[50, 65])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert list(ax.lines[-1].get_ydata()) == [35, 45, 40, 60]
    assert ax.get_ylim() == (0, 100)
    assert figure_png(fig).startswith(PNG)


def test_rapport_curve_empty_and_single() -> None:
    assert figure_png(rapport_curve([])).startswith(PNG)
    assert figure_png(rapport_curve([30], title=None)).startswith(PNG)


def test_skill_profile_bar_and_radar() -> None:
    counts = {"open questions": 3, "closed questions": 1, "simple reflections": 2, "complex reflections": 4}
    bar = skill_profile(counts)
    assert [round(p.get_width()) for p in bar.axes[0].patches] == [3, 1, 2, 4]
    radar = skill_profile(counts, kind="radar")
    assert radar.axes[0].name == "polar"
    assert figure_png(radar).startswith(PNG)


def test_skill_profile_errors() -> None:
    with pytest.raises(ValueError, match="bar"):
        skill_profile({"a": 1}, kind="pie")
    with pytest.raises(ValueError, match="at least 3"):
        skill_profile({"a": 1, "b": 2}, kind="radar")


def test_draw_on_existing_axes() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert rapport_curve([10, 20], ax=ax) is fig


def test_course_figures_show_themselves_as_png_in_a_notebook():
    from rapportkit.plots import rapport_curve

    fig = rapport_curve([40, 45, 60])
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
