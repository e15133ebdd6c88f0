"""Feedback without hidden tests: an nbgrader preprocessor for ``GenerateFeedback`` (see ``grader_config.py``).

nbgrader's feedback shows each test cell as it ran, hidden tests included. This preprocessor removes the hidden
regions, marked as nbgrader's own ``ClearHiddenTests`` marks them (its ``begin_test_delimeter`` and
``end_test_delimeter``, so a course that changes them is still covered), and the tracebacks that quote them.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool

HIDDEN_NOTE = "# (hidden tests were run here; they are not shown)"


def strip_hidden_tests(source: str, begin: str, end: str) -> tuple[str, bool]:
    """Remove every hidden-test region (between lines holding ``begin`` and ``end``); say whether one was found."""
    kept: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line:
            inside = found = True
            continue
        if end in line:
            inside = False
            kept.append(HIDDEN_NOTE)
            continue
        if not inside:
            kept.append(line)
    return "\n".join(kept), found


class HideHiddenTests(Preprocessor):
    """Feedback must not teach the hidden tests: drop their code, and the tracebacks that quote it."""

    # nbconvert runs a preprocessor only when it is enabled; listing it in the config is the choice.
    enabled = Bool(True).tag(config=True)

    def _markers(self) -> tuple[str, str]:
        # The markers nbgrader itself uses, as configured for this course (config passed down from the app).
        clear = ClearHiddenTests(config=self.config)
        return clear.begin_test_delimeter, clear.end_test_delimeter

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        self._begin, self._end = self._markers()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code":
            return cell, resources
        cell.source, found = strip_hidden_tests(cell.source, self._begin, self._end)
        if found:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    # Keep the error's name and message for the student; the traceback shows test code.
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
