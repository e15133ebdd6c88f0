# Rapport Lab. Two commands do all set-up on a fresh machine: `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# nbgrader's database migration runs `alembic`, and nbgrader itself runs `jupyter`: both live in the venv.
export PATH := $(BIN):$(PATH)
# Keep Jupyter's per-user state out of the way of tests and of other projects.
export JUPYTER_PLATFORM_DIRS := 1
PORT ?= 8888
# Nothing reaches the network at run time: no update checks, no news feed, no extension manager queries.
LAB_FLAGS := --no-browser --ServerApp.root_dir=$(CURDIR) --LabApp.news_url=None \
	--LabApp.extension_manager=readonly --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	$(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install system-deps lab test test-fast lint grade-demo generate coverage assessment clean hub-deps test-hub bench-autograde

$(STAMP): requirements.txt pyproject.toml deploy/lab-overrides.json
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# rfc3987-syntax (jupyter-events' jsonschema[format-nongpl] extra) builds a parser grammar at import: about
	# 1.5 s added to every nbgrader and jupyter command, for IRI checks that nothing here uses.
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp deploy/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

install: $(STAMP)

## Serve the course in JupyterLab (prints the URL).
lab: install
	$(BIN)/jupyter lab --port=$(PORT) $(LAB_FLAGS)

## Debian packages for browser tests and the grading sandbox (chromium, bubblewrap).
system-deps:
	bash scripts/system-deps.sh

# Test tiers (markers in pyproject.toml): unit tests start no process and run in parallel; the others start
# kernels, nbgrader, a browser, a hub or other programs, and run one at a time (they share 2 cores and ports).
TIERS := kernel or nbgrader or browser or hub or tools

## Run every test: the unit tier in parallel, then every other tier; the slowest tests are listed.
test: install system-deps
	$(BIN)/python -m pytest -m "not ($(TIERS))" -n auto --durations=10
	$(BIN)/python -m pytest -m "$(TIERS)" --durations=25

## The unit tier only: no kernels, no nbgrader, no browser, no hub (well under a minute).
test-fast: install
	$(BIN)/python -m pytest -m "not ($(TIERS))" -n auto --durations=10

lint: install
	$(BIN)/ruff check rapportkit tests scripts grader_config.py nbgrader_config.py

## Regenerate exercises/ from solutions/ with nbgrader (instructors run this after editing solutions/).
generate: install
	$(BIN)/python -m rapportkit.instructor.cli course generate

## The instructor path on a synthetic cohort: collect, autograde, feedback, export, class report.
grade-demo: install
	$(BIN)/python -m rapportkit.instructor.cli course demo --cohort tests/data/cohort/01_trust.yaml

## The coverage matrix (docs/coverage.md) from the notebooks' metadata.
coverage: install
	$(BIN)/python -m rapportkit.coverage

## Agreement of the written-reply grades with the rater set, and what stock replies earn (docs/assessment.md).
assessment: install
	$(BIN)/python -m rapportkit.rater

clean:
	rm -rf submitted autograded feedback gradebook.db grades.csv reports

## Class scale (docs/scaling.md): JupyterHub from PyPI and configurable-http-proxy from npm (into build/).
hub-deps: install
	bash scripts/hub-deps.sh

## The class-scale tests alone (they also run in `make test`): the JupyterHub round trip and the instructor CLI.
test-hub: hub-deps
	$(BIN)/python -m pytest tests/test_jupyterhub.py tests/test_classroom.py

## Autograde speed: sequential nbgrader, --jobs 2 and the nbclient floor (N=200 takes long; try N=10).
N ?= 200
bench-autograde: install
	$(BIN)/python scripts/bench_autograde.py --students $(N)
