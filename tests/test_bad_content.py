"""Broken scenario files (issue 7): each of the five kinds is rejected with file:line: field: and what is expected.

``tests/test_roleplay_loader.py`` checks the file, line, field and key words of every file in
``tests/data/bad_scenarios/``; this adds the last part of the contract: every message also says what was expected.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rapportkit.roleplay import ScenarioError, load_scenario

BAD = Path(__file__).parent / "data" / "bad_scenarios"

# The five kinds the issue names, and what the expectation must mention.
KINDS = {
    "bad_indentation.yaml": "indented by the same number of spaces",
    "unknown_field.yaml": "one of: age,",
    "wrong_type.yaml": "a whole number",
    "missing_client_name.yaml": "the name the client uses",
    "missing_turn.yaml": "one of: done, hello, second_turn",
}


@pytest.mark.parametrize(("filename", "expectation"), KINDS.items())
def test_bad_scenario_says_where_and_what_is_expected(filename: str, expectation: str):
    path = BAD / filename
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    where = re.match(rf"^{re.escape(str(path))}:(\d+): ([^:]+): ", message)
    assert where, f"no file:line: field: prefix in {message!r}"
    assert int(where.group(1)) > 0
    assert re.search(r"\bexpected\b", message), f"does not say what is expected: {message!r}"
    assert expectation in message, message
