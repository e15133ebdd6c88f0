"""The pins for pip and for conda must be the same list."""

import re
from pathlib import Path

import tomllib
import yaml

REPO = Path(__file__).resolve().parent.parent


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_list = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {n.lower(): v for n, v in (p.split("==") for p in pip_list)}


def test_every_requirement_is_pinned_exactly():
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.]*", line), line


def test_requirements_and_environment_yml_agree():
    assert pip_pins() == conda_pins()


def test_pins_named_by_the_foundation_issue():
    pins = pip_pins()
    assert pins["jupyterlab"] == "4.6.6"
    assert pins["nbgrader"] == "0.9.6"
    assert pins["ipywidgets"] == "8.1.9"
    assert pins["pytest"].startswith("9.")


def test_the_lock_file_pins_what_the_package_declares():
    """requirements.txt is the lock `make` installs: it pins every dependency pyproject.toml declares (and its
    [test] extra), so the course and an installed wheel run the same versions."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    names = {re.split(r"[<>=!~\[ ]", d, maxsplit=1)[0].lower().replace("_", "-") for d in declared}
    pinned = {n.replace("_", "-") for n in pip_pins()}
    # nbgrader brings nbconvert, jupyter_client and traitlets at the versions it needs; the rest are pinned.
    brought_by_nbgrader = {"nbconvert", "jupyter-client", "traitlets"}
    assert names - pinned - brought_by_nbgrader == set()
