# Two commands set everything up on a fresh machine:
#   make run   - the API on its embedded default (SQLite file in instance/, tasks in process) with demo data
#   make test  - the whole test suite (SQLite; PostgreSQL too when DATABASE_URL points at one)
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

.PHONY: install run test lint openapi check-migrations messages
install: $(BIN)/.installed

run: install
	$(BIN)/flask --app empower_api demo
	$(BIN)/flask --app empower_api run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

openapi: install
	$(BIN)/flask --app empower_api openapi write --format=yaml openapi.yaml

# Find every English message in the code (empower_api/i18n/extract.py), rewrite
# messages.pot and merge it into each catalog; then translate the empty entries.
messages: install
	$(BIN)/python -m empower_api.i18n.extract
