# backoffice — `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
# make serve: gunicorn with several workers (gunicorn.conf.py) on DATABASE_URL, throttling counted in Redis.
WORKERS ?= 4
SERVE_PORT ?= 8000
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run serve worker test e2e bench bench-data bench-reuse bench-smoke bench-load bench-import translations messages migrate clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed (found %s); set PYTHON=python3.11" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
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

# The development server with a worker thread beside it consuming the background queue (register imports, the
# outbox every minute): the SQLite file instance/queue.sqlite3, or the Redis at REDIS_URL when it is set.
run: migrate
	$(FLASK) seed-demo --if-empty
	@echo "Serving http://$(HOST):$(PORT) with a background worker  (Ctrl-C stops)"
	$(FLASK) run-with-worker --host $(HOST) --port $(PORT)

# Several app servers: gunicorn's workers share the database (DATABASE_URL: PostgreSQL for real use) and
# the sign-in throttling counters in Redis (REDIS_URL). See README.md, "Production".
serve: migrate
	@echo "Serving http://$(HOST):$(SERVE_PORT) with $(WORKERS) gunicorn workers, rate limits in $(REDIS_URL)  (Ctrl-C stops)"
	HOST=$(HOST) PORT=$(SERVE_PORT) WORKERS=$(WORKERS) REDIS_URL=$(REDIS_URL) $(VENV)/bin/gunicorn --config gunicorn.conf.py

# A worker process consuming the background queue (beside make serve: the Redis at REDIS_URL; run as many as
# wanted, on any machine that reaches the Redis and the database). See README.md, "Background jobs".
WORKER_THREADS ?= 2
worker: migrate
	REDIS_URL=$(REDIS_URL) $(FLASK) worker --threads $(WORKER_THREADS)

test: install
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/e2e tests

e2e: install
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e

bench: install
	$(PY) -m bench.run
	$(PY) -m bench.lists
	$(PY) -m bench.history
	$(PY) -m bench.sharing
	$(PY) -m bench.export

# The customers list's data at scale, generated once and kept (schema bench_customers of DATABASE_URL, PostgreSQL):
# make bench-data N=1000000 (a few minutes), then make bench-reuse measures it as often as wanted.
N ?= 1000000
bench-data: install
	$(PY) -m bench.run --customers $(N) --fill-only

bench-reuse: install
	$(PY) -m bench.run --reuse
	$(PY) -m bench.lists --reuse
	$(PY) -m bench.export --reuse

# The load test (bench/load.py): 50 signed-in users for 60 s against gunicorn with 4 workers on PostgreSQL
# (DATABASE_URL), throttling in Redis (REDIS_URL); CUSTOMERS=1000000 for the issue's figure.
CUSTOMERS ?= 100000
bench-load: install
	REDIS_URL=$(REDIS_URL) $(PY) -m bench.load --customers $(CUSTOMERS) --users 50 --seconds 60 --workers $(WORKERS)

# The register import (bench/imports.py, issue 13): 100,000-row files of seed 003's four columns and of our export's
# columns into an empty register on SQLite and on PostgreSQL (DATABASE_URL), beside django-import-export in a
# throw-away virtual environment. Long (many minutes per case until the batched path): IMPORT_ARGS adds options,
# e.g. IMPORT_ARGS='--full-rows 20000 --into-schema bench_customers --into-rows 20000' (make bench-data's million,
# rolled back).
IMPORT_ARGS ?=
bench-import: install
	$(PY) -m bench.imports --peer $(IMPORT_ARGS)

# CI: every benchmark once at 10,000 rows (the import at 200), one run per case, nothing timed against a target or written to
# bench/README.md: they keep working (bench.run has no --smoke of its own: its options do the same).
bench-smoke: install
	$(PY) -m bench.run --customers 10000 --runs 1 --no-readme >/dev/null
	$(PY) -m bench.lists --smoke
	$(PY) -m bench.history --smoke
	$(PY) -m bench.sharing --smoke
	$(PY) -m bench.export --smoke
	$(PY) -m bench.imports --smoke
	REDIS_URL=$(REDIS_URL) $(PY) -m bench.load --smoke

clean:
	rm -rf $(VENV) instance .pytest_cache
