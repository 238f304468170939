# Jiedu — developer commands. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CHROMIUM ?= /usr/bin/chromium
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The suite runs on two workers (pytest-xdist); PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_ARGS ?= -n 2

.PHONY: setup run test test-fast lint format check openapi browser-deps bench clean messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

## make run: migrate the SQLite database, load the demo province, serve http://127.0.0.1:8000
## with a background worker beside the server (check-in face verification; stops with it)
run: setup
	mkdir -p var
	JIEDU_ENV=development $(PY) manage.py migrate --noinput
	JIEDU_ENV=development $(PY) manage.py load_demo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	JIEDU_ENV=development $(PY) manage.py db_worker --no-startup-delay --no-reload --verbosity 0 & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  JIEDU_ENV=development $(PY) manage.py runserver --insecure $(HOST):$(PORT)

## make test: the whole suite, browser tests included (DATABASE_URL picks the database)
test: setup browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

## make test-fast: everything but the browser tests
test-fast: setup
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

## Debian's Chromium and CJK fonts for the Playwright tests (never a downloaded browser)
browser-deps:
	@if [ ! -x $(CHROMIUM) ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "Installing chromium and fonts-noto-cjk (Debian packages) for browser tests"; \
	  if [ "$$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk \
	  || { echo "Could not install. Run: sudo apt-get install -y chromium fonts-noto-cjk"; exit 1; }; \
	fi

lint: setup
	mkdir -p var
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	JIEDU_ENV=development $(PY) manage.py makemigrations --check --dry-run

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## make openapi: regenerate the committed OpenAPI document (docs/api/openapi.json)
openapi: setup
	JIEDU_ENV=development $(PY) manage.py export_openapi docs/api/openapi.json

## make messages: refresh and compile the English catalogue (Chinese is the source language)
messages: setup
	JIEDU_ENV=development $(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var --ignore=test-artifacts
	JIEDU_ENV=development $(PY) manage.py compilemessages -l en --ignore=.venv

## make bench: performance ratios (issue 6; never part of make test). BENCH_PERSONS picks the scale
## of the PostgreSQL bench database (generated once by generate_synthetic, then reused);
## results go to bench/results/, `$(PY) -m bench.report` prints the table of docs/performance.md.
BENCH_PERSONS ?= 100000
BENCH_PG      ?= postgres://jiedu:jiedu@127.0.0.1:5432
BENCH_STAMP   := $(VENV)/.bench-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP)
	$(VENV)/bin/pip install --quiet -e ".[dev,bench]"
	rm -f $(VENV)/.bench-*
	touch $(BENCH_STAMP)

bench: setup $(BENCH_STAMP)
	JIEDU_ENV=development $(PY) -m bench.run
	BENCH_PG=$(BENCH_PG) $(PY) -m bench.dashboards --persons $(BENCH_PERSONS)
	BENCH_PG=$(BENCH_PG) $(PY) -m bench.checkins --persons $(BENCH_PERSONS)
	BENCH_PG=$(BENCH_PG) $(PY) -m bench.imports --persons $(BENCH_PERSONS)
	$(PY) -m bench.report

clean:
	rm -rf $(VENV) var/test-media test-artifacts
