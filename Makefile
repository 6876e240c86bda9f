# Two commands do all the set-up on a fresh Debian machine (Python 3.11, root):
#   make run   — install, migrate a SQLite database under instance/, load the demo, serve on :5000
#   make test  — install dev tools, run the whole suite on SQLite, then on PostgreSQL
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUNTIME_DEBS := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
TEST_DEBS := chromium poppler-utils

.PHONY: run test bench install install-dev system-deps system-test-deps migrate demo i18n lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python system-deps
	$(BIN)/pip install -q -e .

install-dev: $(BIN)/python system-deps system-test-deps
	$(BIN)/pip install -q -e '.[dev]'

# Debian packages: the CJK font and harfbuzz-subset (without it every PDF is ~40x slower).
system-deps:
	@missing=""; for p in $(RUNTIME_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

system-test-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

migrate: install
	$(BIN)/flask --app app db upgrade

demo: migrate
	$(BIN)/flask --app app seed-demo --if-empty

run: demo
	@echo ""
	@echo "  Incubator is starting on http://$(HOST):$(PORT)"
	@echo "  Demo accounts (password Demo@2026 for all):"
	@echo "    admin  operator  reviewer1 reviewer2 reviewer3  lead  deputy  commander  supervisor"
	@echo "    company1 … company5 (members of five different tenant companies)"
	@echo ""
	@# the job consumer (deadline lapses) runs beside the web server and stops with it
	$(BIN)/huey_consumer incubator.jobs.huey --logfile instance/jobs.log >/dev/null 2>&1 & \
	  trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn --workers $(WORKERS) --worker-class sync --bind $(HOST):$(PORT) --access-logfile - app:app

test: install-dev
	$(BIN)/pytest
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)'.replace('+psycopg',''), connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== PostgreSQL pass ($(PG_TEST_URL))"; \
	  TEST_DATABASE_URL='$(PG_TEST_URL)' $(BIN)/pytest -m "not browser"; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(PG_TEST_URL) and CI=true: failing."; exit 1; \
	else \
	  echo "!! SKIPPED the PostgreSQL pass: nothing listens at $(PG_TEST_URL)"; \
	fi

bench: install
	$(BIN)/python bench/run.py

# Refresh the message catalog after adding UI text, then translate the new zh_CN entries.
i18n: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l zh_CN --no-fuzzy-matching --ignore-obsolete

lint: install-dev
	$(BIN)/ruff check incubator tests bench
	$(BIN)/bandit -q -r incubator -x tests

clean:
	rm -rf $(VENV) instance/incubator.db* build *.egg-info
