# SmartCustoms — the two set-up commands are `make run` and `make test`.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
ASSETS  := node_modules/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
RATE    ?= 0.5

.PHONY: install run test lint bench clean evaluate-hs

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

install: $(STAMP) $(ASSETS)

## make run: install, migrate the embedded database, load reference and demo data (a compact imaging model is
## trained once, about a minute), start the app + port simulator
run: install
	$(BIN)/smartcustoms db upgrade
	$(BIN)/smartcustoms reference load
	$(BIN)/smartcustoms imaging train --scans 120 --test 30 --if-missing
	$(BIN)/smartcustoms demo load
	$(BIN)/smartcustoms serve --host $(HOST) --port $(PORT) --simulate --rate $(RATE)

## make test: the whole suite (SQLite always; PostgreSQL and Mosquitto when reachable, required under CI=true)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## make evaluate-hs: install the optional [embeddings] extra and print the HS classification comparison
evaluate-hs: install
	$(BIN)/pip install -q -e '.[dev,embeddings]'
	$(BIN)/smartcustoms classification evaluate

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules data
