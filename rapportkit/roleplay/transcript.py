"""Transcripts: save every turn, replay a session from its inputs, and verify what a transcript claims.

A transcript holds the *inputs* (what the student typed or chose) and the *claims* (rapport per turn,
final rapport, summary). Grading trusts only the inputs: ``replay`` rebuilds the session from them with
the deterministic engine, and ``verify_transcript`` reports every claim that the replay does not earn.
``archive_transcript`` moves a transcript aside (never overwriting anything) so a student can start again.

One file, one writer: a notebook may hold two live sessions on one transcript (the cell run twice, or two
cells naming the same file). ``save_transcript`` refuses, with ``TranscriptError``, to write over a file that
another session has changed since this session last wrote or resumed it; ``transcript_conflict`` says so
beforehand, so the widget can tell the student without playing the turn.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapportkit.roleplay.engine import MAX_TURNS, RolePlay, TurnResult
from rapportkit.roleplay.loader import Scenario, load_scenario
from rapportkit.roleplay.summary import SessionSummary

FORMAT = "rapportkit.roleplay.transcript"
VERSION = 1


class TranscriptError(ValueError):
    """A transcript is missing, unreadable, or not a Rapport Lab transcript (grade it 0, show the message)."""


class RecordedRolePlay(RolePlay):
    """A session that saves every turn to a transcript file, and resumes from it.

    An existing transcript at ``transcript_path`` is resumed (so re-running a notebook, as nbgrader does, never
    wipes it); ``start_again()`` keeps that file as an earlier attempt and starts a fresh session.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        transcript_path: str | Path,
        resume: bool = True,
        keys: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        super().__init__(scenario, keys=keys)
        self.transcript_path = Path(transcript_path)
        self.resume_problem: str | None = None
        # A transcript that could not be resumed is kept aside (as an earlier attempt) before the first save.
        self._keep_damaged = False
        if resume and self.transcript_path.exists():
            self._resume()

    def respond(self, text_or_choice: str) -> TurnResult:
        result = super().respond(text_or_choice)
        self._save()
        return result

    def end(self) -> SessionSummary:
        summary = super().end()
        self._save()
        return summary

    def start_again(self) -> Path | None:
        """Start a fresh session, first moving the transcript aside as an earlier attempt.

        Returns where the previous transcript was kept (``roleplay_john.attempt-1.json``...), or None if
        there was no file to keep. The new session saves to ``transcript_path`` from its first turn. If the
        file cannot be moved, raises ``TranscriptError`` and this session carries on unchanged.
        """
        kept = archive_transcript(self.transcript_path)  # raises before anything is reset
        super().start_again()
        self.resume_problem = None
        return kept

    def _save(self) -> None:
        if self._keep_damaged:
            # Raises TranscriptError, saving nothing, if the damaged file cannot be kept: it is never lost.
            kept = archive_transcript(self.transcript_path)
            self._keep_damaged = False
            if kept is not None:
                self.resume_problem = f"The file that could not be continued is kept as {kept.name}."
        save_transcript(self, self.transcript_path)

    def _resume(self) -> None:
        try:
            data = load_transcript(self.transcript_path)
            if data.get("scenario") != self.scenario.id:
                raise TranscriptError(f"it belongs to the scenario {data.get('scenario')!r}")
            for item in data.get("turns", []):
                RolePlay.respond(self, item["input"])  # replayed, not saved again
            if data.get("ended_by_student"):
                self.ended_by_student = True
        except (TranscriptError, ValueError, KeyError, TypeError, RuntimeError) as err:
            # Never overwrite what is there on construction: start fresh in memory and say why.
            self.resume_problem = (
                f"Could not continue the saved session in {self.transcript_path} ({err}); "
                "starting a new session. That file is kept beside the new one, as an earlier attempt, "
                "when you reply."
            )
            self._keep_damaged = True
            self._reset()


def open_session(
    scenario: Scenario | str | Path,
    transcript_path: str | Path | None = None,
    resume: bool = True,
    keys: Mapping[str, Mapping[str, Any]] | None = None,
) -> RolePlay:
    """A session: saved to ``transcript_path`` turn by turn when one is given, else in memory only."""
    if transcript_path is None:
        return RolePlay(scenario, keys=keys)
    return RecordedRolePlay(scenario, transcript_path, resume=resume, keys=keys)


def transcript_data(rp: RolePlay) -> dict[str, Any]:
    """The JSON document for a session: scenario, content hash, inputs and claimed outcomes."""
    summary = rp.summary()
    return {
        "format": FORMAT,
        "version": VERSION,
        "scenario": rp.scenario.id,
        "scenario_hash": rp.scenario.content_hash,
        "client": rp.client_name,
        "turns": rp.inputs,
        "ended_by_student": rp.ended_by_student,
        "claims": {
            "rapport_per_turn": [r.rapport for r in rp.history],
            "final_rapport": rp.rapport,
            "finished": rp.finished,
            "ending": rp.ending_id,
            "summary": summary.to_dict(),
        },
    }


