# The two commands: `make demo` and `make test`. Both need only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SERVICES := $(BIN)/python -m wellbeing.embedded run --
PYTEST_ARGS ?=
# Test processes (pytest-xdist): each has its own test database, cache prefix and Celery queue.
# PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2

.PHONY: bench-submissions bench-release bench-dashboards bench-report install test demo totp stop migrate lint messages assets

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(SERVICES) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

demo: $(STAMP)
	$(SERVICES) $(BIN)/python manage.py demo

# The demo's current TOTP codes: `make totp`, or `make totp EMAIL=school_lead@demo.staffwell.test`.
# Only an EMAIL given on the command line counts (many shells export their own EMAIL).
totp: $(STAMP)
	@$(BIN)/python manage.py demo_totp $(if $(filter command line,$(origin EMAIL)),$(EMAIL))

migrate: $(STAMP)
	$(SERVICES) $(BIN)/python manage.py migrate --database owner

stop:
	@test -x $(BIN)/python && $(BIN)/python -m wellbeing.embedded down || true

bench-submissions: $(STAMP)
	$(SERVICES) $(BIN)/python bench/bench_submissions.py

bench-release: $(STAMP)
	$(SERVICES) $(BIN)/python bench/bench_release.py

bench-dashboards: $(STAMP)
	$(SERVICES) $(BIN)/python bench/bench_dashboards.py

bench-report: $(STAMP)
	$(SERVICES) $(BIN)/python bench/bench_report.py

lint: $(STAMP)
	$(BIN)/ruff check .

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l fr -l cy --ignore=.venv --ignore=.local --ignore=node_modules --ignore=frontend
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Front-end files are built from npm packages and committed under static/: only this target needs
# node and npm; `make test` and `make demo` use the committed files.
assets:
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund && npm run build
