# The two commands of the README:
#   make demo   sets everything up on SQLite and starts a chat with the bot in this terminal, the staff console
#               beside it on http://127.0.0.1:8080/ (WEB_PORT; the demo accounts are printed once)
#   make test   sets everything up (Python, npm, PostgreSQL, Rasa) and runs the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test bench catalogs extract clean

$(BIN)/lahitori: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package-lock.json bot/web/editor/editor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

setup: $(BIN)/lahitori catalogs
	@if [ -f package-lock.json ]; then $(MAKE) --no-print-directory node_modules/.package-lock.json; fi
	$(BIN)/lahitori nlu train >/dev/null

demo: setup
	$(BIN)/lahitori demo
	$(BIN)/lahitori chat --console

test: setup
	bash scripts/test

bench: setup
	$(BIN)/python benchmarks/engine_bench.py

# Translations: extract system strings from the code, merge into fi/sv catalogs, compile.
extract:
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output --omit-header -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

catalogs:
	$(BIN)/pybabel compile -d locales -D messages --statistics

clean:
	rm -rf $(VENV) node_modules .rasa nlu/models
