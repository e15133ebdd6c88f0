"""nbgrader plug-ins for Rapport Lab (configured in ``grader_config.py``)."""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
HIDDEN_NOTE = "# (hidden tests were run here; they are not shown)"


def strip_hidden_tests(source: str) -> tuple[str, bool]:
    """Remove every hidden-test region from a cell's source; say whether one was found."""
    kept: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = found = True
            continue
        if END_HIDDEN in line:
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

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code":
            return cell, resources
        cell.source, found = strip_hidden_tests(cell.source)
        if found:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    # Keep the error's name and message for the student; the traceback shows test code.
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
