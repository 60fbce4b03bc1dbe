# The two commands: `make run` and `make test`. Everything else helps them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint template bench clean-data help browser

help:
	@echo "make run    - start the local stack (site + API + local AWS) with a demo tenant"
	@echo "make test   - run every test"
	@echo "make browser - install Debian's chromium for the site's tests (make test does it)"
	@echo "make lint   - ruff and mypy"
	@echo "make template - generate and lint the cloud template into build/"
	@echo "make bench  - run the benchmarks in bench/"

$(STAMP): requirements.txt requirements-dev.txt layers/documents/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m infrastructure.local

# The site's tests drive Debian's Chromium (Playwright's own browser download does not work here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null 2>&1; then apt-get update && apt-get install -y chromium; \
	  else echo "make browser: no apt-get here; install Chromium as /usr/bin/chromium for the site's tests"; fi; \
	fi

test: $(STAMP) browser
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

template: $(STAMP)
	$(PY) -m infrastructure.template --stage dev --out build/ --lint

bench: $(STAMP)
	$(PY) -m bench

clean-data:
	rm -rf .local-data
