"""Read a student's answers from a notebook as plain data, without running any of their code.

The grader (:mod:`rapportkit.nbgrader.judge`) and the progress view read answers with the same function.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat

# Answer cells longer than this are not read (a pasted novel, or an attempt to slow the grader down).
MAX_ANSWER_CHARS = 100_000
# Answer names: ``reply_q4`` is words said to a client; ``answer_q1`` a choice or labels.
REPLY_PREFIX = "reply_"
# What earlier releases put in an answer cell before the student answers (nbgrader's code stub).
STUB_LINES = frozenset({"raise NotImplementedError()", "raise NotImplementedError"})


def _stored_names(tree: ast.AST) -> set[str]:
    """Every plain name a piece of code assigns (so a code-filled cell taints the names it sets)."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _is_stub(source: str) -> bool:
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return not lines or all(ln in STUB_LINES for ln in lines)


def _describe(stmt: ast.stmt, source: str) -> str:
    snippet = (ast.get_source_segment(source, stmt) or type(stmt).__name__).splitlines()[0]
    return f"line {stmt.lineno}: `{snippet[:80]}`"


def read_answer_cell(source: str, max_chars: int = MAX_ANSWER_CHARS) -> tuple[dict[str, Any], str | None, set[str]]:
    """Read one answer cell as data: ``({name: value}, problem or None, names it tries to set)``.

    Only ``name = <literal>`` statements (and comments) are data; anything else is a problem, and then
    no name of the cell gets a value.
    """
    if len(source) > max_chars:
        return {}, f"the cell holds {len(source)} characters (more than {max_chars})", set()
    if _is_stub(source):
        return {}, None, set()
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return {}, f"it is not valid Python (line {err.lineno}: {err.msg})", set()
    except (RecursionError, MemoryError, ValueError):
        return {}, "it is too deeply nested to read", set()
    values: dict[str, Any] = {}
    for stmt in tree.body:
        targets: list[ast.expr]
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and stmt.simple:
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a bare string: a note to self, harmless
        else:
            return {}, f"it runs code ({_describe(stmt, source)}); answers must be plain data", _stored_names(tree)
        if not all(isinstance(t, ast.Name) for t in targets):
            return {}, f"it assigns to something other than a name ({_describe(stmt, source)})", _stored_names(tree)
        try:
            literal = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            return {}, f"its value is not plain data ({_describe(stmt, source)})", _stored_names(tree)
        for target in targets:
            values[target.id] = literal  # type: ignore[attr-defined]
    return values, None, set(values)


def notebook_answers(path: Path | str) -> dict[str, Any]:
    """Every plain-data answer in the notebook's nbgrader answer cells, by variable name.

    Read as the grader reads them (:func:`read_answer_cell`): a cell that runs code gives no answers.
    """
    nb = nbformat.read(str(path), as_version=4)
    answers: dict[str, Any] = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            answers.update(read_answer_cell(cell.source)[0])
    return answers
