# consult: `make run` installs and serves with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run install test test-fast lint e2e bench i18n

$(BIN)/consult: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/consult

install: $(BIN)/consult

run: install
	$(BIN)/consult serve --demo

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not e2e" -x -q

lint: install
	$(BIN)/ruff check consult tests bench
	$(BIN)/ruff format --check consult tests bench
	$(BIN)/mypy

i18n: install
	$(BIN)/python -m consult.i18n_check

bench: install
	$(BIN)/python -m bench.run
