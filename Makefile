# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo demo-target dashboard test lint bench bench-write clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# demo/tickets.csv -> target-asana -> the sandbox (twice), then tap-asana reads the tickets back into DuckDB.
demo-target: $(STAMP)
	$(BIN)/python scripts/demo_target.py

dashboard: $(STAMP)
	$(BIN)/python scripts/dashboard.py

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy asana_client tap_asana target_asana asana_webhooks

# Issue 12's table; e.g. `make bench BENCH_ARGS="--dataset demo --json"` for the quick variant with the JSON.
bench: $(STAMP)
	@$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

bench-write: $(STAMP)
	@$(BIN)/python -m benchmarks.write

clean:
	rm -rf $(VENV) .venv-meltano .meltano output .pytest_cache transform/target transform/logs
