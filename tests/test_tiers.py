"""Test tiers: a unit test (no marker) may start no process; the guard names the test and the command."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import TIERS, UnmarkedProcessError, no_processes


def test_starting_a_process_without_a_tier_fails_and_names_the_test_and_the_command():
    before = subprocess.Popen._execute_child  # the guard of this (unmarked) test is already in place
    with no_processes("tests/test_x.py::test_y"):
        with pytest.raises(UnmarkedProcessError, match=r"tests/test_x.py::test_y starts a process \(echo hi\)"):
            subprocess.run(["echo", "hi"], check=False)
    assert subprocess.Popen._execute_child is before


def test_this_unit_test_is_itself_guarded():
    with pytest.raises(UnmarkedProcessError, match="test_this_unit_test_is_itself_guarded starts a process"):
        subprocess.run(["true"], check=False)


def test_every_tier_is_a_registered_marker(pytestconfig: pytest.Config):
    registered = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert set(TIERS) <= registered
