# Set-up is part of every target: a fresh machine needs only python3 (with venv) and make.
VENV   ?= .venv
PY     := $(VENV)/bin/python
ES     := $(VENV)/bin/enforce-share
DEMO   ?= .demo/federation
RECORDS ?= 3000
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run stop status test test-slow lint bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	@# Debian packages, only when missing: Pango and HarfBuzz's subsetter (WeasyPrint lays out
	@# PDF briefs with them; the subsetter embeds fonts the same way each time) and
	@# poppler-utils (pdftoppm, pdftotext: the brief tests read PDFs as a person would).
	@if ! command -v pdftoppm >/dev/null || ! ldconfig -p | grep -q 'libpangoft2-1.0.so' \
	    || ! ldconfig -p | grep -q 'libharfbuzz-subset.so'; then \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils; fi
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## run: the demo federation: five nodes (USA, GBR, CAN, AUS, NZL) on 127.0.0.1:8101-8105,
## each with embedded SQLite, its own keys and sample records, syncing; prints the status table
run: $(VENV)/.installed
	$(ES) federation up --dir $(DEMO) --records $(RECORDS)

stop: $(VENV)/.installed
	$(ES) federation down --dir $(DEMO)

status: $(VENV)/.installed
	$(ES) federation status --dir $(DEMO)

## test: lint, then the suite but its `slow` tests, on SQLite and PostgreSQL (127.0.0.1:5432,
## database test), one process per core (pytest-xdist; TEST_WORKERS=0 runs it in one);
## test-slow: the `slow` tests alone (real processes, second-database runs); CI runs both
TEST_WORKERS ?= auto
test: $(VENV)/.installed lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m "not slow"

test-slow: $(VENV)/.installed
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m slow

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed
	$(PY) bench/ingest.py --quick
	$(PY) bench/sync.py --quick
	$(PY) bench/search.py --quick
	$(PY) bench/resolve.py --quick
	$(PY) bench/screening.py --quick
	$(PY) bench/graph.py --quick
	$(PY) bench/screen.py --quick
	$(PY) bench/flood.py --quick
	$(PY) bench/load.py --quick

clean: stop
	rm -rf $(VENV) .demo
