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

.PHONY: install lab test lint grade-demo generate coverage clean

$(STAMP): requirements.txt pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## Serve the course in JupyterLab (prints the URL).
lab: install
	$(BIN)/jupyter lab --no-browser --port=$(PORT) --ServerApp.root_dir=$(CURDIR)

## Run every test.
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check rapportkit tests scripts grader_config.py nbgrader_config.py

## Regenerate exercises/ from solutions/ with nbgrader (instructors run this after editing solutions/).
generate: install
	$(BIN)/python -m rapportkit.cli course generate

## The instructor path on a synthetic cohort: collect, autograde, feedback, export, class report.
grade-demo: install
	$(BIN)/python -m rapportkit.cli course demo

clean:
	rm -rf submitted autograded feedback gradebook.db grades.csv reports
