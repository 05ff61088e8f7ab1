# The two commands: `make run` (set up and start the portal) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint format install clean bench reset-demo

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Test-only JavaScript (axe-core for the browser tests), pinned in package-lock.json.
NODE_STAMP := node_modules/.installed
# Without npm (a laptop) the browser tests skip with the reason; CI installs it first.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $(NODE_STAMP); \
	else echo "npm is missing (apt-get install nodejs npm): axe-core browser checks will skip"; fi

install: $(STAMP) $(NODE_STAMP)

PORT ?= 8000

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --port $(PORT)
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The demo accounts as seed_demo made them: password, no authenticator, active.
reset-demo: $(STAMP)
	$(BIN)/python manage.py reset_demo

# The whole suite in parallel (pytest-xdist), then the smoke-scale benchmark alone (it
# measures, so it does not share the cores); the coverage total is printed at the end.
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 -m "not bench" --cov --cov-report= $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m bench --cov --cov-append --cov-report= $(PYTEST_ARGS)
	$(BIN)/coverage report --format=total | sed 's/^/Coverage of the product code: /; s/$$/ %/'

# The quick loop: everything but the browser, fault and benchmark tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 -m "not browser and not faults and not bench" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The scale benchmark (not part of `make test`): POINTS metering points through the
# ingest path, the portal under load, the floors. Needs DATABASE_URL (a database of its
# own: it is emptied), REDIS_URL, wrk and pgbench; see docs/performance.md.
POINTS ?= 32000000
bench: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -qq wrk=4.1.0-3+b2
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bench_scale --metering-points $(POINTS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var staticfiles .pytest_cache .ruff_cache .coverage .coverage.*
