"""Grades that code in the student's kernel cannot fake: test cells judged in the grader's own process.

nbgrader scores a test cell from the outputs the student's kernel produced, and anything that runs in
that kernel can be patched by the student (builtins, ``rapportkit``, ``isinstance``, an answer bound to
an object equal to anything). :class:`JudgeOutsideKernel` runs right after ``Execute`` in
``c.Autograde.autograde_preprocessors`` and, for every autograded test cell of the notebook:

1. takes the cell's source and points from the **gradebook** (never from the submission's metadata);
2. checks the source is only ``grading.<function>(...)`` calls whose arguments are literals or answer names;
3. reads each answer name from the **source** of the student's answer cells with :func:`ast.literal_eval`
   (never ``eval``, never the kernel's values); an answer cell that is anything but plain data gives no
   answers, so the items that need them earn 0, with a message;
4. runs the same :mod:`rapportkit.grading` functions here, role-play transcripts read from the
   *submitted* copy (``submitted/<student>/<assignment>/``), which the kernel never had a chance to rewrite;
5. replaces the cell's outputs with the feedback (stdout) and the points (``execute_result``), so
   nbgrader's ``SaveAutoGrades`` records the judge's verdict.

Anything suspicious (code in an answer cell, a kernel verdict that differs from the judge's, edited
grading metadata, a role-play transcript handed in alike by another student: :func:`transcript_copies`) is
logged on a line starting with :data:`REPORT_TAG`, which ``rapportkit course`` collects into the batch report
(:func:`findings_from_log`).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import glob
import hashlib
import inspect
import io
import json
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from rapportkit import grading
from rapportkit.answers import MAX_ANSWER_CHARS, read_answer_cell
from rapportkit.nbgrader import REPORT_TAG
from rapportkit.roleplay import ScenarioError, is_kept_attempt, is_silence, load_scenario, scenario_names
from rapportkit.roleplay.transcript import FORMAT

# The grading functions a test cell may call: those grading registers with @for_test_cells, nothing else.
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(grading.TEST_CELL_FUNCTIONS)
# Functions that judge a written reply (their first argument): the same reply handed in for several of
# them is named in the batch report.
WRITTEN_REPLY_FUNCTIONS = frozenset(n for n, f in grading.TEST_CELL_FUNCTIONS.items() if f.judges_written_reply)
# Arguments that name a file of the submission: read from submitted/, never from the graded copy.
PATH_ARGUMENTS: dict[str, str] = {
    n: f.submitted_file for n, f in grading.TEST_CELL_FUNCTIONS.items() if f.submitted_file
}
# Arguments that may name a file the instructor wrote (a graded variant's scenario, ``maya.yaml``): read from the
# assignment's source folder, never from the student's copy, which the student could have edited.
SOURCE_ARGUMENTS: dict[str, str] = {n: f.source_file for n, f in grading.TEST_CELL_FUNCTIONS.items() if f.source_file}
SOURCE_SUFFIXES = (".yaml", ".yml")


class JudgeFormError(ValueError):
    """A test cell is not in the form the judge can run outside the kernel (an authoring error)."""


# --------------------------------------------------------------------------------------------
# Reading answers from source, as data
# --------------------------------------------------------------------------------------------


@dataclass
class Answers:
    """Answer values read from the answer cells' source, and why some names could not be read."""

    values: dict[str, Any] = field(default_factory=dict)
    # name -> why it has no value (code in its cell, unreadable literal ...)
    unreadable: dict[str, str] = field(default_factory=dict)
    # grade_id -> what is wrong with that answer cell (for the batch report)
    cheats: dict[str, str] = field(default_factory=dict)


def read_answers(nb: NotebookNode, answer_ids: set[str], max_chars: int = MAX_ANSWER_CHARS) -> Answers:
    """Read every answer cell (by the gradebook's solution-cell ids), in notebook order."""
    answers = Answers()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or gid not in answer_ids:
            continue
        values, problem, names = read_answer_cell(cell.source, max_chars)
        if problem:
            answers.cheats[gid] = f"answer cell {gid} is not plain data: {problem}"
            for name in names:
                answers.values.pop(name, None)
                answers.unreadable[name] = f"its answer cell {gid} is not plain data ({problem})"
        for name, value in values.items():
            answers.values[name] = value
            answers.unreadable.pop(name, None)
    return answers


