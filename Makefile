# Opportune: `make run` to try it, `make test` to check it. `make help` lists the rest.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install run test lint format typecheck pytest bench bench-previous clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Opportune needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install Opportune with its dev tools

run: install ## Migrate the SQLite database, load demo data once, serve on http://127.0.0.1:8000
	$(BIN)/opportune db upgrade
	$(BIN)/opportune demo --if-empty
	$(BIN)/opportune serve

test: lint typecheck pytest ## Lint, type-check and run the whole test suite

lint: install ## ruff check and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install ## Reformat the code
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: install ## mypy --strict on src/
	$(BIN)/mypy src

pytest: install ## The test suite (PostgreSQL too when OPPORTUNE_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -n auto

bench: install ## Every benchmark at 10k, 100k, 1M leads on SQLite and PostgreSQL; writes docs/benchmarks.md
	@if $(BIN)/python -c 'import sys, tomllib; p = tomllib.load(open("pyproject.toml", "rb")); sys.exit("bench" not in p["project"].get("optional-dependencies", {}))'; \
		then $(BIN)/python -m pip install -q -e '.[dev,bench]'; fi
	$(BIN)/python bench/all.py --write

bench-previous: install ## Install the newest release tag older than HEAD into .bench/previous (REF=... for another)
	$(BIN)/python bench/previous.py $(if $(REF),--ref $(REF))

clean: ## Remove the virtual environment and caches (keeps data/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output
