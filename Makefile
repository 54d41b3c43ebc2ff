# Set-up is part of every target: a fresh machine needs only python3 (with venv) and make.
VENV   ?= .venv
PY     := $(VENV)/bin/python
ES     := $(VENV)/bin/enforce-share
DEMO   ?= .demo/GBR
PORT   ?= 8100
RECORDS ?= 3000

.PHONY: run test lint bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## run: a GBR node on embedded SQLite with keys and generated sample records, on 127.0.0.1:$(PORT)
run: $(VENV)/.installed
	@test -f $(DEMO)/node.toml || $(ES) --data-dir $(DEMO) init --agency GBR
	@test -f $(DEMO)/scenario.jsonl || \
	  $(ES) generate --records $(RECORDS) --seed 7 --out $(DEMO)/scenario.jsonl
	$(ES) --data-dir $(DEMO) record load $(DEMO)/scenario.jsonl
	$(ES) --data-dir $(DEMO) serve --port $(PORT)

## test: lint, then the whole suite on SQLite and PostgreSQL (127.0.0.1:5432, database test)
test: $(VENV)/.installed lint
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed
	$(PY) bench/ingest.py --quick

clean:
	rm -rf $(VENV) .demo
