"""The evaluation command, on a small CSV whose figures are worked out by hand, and the labelled set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rapportkit.skills.evaluate import evaluate, read_rows
from rapportkit.skills.result import FLAG_KINDS

pytestmark = pytest.mark.tools

DATA = Path(__file__).parent / "data"
SMALL = DATA / "skills_eval_small.csv"
LABELLED = DATA / "skills_labelled.csv"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rapportkit.skills.evaluate", *args], capture_output=True, text=True, cwd=cwd
    )


def test_evaluate_small_csv_known_answers(tmp_path):
    png = tmp_path / "cm.png"
    out = run(str(SMALL), "--png", str(png))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    # 8 rows; one is labelled "reflection" but is a thank-you, so predicted "other":
    # reflection P=1, R=2/3, F1=0.8; other P=1/2, R=1, F1=0.667; question and input 1.0.
    assert "macro-F1 behaviour: 0.867" in text
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():  # the first table is the behaviour table
        if line.strip():
            rows.setdefault(line.split()[0], line.split()[1:])
    assert rows["reflection"] == ["1.000", "0.667", "0.800", "3"]
    assert rows["other"] == ["0.500", "1.000", "0.667", "1"]
    assert rows["question"] == ["1.000", "1.000", "1.000", "3"]
    assert "macro-F1 question_type: 1.000" in text
    assert "macro-F1 reflection_type: 1.000" in text
    assert "median latency:" in text and "ms per utterance" in text
    assert "confusion (rows = gold, columns = predicted):" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_no_png_unless_asked(tmp_path):
    out = run(str(SMALL), cwd=tmp_path)
    assert out.returncode == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("utterance,label\nHi,other\n", "missing column 'behaviour'"),
        ("behaviour\nother\n", "missing column 'utterance'"),
        ("utterance,behaviour\nHi,other\nWhat?,questoin\n", "row 3, column 'behaviour': unknown label 'questoin'"),
        ("utterance,behaviour,question_type\nWhat?,question,wide\n", "row 2, column 'question_type'"),
        ("utterance,behaviour,flags\nHi,other,rudeness\n", "row 2, column 'flags': unknown flag 'rudeness'"),
    ],
)
def test_bad_input_names_file_row_and_column(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    out = run(str(path))
    assert out.returncode == 2
    assert "bad.csv" in out.stderr and message in out.stderr
    assert "Traceback" not in out.stderr


def test_empty_cells_mean_no_label(tmp_path):
    path = tmp_path / "partial.csv"
    path.write_text("utterance,behaviour,question_type\nWhat brings you here?,question,\nMm-hmm.,,\n")
    report = evaluate(read_rows(path))
    assert report.tasks["behaviour"].gold == ["question"]
    assert report.tasks["question_type"].gold == []


# --- the course's own labelled set -----------------------------------------------------------------


@pytest.fixture(scope="module")
def labelled_report():
    return evaluate(read_rows(LABELLED), str(LABELLED))


def test_labelled_set_is_big_and_covers_everything(labelled_report):
    rows = read_rows(LABELLED)
    assert len(rows) >= 400
    gold = [r.labels for r in rows]
    for key, values in {
        "behaviour": ("question", "reflection", "therapist_input", "other"),
        "question_type": ("open", "closed"),
        "reflection_type": ("simple", "complex"),
    }.items():
        for value in values:
            assert sum(g.get(key) == value for g in gold) >= 40, (key, value)
    for kind in FLAG_KINDS:
        assert sum(kind in r.flags for r in rows) >= 8, kind


@pytest.mark.parametrize("task", ["behaviour", "question_type", "reflection_type"])
def test_labelled_set_task_macro_f1(labelled_report, task):
    assert labelled_report.tasks[task].macro_f1 >= 0.90


@pytest.mark.parametrize("kind", FLAG_KINDS)
def test_labelled_set_flag_f1(labelled_report, kind):
    assert labelled_report.flag_f1(kind) >= 0.90