def save_transcript(rp: RolePlay, path: str | Path) -> Path:
    """Write the transcript atomically (a half-written file would look like tampering).

    Raises ``TranscriptError``, writing nothing, if another session has changed the file since ``rp`` last
    wrote or resumed it (see :func:`transcript_conflict`).
    """
    path = Path(path)
    if problem := transcript_conflict(rp, path):
        raise TranscriptError(problem)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(transcript_data(rp), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _marks.setdefault(rp, {})[_key(path)] = _Mark(hashlib.sha256(data).hexdigest(), rp.history)
    return path


# --- One writer per file ------------------------------------------------------------------------------
#
# A session that is not the last to have written its file must not write it again: in a notebook that is an
# old widget still on the page (its cell was run again) or a second cell on the same file, and each save
# would silently replace the other's turns. What each session last wrote is kept here, per file, keyed
# weakly by the session (a widget that is gone is forgotten); the engine needs no help. A session that
# resumed a file and has not written yet is recognised from its turns, which are the file's.


@dataclass
class _Mark:
    """What one session last wrote to one transcript file."""

    digest: str | None  # SHA-256 of the bytes written; None when it never wrote (it was refused at once)
    history: list[Any]  # the session's list of turns then: start_again() gives the session a new list
    told: str | None = None  # why it may not write (another session wrote); kept until it starts again


_marks: weakref.WeakKeyDictionary[RolePlay, dict[str, _Mark]] = weakref.WeakKeyDictionary()


def transcript_conflict(rp: RolePlay, path: str | Path | None = None) -> str | None:
    """Why ``rp`` must not save to ``path`` (default: its ``transcript_path``) now, for the student; else None.

    It must not when another session has written there since ``rp`` last wrote the file or resumed it, or has
    started the role-play again (keeping ``rp``'s file as an earlier attempt). A session told so stays told
    until it starts again, so an old window can never write over the file later. A session that resumed a
    file it could not continue may save: the engine keeps that file as an earlier attempt first.
    """
    own = rp.transcript_path if isinstance(rp, RecordedRolePlay) else None
    target = Path(path) if path is not None else own
    if target is None:
        return None
    key = _key(target)
    mark = _marks.get(rp, {}).get(key)
    on_disk = _digest(target)
    if mark is not None and rp.history is not mark.history:
        # Started again since it last wrote: its own file was moved aside; anything there now is another's.
        problem = None if on_disk in (None, mark.digest) else _overtaken(target)
    elif mark is not None:
        if mark.told or (on_disk is not None and on_disk != mark.digest):
            problem = mark.told or _overtaken(target)
        elif on_disk is None and (kept := _kept(target, lambda digest, _t: digest == mark.digest)):
            problem = _started_again(target, kept)
        else:
            problem = None  # unchanged, or removed by hand: nothing of anyone's to lose
    elif on_disk is None:
        # Never wrote here. If it resumed a file another session has since kept aside, it is an old window;
        # a session that started again itself has at most its one new turn (and resumed nothing it shows).
        mine = _turns(rp.inputs)
        if len(mine) > 1 and (kept := _kept(target, lambda _d, turns: bool(turns) and mine[: len(turns)] == turns)):
            problem = _started_again(target, kept)
        else:
            problem = None
    elif (isinstance(rp, RecordedRolePlay) and rp.resume_problem is not None) or _resumed_from(rp, target):
        problem = None
    else:
        problem = _overtaken(target)
    if problem:
        _marks.setdefault(rp, {})[key] = _Mark(mark.digest if mark else None, rp.history, told=problem)
    return problem


def _overtaken(path: Path) -> str:
    return (
        f"Another role-play window (an earlier run of this cell, or another cell using the same file) has saved "
        f"to {path} since this window last saved or loaded it. This window did not save, so nothing in the file "
        "is overwritten. Carry on in the other window, or run this cell again to continue from the file."
    )


def _started_again(path: Path, kept: Path) -> str:
    return (
        f"Another role-play window started this role-play again: the session this window was saving to {path} "
        f"is kept as {kept.name}, and {path} now belongs to the new one. This window did not save, so nothing "
        "is overwritten. Carry on in the other window, or run this cell again to continue from the file."
    )


def _key(path: Path) -> str:
    return str(path.resolve())


def _digest(path: Path) -> str | None:
    """SHA-256 of the file's bytes; None if there is no file (or nothing readable to lose)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _turns(turns: Any) -> list[tuple[Any, Any]]:
    """A transcript's ``turns`` as (turn, input) pairs, for comparing sessions."""
    if not isinstance(turns, list):
        return []
    return [(t.get("turn"), t.get("input")) for t in turns if isinstance(t, Mapping)]


def _read_turns(path: Path) -> tuple[str | None, list[tuple[Any, Any]]] | None:
    """(scenario, turns) of the transcript at ``path``, or None if it is not a readable transcript."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data.get("scenario"), _turns(data.get("turns"))


def _resumed_from(rp: RolePlay, path: Path) -> bool:
    """Whether ``rp`` holds the file's turns (it resumed them) and at most one more (its turn being saved)."""
    read = _read_turns(path)
    if read is None or read[0] != rp.scenario.id:
        return False
    theirs, mine = read[1], _turns(rp.inputs)
    return mine[: len(theirs)] == theirs and len(mine) - len(theirs) in (0, 1)


def _kept(path: Path, matches: Callable[[str, list[tuple[Any, Any]]], bool]) -> Path | None:
    """The newest earlier attempt of ``path`` for which ``matches(digest, turns)`` holds, or None."""
    for attempt in reversed(kept_attempts(path)):
        digest = _digest(attempt)
        read = _read_turns(attempt)
        if digest is not None and matches(digest, read[1] if read else []):
            return attempt
    return None


def load_transcript(path: str | Path) -> dict[str, Any]:
    """Read a transcript file, raising ``TranscriptError`` with a plain message if it cannot be used."""
    path = Path(path)
    # Messages name the file, not where it lies: students read them in their feedback, and the grader's folders
    # (or the judge's placeholder for a file that was not handed in) mean nothing to them.
    if not path.exists():
        raise TranscriptError(
            f"No role-play transcript {path.name} was handed in. Play the role-play in the notebook "
            "(every turn is saved automatically) and submit the file with it."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TranscriptError(f"The transcript {path.name} cannot be read ({err}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TranscriptError(f"{path.name} is not a Rapport Lab role-play transcript.")
    if not isinstance(data.get("turns"), list) or not isinstance(data.get("scenario"), str):
        raise TranscriptError(f"The transcript {path.name} has no list of turns or no scenario name.")
    if len(data["turns"]) > MAX_TURNS:
        raise TranscriptError(
            f"The transcript {path.name} has {len(data['turns'])} turns; a session has at most {MAX_TURNS}."
        )
    return data


# Earlier attempts sit next to the transcript: roleplay_john.json -> roleplay_john.attempt-1.json, -2, ...
ATTEMPT_NAME = "{stem}.attempt-{n}{suffix}"
# errno values from link() that mean "this filesystem has no hard links", not "you may not write here".
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS})


def attempt_path(path: str | Path, n: int) -> Path:
    """Where attempt ``n`` of the transcript at ``path`` is kept: ``roleplay_john.attempt-1.json`` for n=1."""
    path = Path(path)
    return path.with_name(ATTEMPT_NAME.format(stem=path.stem, n=n, suffix=path.suffix))


def kept_attempts(path: str | Path) -> list[Path]:
    """The earlier attempts kept for the transcript at ``path``, oldest first."""
    return [attempt_path(path, n) for n in _attempt_numbers(Path(path))]


def is_kept_attempt(path: str | Path) -> bool:
    """Whether ``path`` names an earlier attempt kept by :func:`archive_transcript` (not graded)."""
    return re.search(r"\.attempt-[1-9]\d*\.[^.]+$", Path(path).name) is not None


def _attempt_numbers(path: Path) -> list[int]:
    pattern = re.compile(re.escape(path.stem) + r"\.attempt-([1-9]\d*)" + re.escape(path.suffix))
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return sorted(int(m.group(1)) for name in names if (m := pattern.fullmatch(name)))


def archive_transcript(path: str | Path) -> Path | None:
    """Move the transcript at ``path`` to the next free ``<name>.attempt-N<suffix>``; return where it went.

    N is one more than the highest attempt already kept, so numbers follow the order of attempts even if
    one was deleted. Nothing is ever overwritten, even by a file that appears meanwhile. Returns None when
    there is no file at ``path``. Raises ``TranscriptError`` (leaving the file where it was) if it cannot be moved.
    """
    path = Path(path)
    if not path.exists():
        return None
    n = max(_attempt_numbers(path), default=0) + 1
    for _ in range(1000):  # bounded: only a racing writer or a broken filesystem gets past the first try
        target = attempt_path(path, n)
        try:
            _move_without_overwriting(path, target)
            return target
        except FileExistsError:
            n += 1
        except OSError as err:
            raise TranscriptError(
                f"Could not keep the previous attempt: {path} could not be moved to {target.name} "
                f"({err.strerror or err}). Nothing was changed."
            ) from err
    raise TranscriptError(f"Could not keep the previous attempt: no free attempt name next to {path}.")


def _move_without_overwriting(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``; ``FileExistsError`` if ``dst`` exists (``os.rename`` would silently replace it)."""
    try:
        os.link(src, dst)  # atomic, and fails rather than replacing an existing dst
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS or not src.is_file():
            raise
        # A filesystem without hard links (some network drives): claim the name exclusively, then copy.
        with open(src, "rb") as inp, open(dst, "xb") as out:
            try:
                shutil.copyfileobj(inp, out)
                out.close()
                shutil.copystat(src, dst)
            except BaseException:
                out.close()
                dst.unlink(missing_ok=True)
                raise
    try:
        src.unlink()
    except OSError:
        dst.unlink(missing_ok=True)  # put things back as they were: one file, at src
        raise


def check_turn(rp: RolePlay, item: Any) -> str:
    """The input of a transcript turn if ``rp`` can play it next; otherwise ``ValueError`` saying why.

    The one set of per-turn checks behind ``replay`` (which stops with the error) and ``verify_transcript``
    (which records it as a problem), so both always give the same reason for the same turn.
    """
    if not isinstance(item, Mapping) or not isinstance(item.get("input"), str):
        raise ValueError("expected {'turn': ..., 'input': ...}")
    if rp.finished:
        raise ValueError("the session had already ended")
    if item.get("turn") not in (None, rp.current_turn_id):
        raise ValueError(f"recorded as turn {item.get('turn')!r} but the replay is at {rp.current_turn_id!r}")
    return item["input"]


def replay(scenario: Scenario | str | Path, turns: Sequence[str | Mapping[str, Any]]) -> RolePlay:
    """Rebuild a session from the inputs alone (strings, or ``{"input": ...}`` dicts from a transcript).

    Raises ``ValueError`` if an input does not fit its turn (e.g. an option id that does not exist).
    """
    rp = RolePlay(load_scenario(scenario) if not isinstance(scenario, Scenario) else scenario)
    for i, item in enumerate(turns):
        try:
            text = check_turn(rp, {"input": item} if isinstance(item, str) else item)
        except ValueError as err:
            raise ValueError(f"turn {i + 1}: {err}") from None
        rp.respond(text)
    return rp


def verify_transcript(
    path: str | Path, scenario: Scenario | str | Path, keys: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[RolePlay, list[str]]:
    """Replay a transcript and compare its claims with what the turns earn.

    Returns the replayed session (grade from it) and a list of problems (empty when the claims match).
    A missing or unreadable transcript raises ``TranscriptError``. ``keys``: what the client said on each turn,
    for a graded variant that keeps them apart (the student played without them, so its claims are not compared).
    """
    sc = load_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
    data = load_transcript(path)
    problems: list[str] = []
    if data["scenario"] != sc.id:
        raise TranscriptError(f"The transcript {path} is for the role-play {data['scenario']!r}, not {sc.id!r}.")
    if data.get("scenario_hash") != sc.content_hash:
        problems.append(
            "the scenario file has changed since this transcript was written; the replay uses the current version"
        )
    turns = data["turns"]
    rp = RolePlay(sc, keys=keys)
    for i, item in enumerate(turns):
        try:
            rp.respond(check_turn(rp, item))
        except (ValueError, RuntimeError, TypeError) as err:
            problems.append(f"turn {i + 1} cannot be replayed ({err}); only the first {i} turns count")
            break
    if data.get("ended_by_student") and not rp.finished:
        rp.ended_by_student = True
    if not (keys and sc.keys_hidden):
        problems.extend(_compare_claims(data.get("claims"), rp))
    return rp, problems


def _compare_claims(claims: Any, rp: RolePlay) -> list[str]:
    if not isinstance(claims, Mapping):
        return ["the transcript has no claims section"]
    out: list[str] = []
    earned = transcript_data(rp)["claims"]
    labels = {
        "final_rapport": "final rapport",
        "rapport_per_turn": "rapport per turn",
        "finished": "finished",
        "ending": "ending",
    }
    for key, label in labels.items():
        if claims.get(key) != earned[key]:
            out.append(f"claims {label} {claims.get(key)!r} but the turns earn {earned[key]!r}")
    claimed_summary = claims.get("summary")
    if not isinstance(claimed_summary, Mapping):
        out.append("the transcript's summary is missing")
    else:
        for key, value in earned["summary"].items():
            if claimed_summary.get(key) != value:
                out.append(f"claims summary {key} {claimed_summary.get(key)!r} but the turns earn {value!r}")
    return out
