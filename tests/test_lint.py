"""The code base is `ruff` clean (the rules in pyproject.toml)."""

import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.tools
def test_ruff_finds_nothing():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
