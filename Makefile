# Two commands on a fresh clone: `make run` and `make test`. Only python3 is needed (`make test` also
# needs Debian's chromium and Java, and installs them with apt-get when it may: see `test-tools`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app.py

.PHONY: run test test-tools format translations messages install install-dev clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# Compiled catalogs are build output, made from the .po files we keep in git.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations >/dev/null

# `flask run` serves FLASK_RUN_PORT, and the development config builds mailed links on it unless
# BASE_URL is set (marketplace/config.py), so `PORT=8000 make run` mails links to port 8000.
run: export FLASK_RUN_PORT = $(PORT)
run: install
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The browser journeys drive Debian's chromium at /usr/bin/chromium, and check each page's HTML with the
# Nu HTML checker on Java: install what is missing (apt-get, as root), or stop before any test with one
# line saying what to install.
test-tools:
	@bash scripts/ensure-test-tools.sh

test: test-tools install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q $(PYTEST_ARGS)

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract the strings and merge them into both catalogs (then fill in the new entries).
messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/python scripts/fill_english_catalog.py

clean:
	rm -rf $(VENV) .pytest_cache
