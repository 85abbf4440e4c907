# Every target bootstraps .venv with pip on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
BSTAMP := $(VENV)/.installed-bench
# The versions the suite last passed with: every install is constrained to them (make upgrade
# refreshes them).
LOCK   := constraints.txt

.PHONY: demo test test-weekdays lint typecheck bench upgrade clean

$(STAMP): pyproject.toml $(LOCK) insights_queries/_scan.c
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $@

$(BSTAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev,bench]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/obskit demo

# The slowest tests are listed at the end: the suite's budget is 15 minutes on 2 cores.
test: $(STAMP)
	$(PY) -m pytest --durations=20
	$(MAKE) lint

# The sandbox and trace tests with the sandbox's start pinned on each of the last seven days.
test-weekdays: $(STAMP)
	PY=$(PY) bash .ci/weekdays

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(BSTAMP)
	$(PY) -m bench

# Newest versions within pyproject.toml's bounds; the lock is rewritten only if the tests pass.
upgrade: $(STAMP)
	$(PY) -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev,bench]'
	$(MAKE) test
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > $(LOCK)
	touch $(STAMP) $(BSTAMP)
	@echo "$(LOCK) refreshed: commit it"

clean:
	rm -rf $(VENV) bench/results build *.egg-info
