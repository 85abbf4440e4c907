# Every target bootstraps .venv with pip on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
BSTAMP := $(VENV)/.installed-bench

.PHONY: demo test test-weekdays lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(BSTAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/obskit demo

test: $(STAMP)
	$(PY) -m pytest
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

clean:
	rm -rf $(VENV) bench/results build *.egg-info
