"""Every technique, worked example and intake question is taught, practised and graded somewhere."""

from rapportkit.coverage import collect, curriculum, render
from tests.conftest import REPO


def test_every_cell_names_known_ids_and_roles():
    assert collect(REPO).unknown == []


def test_every_item_is_taught_practised_and_graded():
    missing = collect(REPO).missing()
    assert not missing, "\n".join(f"{item}: no {', '.join(roles)}" for item, roles in missing.items())


def test_committed_matrix_is_up_to_date():
    committed = (REPO / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert committed == render(collect(REPO)), "docs/coverage.md is stale: run `make coverage`"


def test_curriculum_has_the_source_material():
    cur = curriculum()
    assert {"john", "abby"} <= set(cur["examples"])
    assert len(cur["intake_questions"]) == 6
    assert len(cur["techniques"]) >= 25
