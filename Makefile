# Set-up is part of every target: a fresh machine needs only python3 (with venv) and make.
VENV   ?= .venv
PY     := $(VENV)/bin/python
ES     := $(VENV)/bin/enforce-share
DEMO   ?= .demo/federation
RECORDS ?= 3000
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run stop status test test-slow lint bench clean assets

WEB    := enforce_share/web
ASSETS := $(WEB)/static/vendor/.built

$(VENV)/.installed: setup.cfg pyproject.toml
	@# Debian packages, only when missing: Pango and HarfBuzz's subsetter (WeasyPrint lays out
	@# PDF briefs with them; the subsetter embeds fonts the same way each time) and
	@# poppler-utils (pdftoppm, pdftotext: the brief tests read PDFs as a person would).
	@# Chromium: the web interface's tests drive Debian's build with Playwright (never a
	@# browser build of Playwright's own).
	@if ! command -v pdftoppm >/dev/null || ! ldconfig -p | grep -q 'libpangoft2-1.0.so' \
	    || ! ldconfig -p | grep -q 'libharfbuzz-subset.so' || ! test -x /usr/bin/chromium; then \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils \
	    chromium; fi
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## assets: the web interface's JavaScript libraries, pinned by $(WEB)/package-lock.json, from
## the npm registry into $(WEB)/static/vendor/ (git-ignored): the node serves them itself
assets: $(ASSETS)

$(ASSETS): $(WEB)/package.json $(WEB)/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends npm; fi
	npm ci --prefix $(WEB) --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(WEB)/static/vendor
	cp $(WEB)/node_modules/htmx.org/dist/htmx.min.js $(WEB)/node_modules/cytoscape/dist/cytoscape.min.js \
	   $(WEB)/node_modules/cytoscape-svg/cytoscape-svg.js $(WEB)/node_modules/chart.js/dist/chart.umd.min.js \
	   $(WEB)/static/vendor/
	for package in htmx.org cytoscape cytoscape-svg chart.js; do \
	  cp $(WEB)/node_modules/$$package/LICENSE* $(WEB)/static/vendor/$$package.LICENSE; done
	touch $@

## run: the demo federation: five nodes (USA, GBR, CAN, AUS, NZL) on 127.0.0.1:8101-8105,
## each with embedded SQLite, its own keys and sample records, syncing; prints the status table
run: $(VENV)/.installed $(ASSETS)
	$(ES) federation up --dir $(DEMO) --records $(RECORDS)

stop: $(VENV)/.installed
	$(ES) federation down --dir $(DEMO)

status: $(VENV)/.installed
	$(ES) federation status --dir $(DEMO)

## test: lint, then the suite but its `slow` tests, on SQLite and PostgreSQL (127.0.0.1:5432,
## database test), one process per core (pytest-xdist; TEST_WORKERS=0 runs it in one);
## test-slow: the `slow` tests alone (real processes, second-database runs); CI runs both
TEST_WORKERS ?= auto
test: $(VENV)/.installed $(ASSETS) lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m "not slow"

test-slow: $(VENV)/.installed $(ASSETS)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m slow

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed $(ASSETS)
	$(PY) bench/ingest.py --quick
	$(PY) bench/sync.py --quick
	$(PY) bench/search.py --quick
	$(PY) bench/resolve.py --quick
	$(PY) bench/screening.py --quick
	$(PY) bench/graph.py --quick
	$(PY) bench/screen.py --quick
	$(PY) bench/flood.py --quick
	$(PY) bench/load.py --quick
	$(PY) bench/web.py --quick

clean: stop
	rm -rf $(VENV) .demo $(WEB)/node_modules $(WEB)/static/vendor
