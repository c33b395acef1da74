# Everything from nothing: `make test` / `make run` build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck run demo build serve eval bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "newsfeed needs Python >= 3.11; run: make PYTHON=python3.12 ..." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "cannot create $(VENV): on Debian/Ubuntu, apt install python3-venv" >&2; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check newsfeed tests
	$(BIN)/ruff format --check newsfeed tests

typecheck: $(STAMP)
	$(BIN)/mypy

# bytecode written (even where PYTHONDONTWRITEBYTECODE is set): pytest then keeps the test
# modules' rewritten asserts in __pycache__ instead of rewriting them in every worker (5 s each).
# One worker more than the cores: a third of the suite's time is spent waiting on the servers
# and command-line runs it starts (on 2 cores, 3 workers took 78-84 s where 2 took 87-91 s).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
test: lint typecheck
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

run: $(STAMP)
	$(BIN)/newsfeed run

demo: $(STAMP)
	$(BIN)/newsfeed demo

serve: $(STAMP)
	$(BIN)/newsfeed serve

# extraction and feed-building speed and memory (measured, never asserted)
bench: $(STAMP)
	$(BIN)/python -m tests.tools.bench

# per platform and field, the share of fixture and corpus pages extracted right
eval: $(STAMP)
	$(BIN)/python -m tests.tools.eval

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
