# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: install run test test-fast browser clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-test.txt
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

# The portal on http://127.0.0.1:8000 with a Celery worker, beat and the audit sequencer beside it; Ctrl-C stops all four.
# The key store (var/keystore.sqlite3, or VRM_KEYSTORE_URL) is migrated first: moving keys into it needs its table.
run: install
	DEBUG=1 $(PY) manage.py migrate --database keystore --noinput
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	@mkdir -p var
	DEBUG=1 $(BIN)/supervisord -c supervisord.conf

# Portal tests drive Debian's Chromium; install it when missing and we may (root), never a browser download.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null; \
	  else echo "Install Debian's chromium and chromium-driver (sudo apt-get install chromium chromium-driver)" >&2; exit 1; fi; \
	fi

# Every test, as CI runs it. With DATABASE_URL / VRM_KEYSTORE_URL / CELERY_BROKER_URL / CACHE_URL set, on those
# servers. Unit and browser tests spread over the cores (pytest-xdist: each worker has its own test databases, key
# store database and Celery queue); the integration tests (Celery workers, restarted servers, load) run one at a
# time after them, since they measure behaviour under the load they make themselves.
PARALLEL ?= auto
test: install browser
	$(BIN)/pytest -n $(PARALLEL) -m "not integration"
	$(BIN)/pytest -m integration

# The inner loop: no browser, no integration tests (no worker processes, no server restarts), spread over the cores.
test-fast: install
	$(BIN)/pytest -n $(PARALLEL) -m "not e2e and not integration"

clean:
	rm -rf $(VENV) var staticfiles

# Benchmarks (bench/, README "Performance"): each starts what it needs on PostgreSQL 127.0.0.1:5432
# (its own databases vrm_bench and vrm_bench_keystore for the key store, re-created each run; BENCH_DATABASE_URL and
# BENCH_KEYSTORE_URL to change), prints a table, asserts nothing timed.
.PHONY: bench bench-read bench-profile bench-grants bench-rotation bench-audit bench-purge bench-expiry bench-dashboard
bench-read: install
	$(PY) -m bench.read_path
bench-profile: install
	$(PY) -m bench.profile_read_path
bench-grants: install
	$(PY) -m bench.grant_decision
bench-rotation: install
	$(PY) -m bench.key_rotation
bench-audit: install
	$(PY) -m bench.audit_log
bench-purge: install
	$(PY) -m bench.retention_purge
bench-expiry: install
	$(PY) -m bench.grant_expiry
bench-dashboard: install
	$(PY) -m bench.dashboard
bench: bench-read bench-grants bench-rotation bench-audit bench-purge bench-expiry bench-dashboard