# --------------------------------------------------------------------------------------------
# Test cells: parsed, then run here
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One ``grading.<function>(...)`` statement of a test cell; arguments kept as literal or name."""

    function: str
    args: tuple[tuple[str, Any], ...]  # ("literal", value) or ("name", answer name)
    kwargs: tuple[tuple[str, tuple[str, Any]], ...]
    line: int


def _argument(node: ast.expr) -> tuple[str, Any]:
    if isinstance(node, ast.Name):
        return ("name", node.id)
    try:
        return ("literal", ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError) as err:
        raise JudgeFormError(f"line {node.lineno}: argument is neither a literal nor an answer name") from err


def parse_test_cell(source: str) -> list[Call]:
    """The calls of a test cell, or :class:`JudgeFormError` if it is not only ``grading.*`` calls."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise JudgeFormError(f"not valid Python (line {err.lineno}: {err.msg})") from None
    calls = []
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "grading"
        ):
            raise JudgeFormError(f"line {stmt.lineno}: only `grading.<function>(...)` calls are allowed")
        name = call.func.attr
        if name not in ALLOWED_FUNCTIONS:
            raise JudgeFormError(f"line {stmt.lineno}: grading.{name} is not a function test cells may call "
                                 f"(one of {', '.join(sorted(ALLOWED_FUNCTIONS))})")
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise JudgeFormError(f"line {stmt.lineno}: no *args or **kwargs")
        calls.append(
            Call(
                name,
                tuple(_argument(a) for a in call.args),
                tuple((k.arg, _argument(k.value)) for k in call.keywords),  # type: ignore[misc]
                stmt.lineno,
            )
        )
    if not calls:
        raise JudgeFormError("no grading call")
    return calls


