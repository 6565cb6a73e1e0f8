# Two entry points for a fresh clone: `make run` and `make test` (`make test-fast`: unit tier).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint lint-deploy install db-upgrade clean bench bench-reports bench-replicas

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
	if [ "$$BENCH_GROWTH" != 1 ]; then $(BIN)/python -m bench.reports && $(BIN)/python -m bench.replicas; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

# The deployment files, checked statically (Docker cannot run on the development machines):
# the compose file against the compose-spec schema vendored in check-jsonschema (offline), the
# Dockerfile with hadolint, the script's syntax, and the Caddyfile with Caddy when installed.
lint-deploy: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	$(BIN)/hadolint Dockerfile
	bash -n deploy/run-replicas.sh
	@if command -v caddy >/dev/null; then \
		out=$$(XDG_DATA_HOME=$$(mktemp -d) caddy adapt --config deploy/Caddyfile \
			--adapter caddyfile --validate 2>&1) || { echo "$$out"; exit 1; }; \
		echo "deploy/Caddyfile: valid"; \
	else echo "caddy not installed: deploy/Caddyfile not checked"; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Reports benchmark (issue 11): 1,000 clusters and 100,000 tasks; figures in bench/results.
bench-reports: $(STAMP)
	$(BIN)/python -m bench.reports

# One process against two in webhook mode on PostgreSQL and Redis (issue 12): figures in
# bench/results/replicas.json. BENCH_DATABASE_URL and BENCH_REDIS_URL pick the stores.
bench-replicas: $(STAMP)
	$(BIN)/python -m bench.replicas
