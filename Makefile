# The everyday verbs. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PURE := pitchless/guard pitchless/linkedin pitchless/audit

.PHONY: run serve worker test lint suite format install install-dev clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(BIN)/activate pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.dev-installed

## run: install, migrate the SQLite database under var/, load the demo network into an empty
##      database, and serve on http://127.0.0.1:8000
run: install
	mkdir -p var/static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data --if-empty
	$(PY) manage.py runserver 127.0.0.1:8000

## serve: the production web server (gunicorn) on 127.0.0.1:8000, after checking the database;
##        settings from the environment or .env (see docs/configuration.md)
serve: install
	$(BIN)/pitchless serve

## worker: a Celery worker with the periodic schedule, for one machine (needs REDIS_URL)
worker: install
	$(BIN)/pitchless worker --beat

## test: install the development extras, lint, type-check the pure packages, run the suite
test: install-dev lint suite

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PURE)

## suite: the test suite alone, on the database DATABASE_URL names (SQLite when unset)
suite: install-dev
	$(BIN)/pytest

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