@dataclass
class CellVerdict:
    """What the judge made of one test cell: feedback, the last call's value, or the error that stopped it."""

    stdout: str = ""
    value: Any = None
    error: tuple[str, str] | None = None  # (name, message)

    def outputs(self, execution_count: int | None) -> list[NotebookNode]:
        """The cell outputs nbgrader will score, in the shape the kernel would have produced."""
        outs = []
        if self.stdout:
            outs.append(NotebookNode(output_type="stream", name="stdout", text=self.stdout))
        if self.error:
            ename, evalue = self.error
            outs.append(NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
        elif self.value is not None:
            outs.append(
                NotebookNode(
                    output_type="execute_result",
                    execution_count=execution_count,
                    data={"text/plain": repr(self.value)},
                    metadata={},
                )
            )
        return outs


def safe_submitted_file(folder: Path, relative: str, max_bytes: int = 5_000_000) -> Path | None:
    """``folder/relative`` if it is a regular file inside ``folder`` (no symlink, no ``..``), else None."""
    if os.path.isabs(relative) or ".." in Path(relative).parts:
        return None
    path = folder / relative
    try:
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        return None
    if not path.resolve().is_relative_to(folder.resolve()):
        return None
    return path


def run_calls(
    calls: list[Call],
    answers: Answers,
    submitted: Path | None,
    functions: Callable[[str], Callable[..., Any]] | None = None,
    source: Path | None = None,
) -> CellVerdict:
    """Run a test cell's calls here, as the kernel would: stop at the first exception; keep the last value.

    A file argument of :data:`PATH_ARGUMENTS` is read from ``submitted``; one of :data:`SOURCE_ARGUMENTS` that
    names a file (a scenario ``.yaml``) from ``source``, the instructor's assignment folder.
    """
    get = functions or (lambda name: grading.TEST_CELL_FUNCTIONS[name].function)
    verdict = CellVerdict()
    buffer = io.StringIO()
    for call in calls:

        def resolve(arg: tuple[str, Any]) -> Any:
            kind, value = arg
            if kind == "literal":
                return value
            if value in answers.values:
                return answers.values[value]
            why = answers.unreadable.get(value, "no plain-data answer was found in the answer cells")
            raise NameError(f"{value} has no answer: {why}")

        func = get(call.function)
        try:
            args = [resolve(a) for a in call.args]
            kwargs = {k: resolve(v) for k, v in call.kwargs}
            if call.function in PATH_ARGUMENTS:
                bound = inspect.signature(func).bind_partial(*args, **kwargs)
                param = PATH_ARGUMENTS[call.function]
                if param in bound.arguments:
                    rel = str(bound.arguments[param])
                    path = safe_submitted_file(submitted, rel) if submitted else None
                    # A missing or unsafe file is passed on as a path that does not exist: the function
                    # then explains, as it would to the student, that no transcript was handed in.
                    bound.arguments[param] = str(path) if path else f"/nonexistent/submitted/{rel}"
                    args, kwargs = list(bound.args), dict(bound.kwargs)
            if call.function in SOURCE_ARGUMENTS:
                bound = inspect.signature(func).bind_partial(*args, **kwargs)
                param = SOURCE_ARGUMENTS[call.function]
                value = bound.arguments.get(param)
                if isinstance(value, str) and value.endswith(SOURCE_SUFFIXES):
                    path = safe_submitted_file(source, value) if source else None
                    if path is None:
                        raise FileNotFoundError(f"the instructor's {value} is not in the assignment's source folder")
                    bound.arguments[param] = str(path)
                    args, kwargs = list(bound.args), dict(bound.kwargs)
            with contextlib.redirect_stdout(buffer):
                value = func(*args, **kwargs)
        except Exception as err:  # the kernel would show this error and score the cell 0; so do we
            verdict.stdout = buffer.getvalue()
            verdict.error = (type(err).__name__, str(err))
            return verdict
        verdict.value = value
    verdict.stdout = buffer.getvalue()
    return verdict


def judge_test_cell(source: str, answers: Answers, submitted: Path | None,
                    source_folder: Path | None) -> tuple[list[Call], CellVerdict]:
    """One test cell judged: its calls (none if it cannot be parsed) and the verdict. A cell that is not plain
    ``grading.<function>(...)`` calls is an authoring error: it scores 0 with a ``JudgeFormError``."""
    try:
        calls = parse_test_cell(source)
    except JudgeFormError as err:
        return [], CellVerdict(error=(JudgeFormError.__name__, f"this test cell cannot be judged: {err}"))
    return calls, run_calls(calls, answers, submitted, source=source_folder)


def cell_points(cell: NotebookNode) -> float | None:
    """The points nbgrader reads from a test cell's outputs (``None``: outputs it cannot read as points, on which
    SaveAutoGrades would fail the same way)."""
    try:
        return utils.determine_grade(cell, None)[0]
    except Exception:  # nbgrader raises several types for outputs it cannot score
        return None


def verdict_points(verdict: CellVerdict, points: float) -> float | None:
    """The points nbgrader records for a test cell worth ``points`` whose outputs are the verdict's."""
    return cell_points(NotebookNode(cell_type="code", source="", metadata={
        "nbgrader": {"grade": True, "solution": False, "points": points, "grade_id": "judged"}},
        outputs=verdict.outputs(None)))


@dataclass(frozen=True)
class NotebookTests:
    """What the judge needs of an instructor's notebook: its answer cells and its test cells (points, source)."""

    answer_ids: frozenset[str]
    tests: Mapping[str, tuple[float, str]]


def source_notebook_tests(nb: NotebookNode) -> NotebookTests:
    """The answer and test cells of an instructor's notebook (``solutions/``), as the gradebook will hold them."""
    answer_ids = frozenset(c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                           if c.metadata.get("nbgrader", {}).get("solution"))
    tests = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and meta.get("grade_id") not in answer_ids:
            tests[meta["grade_id"]] = (float(meta.get("points", 0)), cell.source)
    return NotebookTests(answer_ids, tests)


def judged_points(submitted_nb: NotebookNode, tests: NotebookTests, submitted: Path | None,
                  source_folder: Path | None, max_answer_chars: int = MAX_ANSWER_CHARS) -> dict[str, float | None]:
    """``{test cell: points}`` the judge gives a submitted notebook, without a kernel: what autograding would
    record now (the kernel's outputs never count). Used to find the submissions a fixed test or key affects."""
    answers = read_answers(submitted_nb, set(tests.answer_ids), max_answer_chars)
    out = {}
    for gid, (points, source) in tests.tests.items():
        _, verdict = judge_test_cell(source, answers, submitted, source_folder)
        out[gid] = verdict_points(verdict, points)
    return out


# --------------------------------------------------------------------------------------------
# The nbgrader preprocessor
# --------------------------------------------------------------------------------------------


class JudgeOutsideKernel(NbGraderPreprocessor):
    """Re-judge every autograded test cell in the grader's process, from the answers' source (see module doc)."""

    enabled = Bool(True).tag(config=True)
    max_answer_chars = Integer(MAX_ANSWER_CHARS, help="Answer cells longer than this are not read.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        student, assignment, notebook_id = info["student"], info["assignment"], info["notebook"]
        with Gradebook(info["db_url"]) as gb:
            source_nb = gb.find_notebook(notebook_id, assignment)
            answer_ids = {c.name for c in source_nb.solution_cells}
            sources = {c.name: c for c in source_nb.source_cells}
            tests = {
                c.name: (float(c.max_score), sources[c.name].source)
                for c in source_nb.grade_cells
                if c.cell_type == "code" and c.name not in answer_ids and c.name in sources
            }
            # Plain values: the gradebook session closes with this block.
            sources = {name: cell.checksum for name, cell in sources.items()}
        findings: list[str] = []
        put_back = self._restore_grading_metadata(nb, tests, sources, findings)
        answers = read_answers(nb, answer_ids, self.max_answer_chars)
        findings.extend(answers.cheats.values())
        findings.extend(added_code(nb, set(sources)))
        submitted = self._submitted_folder(student, assignment)
        parsed: dict[str, list[Call]] = {}
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or gid not in tests:
                continue
            points, source = tests[gid]
            kernel_score = self._score(cell)
            parsed[gid], verdict = judge_test_cell(source, answers, submitted, self._source_folder(assignment))
            if verdict.error and verdict.error[0] == JudgeFormError.__name__:
                # An authoring error, not the student's: refuse to trust the kernel, say so loudly.
                self.log.error("%s %s: test cell %s cannot be judged outside the kernel (%s); it scores 0 "
                               "until it follows docs/authoring.md", REPORT_TAG, student, gid, verdict.error[1])
            cell.outputs = verdict.outputs(cell.get("execution_count"))
            judged = self._score(cell)
            if kernel_score != judged and gid not in put_back:  # a cell put back never ran in the kernel
                findings.append(
                    f"{gid}: the kernel's output would have scored {_fmt(kernel_score)} of {_fmt(points)}, "
                    f"the judge gives {_fmt(judged)}"
                )
        findings.extend(same_replies(parsed, answers))
        findings.extend(c.finding for c in transcript_copies(self._submission_folders(assignment))
                        if student in c.students)
        for finding in findings:
            self.log.warning("%s %s: %s", REPORT_TAG, student, finding)
        resources.setdefault("rapportkit", {})["findings"] = findings
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        return cell, resources  # all the work is done notebook-wide in preprocess

    def _score(self, cell: NotebookNode) -> float | None:
        return cell_points(cell)

    def _source_folder(self, assignment: str) -> Path | None:
        coursedir = CourseDirectory(config=self.config)
        folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        return folder if folder.is_dir() else None

    def _submitted_folder(self, student: str, assignment: str) -> Path | None:
        coursedir = CourseDirectory(config=self.config)
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        return folder if folder.is_dir() else None

    def _submission_folders(self, assignment: str) -> dict[str, Path]:
        """``{student: submitted folder}`` of everyone who handed in ``assignment`` (the course's own layout)."""
        coursedir = CourseDirectory(config=self.config)
        mark = "\x00student\x00"  # never in a path: where the student's name goes
        pattern = coursedir.format_path(coursedir.submitted_directory, mark, assignment)
        if pattern.count(mark) != 1:
            return {}
        before, after = pattern.split(mark)
        out = {}
        for found in glob.glob(glob.escape(before) + "*" + glob.escape(after)):
            student = found[len(before): len(found) - len(after)]
            if student and os.sep not in student and os.path.isdir(found):
                out[student] = Path(found)
        return out

    def _restore_grading_metadata(
        self, nb: NotebookNode, tests: dict[str, tuple[float, str]], sources: dict, findings: list[str]
    ) -> set[str]:
        """Test cells as the gradebook knows them: flags, points and source; none missing, none invented.

        Returns the ids of the test cells that were missing and are put back (at the end).
        """
        seen: set[str] = set()
        put_back: set[str] = set()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if not meta:
                continue
            gid = meta.get("grade_id")
            if gid in tests and gid not in seen and cell.cell_type == "code":
                seen.add(gid)
                points, source = tests[gid]
                want = {"grade": True, "solution": False, "locked": True, "points": points}
                edited = [k for k, v in want.items() if meta.get(k) != v and not (k == "points" and
                          _same_number(meta.get(k), v))]
                if edited or cell.source != source:
                    findings.append(f"grading metadata of {gid} was edited ({', '.join(edited) or 'source'}); restored")
                meta.update(want)
                cell.source = source
            elif meta.get("grade") and cell.cell_type == "code" and gid not in sources:
                # A cell claiming to be graded that the gradebook does not know: it must not count.
                findings.append(f"a code cell claims to be graded ({gid!r}) but is not in the gradebook; ignored")
                meta["grade"] = False
        for gid, (points, source) in tests.items():
            if gid not in seen:
                findings.append(f"test cell {gid} was missing from the submission; put back and judged")
                put_back.add(gid)
                nb.cells.append(
                    NotebookNode(
                        cell_type="code",
                        execution_count=None,
                        outputs=[],
                        source=source,
                        metadata=NotebookNode(
                            nbgrader=NotebookNode(grade=True, solution=False, locked=True, points=points,
                                                  grade_id=gid, schema_version=3,
                                                  checksum=sources.get(gid))
                        ),
                    )
                )
        return put_back


def same_replies(calls: dict[str, list[Call]], answers: Answers) -> list[str]:
    """One finding for each written reply handed in, word for word, for more than one item."""
    items: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for gid, cell_calls in calls.items():
        names = {call.args[0][1] for call in cell_calls
                 if call.function in WRITTEN_REPLY_FUNCTIONS and call.args and call.args[0][0] == "name"}
        for name in sorted(names):
            value = answers.values.get(name)
            if not isinstance(value, str) or not value.strip():
                continue
            key = " ".join(value.lower().split())
            if gid not in items.setdefault(key, []):
                items[key].append(gid)
            shown.setdefault(key, value.strip())
    out = []
    for key, gids in items.items():
        if len(gids) > 1:
            text = shown[key] if len(shown[key]) <= 60 else shown[key][:57] + "..."
            out.append(f"the same written reply was handed in for {', '.join(gids)}: \"{text}\"")
    return out


# --------------------------------------------------------------------------------------------
# The same role-play transcript from several students
# --------------------------------------------------------------------------------------------

# A copy shows in what was typed: button presses alone often agree by chance (a few options a turn), and a
# session of one or two replies says little. So a transcript is compared only if it has at least this many
# typed replies (inputs on free-text turns; silences do not count).
MIN_TYPED_REPLIES = 3


@dataclass(frozen=True)
class SharedTranscript:
    """A role-play transcript handed in alike by several students of one assignment: for a person to look at."""

    file: str  # its name in each submission, e.g. "roleplay_kofi.json"
    students: tuple[str, ...]
    typed: int  # typed replies in the session
    how: str  # "identical files", or how alike they are

    @property
    def finding(self) -> str:
        """The batch report's line: ``roleplay_kofi.json: the same inputs from alice, bob (...)``."""
        return f"{self.file}: the same inputs from {', '.join(self.students)} ({self.typed} typed replies; {self.how})"


@dataclass(frozen=True)
class _Played:
    """What a transcript file holds, for comparing it with others."""

    digest: str  # of the file's bytes
    scenario: str
    inputs: tuple[tuple[str | None, str], ...]  # (turn, input) as handed in
    key: tuple[tuple[str | None, str], ...]  # the same, with spacing and capitals set aside
    typed: int


def transcript_copies(folders: Mapping[str, Path]) -> list[SharedTranscript]:
    """Role-play transcripts handed in alike by two or more students; ``folders`` is ``{student: submission}``.

    Every role-play transcript at the top of a submission (``*.json`` in Rapport Lab's transcript format; kept
    earlier attempts are not graded and not compared) is compared with the file of the same name in every other
    submission. They are alike when they are for the same scenario and give the same inputs, turn by turn, once
    runs of spaces and capitals are set aside: since the engine is deterministic, that is the same session.
    Sessions with fewer than :data:`MIN_TYPED_REPLIES` typed replies are left out. It is a finding for the
    instructor, never a penalty: either student may be the one who was copied, or a pair may have worked together.
    """
    groups: dict[tuple[str, str, tuple[tuple[str | None, str], ...]], list[tuple[str, _Played]]] = {}
    for student, folder in sorted(folders.items()):
        try:
            names = sorted(p.name for p in Path(folder).iterdir() if p.name.endswith(".json"))
        except OSError:
            continue
        for name in names:
            path = safe_submitted_file(Path(folder), name)
            played = _played(path) if path is not None else None
            if played is not None and played.typed >= MIN_TYPED_REPLIES:
                groups.setdefault((name, played.scenario, played.key), []).append((student, played))
    out = []
    for (name, _scenario, _key), members in groups.items():
        if len(members) < 2:
            continue
        if len({p.digest for _, p in members}) == 1:
            how = "identical files"
        elif len({p.inputs for _, p in members}) == 1:
            how = "the same words, in files that differ"
        else:
            how = "the same apart from spacing or capitals"
        out.append(SharedTranscript(name, tuple(s for s, _ in members), members[0][1].typed, how))
    return sorted(out, key=lambda c: (c.file, c.students))


# Read once per file version: one grading process compares every student's transcripts with everyone else's.
_PLAYED: dict[tuple[str, int, int, int], _Played | None] = {}


def _played(path: Path) -> _Played | None:
    """The inputs of the transcript at ``path`` (a file :func:`safe_submitted_file` let through); None if none."""
    if is_kept_attempt(path):
        return None
    try:
        info = path.stat()
        version = (str(path), info.st_ino, info.st_size, info.st_mtime_ns)
        if version in _PLAYED:
            return _PLAYED[version]
        raw = path.read_bytes()
    except OSError:
        return None
    played = None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("scenario"), str) \
            and isinstance(data.get("turns"), list):
        inputs = tuple((t.get("turn") if isinstance(t.get("turn"), str) else None, t["input"])
                       for t in data["turns"] if isinstance(t, dict) and isinstance(t.get("input"), str))
        choices = _choice_turns(data["scenario"])
        typed = sum(
            1 for turn, text in inputs
            if not is_silence(text) and (turn not in choices if choices is not None else len(text.split()) > 1)
        )
        played = _Played(
            hashlib.sha256(raw).hexdigest(),
            data["scenario"],
            inputs,
            tuple((turn, " ".join(text.split()).casefold()) for turn, text in inputs),
            typed,
        )
    if len(_PLAYED) > 100_000:  # a very long-lived process: start over rather than grow without end
        _PLAYED.clear()
    _PLAYED[version] = played
    return played


@functools.lru_cache(maxsize=64)
def _choice_turns(scenario: str) -> frozenset[str] | None:
    """The choice turns of a shipped scenario (their inputs are option ids, not typed); None if not shipped."""
    if scenario not in scenario_names():  # a name from a student's file: never read as a path
        return None
    try:
        return frozenset(tid for tid, turn in load_scenario(scenario).turns.items() if "choices" in turn)
    except ScenarioError:
        return None


def added_code(nb: NotebookNode, known_ids: set[str]) -> list[str]:
    """Code cells the release did not have (no known grade_id) that hold more than comments."""
    out = []
    for index, cell in enumerate(nb.cells):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or gid in known_ids:
            continue
        lines = [ln.strip() for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        if lines:
            out.append(f"an added code cell (cell {index + 1}) runs code: `{lines[0][:80]}`")
    return out


def _same_number(a: object, b: float) -> bool:
    try:
        return float(a) == b  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _fmt(score: float | None) -> str:
    return "nothing" if score is None else f"{score:g}"


_REPORT_LINE = re.compile(re.escape(REPORT_TAG) + r"\s*(?P<student>[^:\s]+):\s*(?P<finding>.+)$")
# nbgrader's own warning when it restores a locked attribute (checksums change for every student: hidden tests).
_NBGRADER_EDIT = re.compile(r"Attribute '(?P<attr>\w+)' for cell (?P<cell>\S+) has changed! "
                            r"\(should be: (?P<want>[^,]*), got: (?P<got>[^)]*)\)")


def findings_from_log(log: str, student: str | None = None) -> list[str]:
    """The judge's and the sandbox's report lines in an nbgrader log (optionally for one student).

    With ``student`` given, the log is taken to be that student's alone (``rapportkit course`` grades one
    student per nbgrader run), so nbgrader's own "attribute has changed" warnings are theirs too.
    """
    out: list[str] = []
    for line in log.splitlines():
        match = _REPORT_LINE.search(line)
        finding = None
        if match and (student is None or match["student"] in (student, "*")):
            finding = match["finding"].strip()
        elif student is not None and (edit := _NBGRADER_EDIT.search(line)) and edit["attr"] != "checksum":
            finding = (f"grading metadata of {edit['cell']} was edited ({edit['attr']}: {edit['got']}, "
                       f"should be {edit['want']}); nbgrader restored it")
        if finding and finding not in out:
            out.append(finding)
    return out


__all__ = [
    "ALLOWED_FUNCTIONS",
    "REPORT_TAG",
    "Answers",
    "CellVerdict",
    "JudgeFormError",
    "JudgeOutsideKernel",
    "MIN_TYPED_REPLIES",
    "NotebookTests",
    "SharedTranscript",
    "added_code",
    "cell_points",
    "findings_from_log",
    "judge_test_cell",
    "judged_points",
    "parse_test_cell",
    "read_answer_cell",
    "read_answers",
    "run_calls",
    "same_replies",
    "source_notebook_tests",
    "transcript_copies",
    "verdict_points",
]
