# The two commands a newcomer needs: `make run` and `make test`.
# Everything they need is installed here; nothing is assumed from a previous run.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install install-dev system-test-deps translations migrate seed serve lint bench clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files: reinstall only when the pinned requirements change.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

translations: install
	$(FLASK) translate compile

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

# Serves on http://127.0.0.1:5000 with the scheduler beside it as its own
# process (web workers never run jobs).
run: translations seed
	@echo "Incubator: http://127.0.0.1:5000  (demo accounts in README.md)"
	@$(BIN)/python -m incubator.devserver

# Browser tests need Debian's Chromium and a CJK font; install them when missing,
# and fail loudly when that is impossible.
system-test-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
	  echo "Installing chromium and fonts-wqy-microhei for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) \
	    || { echo "ERROR: could not install chromium; browser tests cannot run." >&2; exit 1; }; \
	fi
	@command -v chromium >/dev/null || { echo "ERROR: /usr/bin/chromium is missing." >&2; exit 1; }

lint: install-dev
	$(BIN)/ruff check incubator tests $(wildcard bench)

# The whole suite on SQLite; then the database tests again on PostgreSQL when
# TEST_DATABASE_URL is set (.ci/run sets it).
test: install-dev system-test-deps translations lint
	$(BIN)/pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== database tests on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  $(BIN)/pytest -q -m "not browser" --database-url "$$TEST_DATABASE_URL"; \
	else echo "TEST_DATABASE_URL is not set: PostgreSQL run skipped."; fi

# Load benchmark (README, "Performance"): BENCH_ARGS="--scale small" for a quick run.
bench: install-dev translations
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) \
	  || { echo "ERROR: could not install wrk." >&2; exit 1; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean-db:
	rm -f instance/incubator.sqlite instance/incubator.sqlite-wal instance/incubator.sqlite-shm
