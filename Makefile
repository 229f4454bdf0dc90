# The commands of the README: `make run`, `make reset-demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := fonds.settings

.PHONY: data run reset-demo test install bench bench-export messages

# Python 3.12 or newer: `python3` (with pyenv, .python-version makes it 3.12), or PYTHON=python3.12.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { \
	  echo "Python 3.12 or newer is needed; $(PYTHON) is $$($(PYTHON) --version 2>/dev/null || echo not found)." \
	    "Install it and run: PYTHON=python3.12 make run" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . --group test
	touch $@

install: $(VENV)/.installed

# The database with the reference data and (once) the demo; the demo's files for people to use
# (finance's practice statement, the city's receipt link) go to demo/.
data: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=true $(BIN)/python manage.py load_reference_data
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo_data --folder demo

# The task worker (mails, imports, reports) runs beside the web server and stops with it.
# No worker runs before it starts, so whatever a killed one left RUNNING is queued again.
# The worker also runs the daily check of payment reminders (queued once, it queues itself anew).
run: data
	DJANGO_DEBUG=true $(BIN)/python manage.py reset_stale_tasks --minutes 0
	DJANGO_DEBUG=true $(BIN)/python manage.py send_reminders --daily
	DJANGO_DEBUG=true $(BIN)/python manage.py db_worker --queue-name '*' --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# The demo afresh: the embedded SQLite database, the uploads (media/) and demo/ go, and the data
# is loaded anew, dated from today. Not for a DATABASE_URL: that database is someone's to drop.
reset-demo:
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "reset-demo removes the embedded SQLite database (db.sqlite3) only, and DATABASE_URL is set." \
	    "Nothing was removed." >&2; exit 1; fi
	rm -f db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm
	rm -rf demo media
	$(MAKE) --no-print-directory data

# The tests run without DEBUG, as production does, with a key of their own (tests/secret_key.py);
# makemigrations signs nothing and runs on a key of the moment (manage.py).
# pytest-xdist runs them on every core (PYTEST_WORKERS=auto), each worker with a test database of its
# own; each starts on its share of the suite, in order, and one that is done takes over half of what
# another has left (worksteal). PYTEST_WORKERS=0 runs them in this process. PYTEST_ARGS adds to
# pytest's arguments (a file, -k, -x).
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/ledger.py

# The export bench also runs the contenders of the `bench` group (django-import-export, xlsxwriter).
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e . --group bench
	touch $@

bench-export: install $(VENV)/.bench-installed
	$(BIN)/python bench/export.py

messages: install
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l nl -l uk --no-obsolete --no-location --ignore ".venv/*" --ignore "bench/*" --ignore "tests/*" --ignore "docs/*"
	DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages -l nl -l uk --ignore ".venv/*"
