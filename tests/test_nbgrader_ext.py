from nbformat.v4 import new_code_cell, new_notebook, new_output
from traitlets.config import Config

from rapportkit.nbgrader.feedback import HideHiddenTests, strip_hidden_tests


def test_strip_hidden_tests_removes_region_and_keeps_the_rest():
    src = "visible()\n### BEGIN HIDDEN TESTS\nsecret(1)\nsecret(2)\n### END HIDDEN TESTS\nafter()"
    out, found = strip_hidden_tests(src, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    assert found
    assert "secret" not in out and "visible()" in out and "after()" in out


def test_strip_hidden_tests_leaves_plain_cells_alone():
    out, found = strip_hidden_tests("a = 1\nb = 2", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    assert (out, found) == ("a = 1\nb = 2", False)


def test_preprocessor_drops_tracebacks_of_hidden_cells_only():
    hidden = new_code_cell("### BEGIN HIDDEN TESTS\nscore(x)\n### END HIDDEN TESTS")
    hidden.outputs = [new_output("error", ename="NameError", evalue="name 'x' is not defined",
                                 traceback=["----> 2 score(x)", "NameError"])]
    plain = new_code_cell("y")
    plain.outputs = [new_output("error", ename="NameError", evalue="y", traceback=["----> 1 y"])]
    pp = HideHiddenTests()
    nb, _ = pp.preprocess(new_notebook(cells=[hidden, plain]), {})
    hidden, plain = nb.cells
    assert hidden.outputs[0]["traceback"] == ["NameError: name 'x' is not defined"]
    assert "score" not in hidden.source
    assert plain.outputs[0]["traceback"] == ["----> 1 y"]


def test_preprocessor_runs_when_registered_by_name():
    # nbgrader registers configured preprocessors by name; a disabled one would silently do nothing.
    from nbconvert.exporters import NotebookExporter
    from nbformat.v4 import new_notebook

    exporter = NotebookExporter()
    exporter.register_preprocessor("rapportkit.nbgrader.feedback.HideHiddenTests")
    nb = new_notebook(cells=[new_code_cell("### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS")])
    body, _ = exporter.from_notebook_node(nb)
    assert "secret" not in body


def test_the_markers_are_nbgrader_s_own_as_configured():
    """A course that changes ClearHiddenTests' delimiters keeps its hidden tests out of feedback too."""
    config = Config()
    config.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET"
    config.ClearHiddenTests.end_test_delimeter = "END SECRET"
    cell = new_code_cell("shown()\n### BEGIN SECRET\nsecret()\n### END SECRET")
    nb, _ = HideHiddenTests(config=config).preprocess(new_notebook(cells=[cell]), {})
    assert "secret()" not in nb.cells[0].source and "shown()" in nb.cells[0].source
