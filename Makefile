# backoffice — `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test e2e bench translations messages migrate clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed (found %s); set PYTHON=python3.11" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile --statistics -f -d backoffice/translations >/dev/null 2>&1 || $(VENV)/bin/pybabel compile -f -d backoffice/translations

# Re-extract the English source strings and merge them into each language's catalogue.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=.venv -o backoffice/translations/messages.pot .
	$(VENV)/bin/pybabel update -i backoffice/translations/messages.pot -d backoffice/translations

migrate: install
	$(FLASK) db upgrade

run: migrate
	$(FLASK) seed-demo --if-empty
	@echo "Serving http://$(HOST):$(PORT)  (Ctrl-C stops)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/e2e tests

e2e: install
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e

bench: install
	$(PY) -m bench.run
	$(PY) -m bench.history
	$(PY) -m bench.sharing

clean:
	rm -rf $(VENV) instance .pytest_cache
