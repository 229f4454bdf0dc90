# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := fonds.settings

.PHONY: run test install bench bench-export messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . --group test
	touch $@

install: $(VENV)/.installed

# The task worker (mails, imports, reports) runs beside the web server and stops with it.
# No worker runs before it starts, so whatever a killed one left RUNNING is queued again.
# The worker also runs the daily check of payment reminders (queued once, it queues itself anew).
run: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=true $(BIN)/python manage.py load_reference_data
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo_data
	DJANGO_DEBUG=true $(BIN)/python manage.py reset_stale_tasks --minutes 0
	DJANGO_DEBUG=true $(BIN)/python manage.py send_reminders --daily
	DJANGO_DEBUG=true $(BIN)/python manage.py db_worker --queue-name '*' --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# The tests run without DEBUG, as production does, with a key of their own (tests/secret_key.py);
# makemigrations signs nothing and runs on a key of the moment (manage.py).
test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
