# Budget Portal. `make run` serves the app with the seed data (and a jobs worker); `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install install-test serve bench bandit clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The background jobs' worker runs beside the server and stops with it (Ctrl-C stops both).
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo --demo-users
	@DEBUG=1 $(PY) manage.py jobs_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: install-test
	@[ -x /usr/bin/chromium ] || echo "*** Chromium not found at /usr/bin/chromium: browser journeys NOT run (see tests/browser/) ***"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# ruff on the whole project; mypy (django-stubs) on the modules listed in pyproject.toml.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Production: gunicorn, DEBUG off, static files collected for WhiteNoise, migrations
# applied. Every environment variable is documented in README, "Running in production".
WEB_CONCURRENCY ?= 3
serve: install
	@[ -n "$$SECRET_KEY" ] || { echo "make serve: set SECRET_KEY (50+ random characters; see README, 'Running in production')" >&2; exit 1; }
	@[ -n "$$ALLOWED_HOSTS" ] || { echo "make serve: set ALLOWED_HOSTS (the host names the service answers to, comma-separated)" >&2; exit 1; }
	DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py check --deploy
	DEBUG=0 $(VENV)/bin/gunicorn budget_portal.wsgi:application \
		--bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY) \
		--timeout 60 --graceful-timeout 30 --max-requests 2000 --max-requests-jitter 200 \
		--forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1,::1}" \
		--access-logfile - --error-logfile - --log-level info

# Benchmarks (bench/run.py) on PostgreSQL: rebuilds the database named in DATABASE_URL
# (its name must contain "bench"), at the small and the national size, and writes
# bench/results/latest.json. BENCH_SKIP_NATIONAL=1 runs the small size only.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/budget_portal_bench
bench: install
	@pg_isready -h 127.0.0.1 -p 5432 -q || { pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql)" main start; \
		for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; }
	@command -v wrk >/dev/null 2>&1 || echo "*** wrk not found: the throughput figures will be reported as missing ***"
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" $(PY) -m bench.run

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
