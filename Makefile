# Two entry points for a fresh clone: `make run` and `make test` (`make test-fast`: unit tier).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint install db-upgrade clean bench bench-reports

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

db-upgrade: $(STAMP)
	$(BIN)/python -m bot db upgrade

test: $(STAMP)
	$(BIN)/python -m pytest

# The unit tier alone (domain rules, texts, views): no database, no fake Bot API.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

# National-size benchmark (bench/run.py): BENCH_SIZES=10000,100000 BENCH_BACKENDS=sqlite
# BENCH_DELIVER=1500 (default 5000: every member). BENCH_GROWTH=1: only the reminder pass at
# 10k, 100k and 1M tasks (or BENCH_SIZES), written to bench/results/growth-<backend>.json.
bench: $(STAMP)
	$(BIN)/python -m bench
	if [ "$$BENCH_GROWTH" != 1 ]; then $(BIN)/python -m bench.reports; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Reports benchmark (issue 11): 1,000 clusters and 100,000 tasks; figures in bench/results.
bench-reports: $(STAMP)
	$(BIN)/python -m bench.reports
