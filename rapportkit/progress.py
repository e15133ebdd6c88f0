"""A student's progress: their skill profile across the steps, from their own saved work.

Reads the exercise notebooks and role-play transcripts in a folder (the student's own files; nothing is
sent anywhere), analyses every written reply with :func:`rapportkit.skills.analyse` and replays every
transcript, and counts the skills used in each step.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from matplotlib.figure import Figure

from rapportkit.answers import REPLY_PREFIX, notebook_answers
from rapportkit.plots import progress_chart
from rapportkit.roleplay import TranscriptError, is_kept_attempt, load_transcript, verify_transcript
from rapportkit.roleplay.summary import COMPLEX_BANDS, RQ_BANDS
from rapportkit.skills import analyse

STEP = re.compile(r"^(\d\d)_[A-Za-z0-9_]+$")
# Instructor and grading folders hold other people's answers, never the student's own work.
NOT_MINE = {"solutions", "source", "submitted", "autograded", "feedback", "release", ".ipynb_checkpoints"}
SKILLS = ("open questions", "closed questions", "simple reflections", "complex reflections",
          "wording that costs rapport")


def _step_of(path: Path) -> str | None:
    if NOT_MINE & set(path.parts):
        return None
    for part in reversed(path.parent.parts):
        if STEP.match(part):
            return part
    return None


def _count_analysis(counts: Counter, a) -> None:
    if a.behaviour == "question" and a.question_type:
        counts[f"{a.question_type} questions"] += 1
    if a.behaviour == "reflection" and a.reflection_type:
        counts[f"{a.reflection_type} reflections"] += 1
    counts["wording that costs rapport"] += len(a.problems)


def step_profiles(root: Path | str = ".") -> dict[str, dict[str, float]]:
    """``{step: {skill: count, ..., "best rapport": 0-100 or absent}}`` for each step with saved work."""
    root = Path(root)
    profiles: dict[str, Counter] = {}
    rapport: dict[str, int] = {}
    for nb_path in sorted(root.rglob("*.ipynb")):
        step = _step_of(nb_path)
        if step is None:
            continue
        try:
            answers = notebook_answers(nb_path)
        except Exception:  # an unreadable notebook is simply not counted
            continue
        counts = profiles.setdefault(step, Counter())
        for name, value in answers.items():
            # Written replies only: choices and labels are words too, but not words said to a client.
            if name.startswith(REPLY_PREFIX) and isinstance(value, str) and len(value.split()) >= 3:
                _count_analysis(counts, analyse(value))
    for tr_path in sorted(root.rglob("roleplay_*.json")):
        step = _step_of(tr_path)
        if step is None or is_kept_attempt(tr_path):
            continue  # earlier attempts (Start again) are kept but not graded: show what will be graded
        try:
            scenario = load_transcript(tr_path)["scenario"]
            session, _ = verify_transcript(tr_path, scenario)
        except (TranscriptError, OSError, ValueError, KeyError):
            continue
        s = session.summary()
        counts = profiles.setdefault(step, Counter())
        counts["open questions"] += s.open_questions
        counts["closed questions"] += s.closed_questions
        counts["simple reflections"] += s.simple_reflections
        counts["complex reflections"] += s.complex_reflections
        # the same count as for written replies: each turn's Analysis.problems (a self-disclosure that does not
        # turn back to the client is one; one that does is a strength)
        counts["wording that costs rapport"] += sum(
            len(turn.analysis.problems) for turn in session.history if turn.analysis is not None
        )
        rapport[step] = max(rapport.get(step, 0), s.final_rapport)
    out: dict[str, dict[str, float]] = {}
    for step in sorted(profiles):
        row = {skill: float(profiles[step].get(skill, 0)) for skill in SKILLS}
        if step in rapport:
            row["best rapport"] = float(rapport[step])
        out[step] = row
    return out


def session_figures(transcript: Path | str, scenario: Path | str) -> str:
    """Your own session in the MITI 4.2.1 figures, turn by turn, for a self-critique that cites them.

    Plain text: each of your replies with what the analyser reads it as (open or closed question, simple or
    complex reflection, something else), then the reflection-to-question ratio and the share of complex
    reflections against MITI's thresholds. It replays the saved transcript; no grade is given here.
    """
    try:
        session, _ = verify_transcript(transcript, scenario)
    except TranscriptError as err:
        return f"No figures: {err}"
    lines = [f"Your session with {session.client_name}, turn by turn:"]
    for number, turn in enumerate(session.history, start=1):
        a = turn.analysis
        if a is None:
            kind = "silence"
        elif a.behaviour == "question":
            kind = f"{a.question_type or 'unclear'} question"
        elif a.behaviour == "reflection":
            kind = f"{a.reflection_type or 'unclear'} reflection"
        else:
            kind = a.behaviour.replace("_", " ")
        button = " (a button)" if turn.kind == "choice" else ""
        lines.append(f"  turn {number}{button}: {kind}: {turn.student_text!r}")
    s = session.summary()
    pct = "n/a (no reflections)" if s.pct_complex is None else f"{s.pct_complex:.0f}%"
    lines += [
        f"Questions: {s.questions} ({s.open_questions} open, {s.closed_questions} closed). "
        f"Reflections: {s.reflections} ({s.simple_reflections} simple, {s.complex_reflections} complex).",
        f"Reflection-to-question ratio: {s.rq_text}, {s.rq_band} ({RQ_BANDS}).",
        f"Complex reflections: {pct} of reflections, {s.complex_band} ({COMPLEX_BANDS}).",
        "These figures are the analyser's reading of your words; where you read a turn differently, say so and why.",
    ]
    return "\n".join(lines)


def show_session_figures(transcript: Path | str, scenario: Path | str) -> None:
    """Print :func:`session_figures`, in a notebook cell."""
    print(session_figures(transcript, scenario))


def show_progress(root: Path | str = "..") -> Figure | None:
    """One call: draw the skill profile across the steps from the saved work under ``root``.

    The default, the folder above this one, holds ``exercises/`` when a lesson in ``course/`` calls it.
    """
    profiles = step_profiles(root)
    if not profiles:
        print(
            f"No saved exercise work found under {Path(root).resolve()}. Save your exercise notebooks first, "
            "or pass the folder that holds them, e.g. show_progress('path/to/exercises')."
        )
        return None
    return progress_chart(profiles)
