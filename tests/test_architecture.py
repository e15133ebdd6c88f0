"""The two runtimes stay apart, and nothing imports in circles (docs/architecture.md states the same rules).

Every module's imports of ``rapportkit`` are read from its source: what each part may import is below, imports are
at the top of a module (an import inside a function would hide a cycle), and the import graph has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "rapportkit"

# What each part may import of rapportkit (a part is a module or a package, matched by the longest prefix). An
# entry names a module and everything in it; "=name" names that module alone (a package's __init__, say).
STUDENT_SIDE = ("rapportkit.skills", "rapportkit.roleplay", "rapportkit.answers", "rapportkit.grading",
                "rapportkit.plots", "rapportkit.progress", "rapportkit.widgets")
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "rapportkit.skills": ("rapportkit.skills",),
    "rapportkit.roleplay": ("rapportkit.roleplay", "rapportkit.skills"),
    "rapportkit.answers": (),
    "rapportkit.grading": ("rapportkit.skills", "rapportkit.roleplay", "rapportkit.answers"),
    "rapportkit.plots": (),
    "rapportkit.progress": ("rapportkit.answers", "rapportkit.skills", "rapportkit.roleplay", "rapportkit.plots"),
    "rapportkit.widgets": ("rapportkit.roleplay", "rapportkit.plots", "rapportkit.skills"),
    # The grader side: nbgrader plug-ins use the student side's functions; never the instructor's commands.
    "rapportkit.nbgrader": ("rapportkit.nbgrader", *STUDENT_SIDE),
    # The sandbox only needs to know where rapportkit lives: nothing that analyses or grades.
    "rapportkit.nbgrader.sandbox": ("=rapportkit", "=rapportkit.nbgrader"),
    "rapportkit.nbgrader.sandbox_launch": (),
    "rapportkit.instructor": ("rapportkit.instructor", "rapportkit.nbgrader", *STUDENT_SIDE),
    # Maintainers' tools: the coverage matrix and the rater agreement report.
    "rapportkit.coverage": (),
    "rapportkit.rater": ("rapportkit.grading", "rapportkit.answers", "rapportkit.roleplay",
                         "rapportkit.nbgrader.judge"),
    "rapportkit": (),
}
# Third-party grading machinery a student's kernel never needs.
GRADER_ONLY = ("nbgrader", "nbconvert", "jupyter_client", "nbclient")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """``(module imported, line, at the top of the module)`` for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            # "from rapportkit.nbgrader import judge" imports the module rapportkit.nbgrader.judge; "from
            # rapportkit.nbgrader import REPORT_TAG" the package itself
            modules = [f"{name}.{alias.name}" for alias in node.names if is_module(f"{name}.{alias.name}")]
            names_only = len(modules) < len(node.names)
            found += [(m, node.lineno, id(node) in top) for m in (modules + [name] * names_only)]
    return found


def is_module(name: str) -> bool:
    path = PACKAGE.parent / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def part_of(module: str) -> str:
    return max((part for part in MAY_IMPORT if module == part or module.startswith(part + ".")), key=len)


def forbidden(here: str, name: str) -> str | None:
    """Why ``here`` may not import ``name``, or None when it may."""
    if name.startswith("rapportkit") and name != here:
        allowed = MAY_IMPORT[part_of(here)]
        if not any(name == a.lstrip("=") or (not a.startswith("=") and name.startswith(a + ".")) for a in allowed):
            return f"{here} may not import {name} (docs/architecture.md)"
    if here.startswith(STUDENT_SIDE) and name.split(".")[0] in GRADER_ONLY:
        return f"the student side ({here}) imports {name}, which only grading needs"
    return None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_each_part_imports_only_what_it_may(path: Path):
    here = module_name(path)
    for name, line, _ in imports(path):
        why = forbidden(here, name)
        assert why is None, f"{path.relative_to(REPO)}:{line}: {why}"


def test_the_rules_can_fail():
    assert forbidden("rapportkit.widgets", "rapportkit.nbgrader.judge")
    assert forbidden("rapportkit.grading", "nbgrader.api")
    assert forbidden("rapportkit.nbgrader.sandbox", "rapportkit.nbgrader.judge")
    assert forbidden("rapportkit.nbgrader.export", "rapportkit.instructor.cli")
    assert forbidden("rapportkit.skills.flags", "rapportkit.roleplay")
    assert forbidden("rapportkit.instructor.cli", "rapportkit.grading") is None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_rapportkit_is_imported_at_the_top_of_each_module(path: Path):
    """An import inside a function is how a cycle hides: each module says what it needs at the top."""
    for name, line, at_top in imports(path):
        assert at_top or not name.startswith("rapportkit"), (
            f"{path.relative_to(REPO)}:{line}: imports {name} inside a function; import it at the top")


def test_no_module_imports_itself_in_a_circle():
    graph = {module_name(p): {n for n, _, _ in imports(p) if n.startswith("rapportkit.")} for p in MODULES}
    graph = {m: {n for n in deps if n in graph and n != m} for m, deps in graph.items()}
    # Importing a submodule runs its package's __init__ first: that is an edge too.
    for m in list(graph):
        parent = m.rpartition(".")[0]
        if parent in graph and parent != m:
            graph[m].add(parent)
    seen: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                # a package's __init__ importing its own submodules is how packages work, not a cycle of parts
                if not all(c == cycle[0] or c.startswith(cycle[0] + ".") for c in cycle):
                    raise AssertionError("import cycle: " + " -> ".join(cycle))
            elif nxt not in seen:
                visit(nxt, [*trail, nxt])
        seen[node] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])
