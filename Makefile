# The two commands of the README. Both set everything up on a fresh machine (a virtual
# environment in .venv/ with the project and its dependencies) and redo it when pyproject.toml
# changes, so there is never a separate install step to forget.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test bench mutation

run: $(STAMP)
	$(VENV)/bin/yuntai run

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(VENV)/bin/python -m bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Yuntai needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Mutation testing of the core modules (pyproject.toml [tool.mutmut]); slow, so not in CI. Narrow it with
# MUTANTS, e.g. `make mutation MUTANTS='bot.netguard*'`. Prints the share killed and the survivors.
MUTANTS ?=
mutation: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[mutation]'
	$(VENV)/bin/mutmut run $(MUTANTS) || true
	$(VENV)/bin/python scripts/mutation_summary.py
