"""One long-lived nbgrader process that autogrades students one after another, as it is told.

``nbgrader autograde --student S`` spends about a second starting Python and importing nbgrader before it grades
anything; a class of 200 graded one process per student pays that 200 times. A worker pays it once: it runs
nbgrader's own ``AutogradeApp`` (what the ``nbgrader autograde`` command runs, with the course's
``nbgrader_config.py``, so the sandboxed kernel and the judge apply) for each student it is sent, in turn.

Protocol (JSON lines): the parent writes ``{"student": S}``; the worker answers ``{"student": S, "status": ...}``
with the status of :func:`grade_student`. Everything the grading prints, nbgrader's log included, is captured per
student (file descriptors 1 and 2 too), so a student's report holds only their own lines.

    python -m rapportkit.nbgrader.worker ASSIGNMENT      # run in the course folder
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO

from rapportkit.nbgrader import commands, judge
from rapportkit.nbgrader.commands import StepResult

Autograder = Callable[[str, str, Path], StepResult]


def grade_student(assignment: str, student: str, course_dir: Path | str,
                  run: Autograder | None = None) -> str:
    """Autograde one student and say how it went, naming the file and what is wrong if it could not be graded.

    Returns ``"graded"``, ``"graded; <notes>"`` (the judge's findings, a missing sandbox, files written outside
    the submission) or ``"not graded: <reason>"``. A student who could not be graded is removed from the gradebook
    (nbgrader may leave a submission at 0 points). ``run`` does the grading (default: nbgrader in a subprocess).
    """
    course_dir = Path(course_dir)
    run = run or (lambda a, s, root: commands.autograde(a, s, root))
    problems = commands.submission_problems(assignment, student, course_dir)
    before = commands.snapshot(course_dir)
    step = run(assignment, student, course_dir)
    notes = []
    if written := commands.changed_files(before, commands.snapshot(course_dir)):
        shown = ", ".join(written[:10]) + (f" and {len(written) - 10} more" if len(written) > 10 else "")
        notes.append(f"files outside its folder changed while it was graded: {shown}")
    # What the judge and the sandbox reported: cheats named, a sandbox that could not run.
    notes += judge.findings_from_log(step.log, student)
    if step.ok:
        return "; ".join(["graded", *problems, *notes])
    try:
        commands.forget_submission(assignment, student, course_dir)
    except Exception as err:  # e.g. the gradebook is busy: say so, keep the batch going
        notes.append(f"its failed submission could not be removed from the gradebook ({err})")
    # Say what is wrong with the file if we can tell; else what nbgrader said.
    return "not graded: " + "; ".join([*(problems or [step.reason()]), *notes])


def autograde_here(assignment: str, student: str, course_dir: Path) -> StepResult:
    """``nbgrader autograde ASSIGNMENT --force --student=STUDENT`` run by nbgrader's app in this process.

    The current directory must be ``course_dir`` (nbgrader finds ``nbgrader_config.py`` there). Output on file
    descriptors 1 and 2 while it runs (the kernel's, warnings, nbgrader's log) is returned as the step's log.
    """
    from nbgrader.apps.autogradeapp import AutogradeApp

    args = (assignment, "--force", f"--student={student}")  # "=": a name can never be read as an option
    with tempfile.TemporaryFile(mode="w+b") as out:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        # A new app for each student, made the process's singleton as the ``nbgrader`` command makes it: parts
        # without a parent (the kernel manager, the sandbox) log through the singleton's logger.
        AutogradeApp.clear_instance()
        app = AutogradeApp.instance()
        try:
            app.initialize(list(args))
            app.start()
            code = 0
        except SystemExit as stop:  # nbgrader says "failed" with sys.exit(1)
            code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for handler in list(app.log.handlers):  # the log file handler nbgrader adds on every initialize
                if isinstance(handler, logging.FileHandler):
                    app.log.removeHandler(handler)
                    handler.close()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        out.seek(0)
        log = out.read().decode("utf-8", errors="replace")
    return StepResult(args, code, log)


def serve(assignment: str, requests: IO[str], answers: IO[str]) -> None:
    """Grade each student named on ``requests`` in the current directory; answer on ``answers``."""
    root = Path.cwd()
    for line in requests:
        if not line.strip():
            continue
        student = json.loads(line)["student"]
        try:
            status = grade_student(assignment, student, root, run=autograde_here)
        except Exception as err:  # one student's failure is their report, not the worker's end
            status = f"not graded: {type(err).__name__}: {err}"
        answers.write(json.dumps({"student": student, "status": status}) + "\n")
        answers.flush()


class Worker:
    """A :mod:`rapportkit.nbgrader.worker` process for one assignment; call it with a student to grade them.

    If the process dies while grading (out of memory, killed), that student gets the reason and the next call
    starts a fresh process.
    """

    def __init__(self, assignment: str, course_dir: Path | str) -> None:
        self.assignment, self.course_dir = assignment, Path(course_dir).resolve()
        self.proc: subprocess.Popen | None = None
        self._errors: IO[str] | None = None

    def command(self) -> list[str]:
        """The worker process's command line."""
        return [sys.executable, "-m", "rapportkit.nbgrader.worker", self.assignment]

    def _start(self) -> subprocess.Popen:
        if self._errors is not None:
            self._errors.close()
        self._errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        return subprocess.Popen(
            self.command(), cwd=self.course_dir, env=commands.nbgrader_env(), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
        )

    def __call__(self, assignment: str, student: str, course_dir: Path) -> str:
        if assignment != self.assignment or Path(course_dir).resolve() != self.course_dir:
            raise ValueError(f"this worker grades {self.assignment} in {self.course_dir}")
        if self.proc is None or self.proc.poll() is not None:
            self._release()
            self.proc = self._start()
        try:
            self.proc.stdin.write(json.dumps({"student": student}) + "\n")
            self.proc.stdin.flush()
            answer = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            answer = ""
        if answer:
            try:
                return json.loads(answer)["status"]
            except (ValueError, KeyError, TypeError):  # not our protocol: stop this worker, start afresh
                self.proc.kill()
                self.proc.wait()
                self._release()
                return (f"not graded: the grading process gave an unreadable answer while grading {student} "
                        f"({answer.strip()[:200]!r}); a new one grades the next student")
        code = self.proc.wait()
        self._errors.seek(0)
        tail = self._errors.read()[-500:].strip()
        self._release()
        return f"not graded: the grading process stopped (exit code {code}) while grading {student}" + (
            f": {tail}" if tail else "")

    def _release(self) -> None:
        """Forget a finished process, closing its pipes (left open, each is a leaked descriptor and a warning)."""
        if self.proc is not None:
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:  # a broken pipe to a dead process: nothing left to flush
                        pass
        self.proc = None

    def close(self) -> None:
        """Let the process finish (end of its input) and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._release()
        if self._errors is not None:
            self._errors.close()
            self._errors = None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m rapportkit.nbgrader.worker ASSIGNMENT  (in the course folder)", file=sys.stderr)
        return 2
    commands.ensure_tools_on_path()
    # The answers go on a private copy of stdout, and fd 1 becomes stderr: nothing else (a library's print
    # between two students) can ever write into the answers.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)
    serve(argv[0], sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
