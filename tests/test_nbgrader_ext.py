from nbformat.v4 import new_code_cell, new_output

from rapportkit.nbgrader_ext import HideHiddenTests, strip_hidden_tests


def test_strip_hidden_tests_removes_region_and_keeps_the_rest():
    src = "visible()\n### BEGIN HIDDEN TESTS\nsecret(1)\nsecret(2)\n### END HIDDEN TESTS\nafter()"
    out, found = strip_hidden_tests(src)
    assert found
    assert "secret" not in out and "visible()" in out and "after()" in out


def test_strip_hidden_tests_leaves_plain_cells_alone():
    out, found = strip_hidden_tests("a = 1\nb = 2")
    assert (out, found) == ("a = 1\nb = 2", False)


def test_preprocessor_drops_tracebacks_of_hidden_cells_only():
    hidden = new_code_cell("### BEGIN HIDDEN TESTS\nscore(x)\n### END HIDDEN TESTS")
    hidden.outputs = [new_output("error", ename="NameError", evalue="name 'x' is not defined",
                                 traceback=["----> 2 score(x)", "NameError"])]
    plain = new_code_cell("y")
    plain.outputs = [new_output("error", ename="NameError", evalue="y", traceback=["----> 1 y"])]
    pp = HideHiddenTests()
    hidden, _ = pp.preprocess_cell(hidden, {}, 0)
    plain, _ = pp.preprocess_cell(plain, {}, 1)
    assert hidden.outputs[0]["traceback"] == ["NameError: name 'x' is not defined"]
    assert "score" not in hidden.source
    assert plain.outputs[0]["traceback"] == ["----> 1 y"]


def test_preprocessor_runs_when_registered_by_name():
    # nbgrader registers configured preprocessors by name; a disabled one would silently do nothing.
    from nbconvert.exporters import NotebookExporter
    from nbformat.v4 import new_notebook

    exporter = NotebookExporter()
    exporter.register_preprocessor("rapportkit.nbgrader_ext.HideHiddenTests")
    nb = new_notebook(cells=[new_code_cell("### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS")])
    body, _ = exporter.from_notebook_node(nb)
    assert "secret" not in body
