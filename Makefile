# promoflow: `make run` runs the engine, `make test` runs every test. Both set up what
# they need first (virtualenv, pinned packages); nothing is installed by hand.
SHELL   := /bin/bash
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install run test test-fast lint bench rebuild lock clean chromium

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.lock
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m stack.run

# Every test: domain units, storage on a real PostgreSQL, workflows on real Temporal
# servers (time-skipping and dev), the HTTP API end to end, the calendar in Chromium.
test: install chromium lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (style, imports, bugbear, pyupgrade) and mypy (--check-untyped-defs), configured in pyproject.toml.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test-fast: install
	$(BIN)/python -m pytest tests/domain $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run

# Rebuild every projection from the event log (DATABASE_URL, or the embedded one).
rebuild: install
	$(BIN)/python -m stack.rebuild

# Browser tests use Debian's Chromium; install it when missing (CI runs as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium install failed: browser tests will say so"; \
	  else echo "chromium missing and not root: browser tests will be skipped with a message"; fi; }

# Runtime tree from a scratch venv (what the image installs); the rest of .venv is dev.
# Transitive packages stay at the versions .venv runs (scripts/deps.py constraints), so a
# lock changes only what pyproject.toml changed; LOCK_FRESH=1 lets them move to the newest.
lock:
	rm -rf .lockvenv && $(PY) -m venv .lockvenv
	$(BIN)/pip freeze --exclude-editable > .lockvenv/constraints.txt
	.lockvenv/bin/pip install --disable-pip-version-check -q $$($(PY) scripts/deps.py runtime) \
	  $(if $(LOCK_FRESH),,-c <($(PY) scripts/deps.py constraints .lockvenv/constraints.txt))
	{ echo "# Runtime packages (the production image): pinned whole tree. make lock regenerates."; \
	  .lockvenv/bin/pip freeze --exclude-editable; } > requirements.lock
	{ echo "# Development: the embedded servers (make run), tests and lint, on top of requirements.lock."; \
	  echo "-r requirements.lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -v -i -x -F -f <(.lockvenv/bin/pip freeze --exclude-editable); } > requirements-dev.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV)
