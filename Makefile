# elearn: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs every suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RALPH  := $(VENV)/ralph/.installed
PYTEST_WORKERS ?= 2

.PHONY: install run test lint serve bench clean translations static

install: $(STAMP)

# Installs exactly the versions CI tested (constraints.txt); reruns only when they change.
$(STAMP): setup.cfg pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("elearn needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/flask --app elearn db upgrade
	$(BIN)/flask --app elearn seed-demo --if-empty
	$(BIN)/flask --app elearn run --host 127.0.0.1 --port 5000

# Languages (docs/pages.md): extract every marked string into messages.pot, merge
# it into each catalog (elearn/translations/<lang>/LC_MESSAGES/messages.po), compile the
# .mo files the app reads. Translate the new and fuzzy entries, then run it again; the
# compiled .mo files are committed, and a test fails when one is behind its .po.
TRANSLATIONS := elearn/translations

translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext --no-location --sort-output \
		--project elearn --copyright-holder "elearn" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

# Static files compressed ahead of time (elearn/web/static_files.py): a .gz and a .br beside
# each file that compresses. Run it after changing anything under static/; the compressed
# copies are committed, and a test fails when one is behind its file.
static: install
	find static -name '*.gz' -delete -o -name '*.br' -delete
	$(BIN)/python -m whitenoise.compress -q static

# Production server (gunicorn.conf.py): needs SECRET_KEY; DATABASE_URL/REDIS_URL as configured.
# With REDIS_URL, run `.venv/bin/flask --app elearn worker` beside it (same environment):
# it sends email, reminders and digests (docs/operations.md, "Background jobs and email").
serve: install
	$(BIN)/flask --app elearn db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# SQLite always; PostgreSQL, Redis and browser suites when TEST_DATABASE_URL, REDIS_URL
# and /usr/bin/chromium are there (ELEARN_TEST_REQUIRE makes their absence a failure).
test: install $(RALPH)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Ralph, the Learning Record Store the xAPI tests send statements to, in a venv of its own
# (its pins differ from elearn's).
$(RALPH): tests/xapi/ralph-requirements.txt
	test -x $(VENV)/ralph/bin/python || $(PYTHON) -m venv $(VENV)/ralph
	$(VENV)/ralph/bin/python -m pip install --quiet --disable-pip-version-check -r tests/xapi/ralph-requirements.txt
	touch $(RALPH)

# Style (ruff) and the layering of the packages (import-linter; contracts in setup.cfg).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The benchmark suite (benchmarks/README.md): starts PostgreSQL and Redis if they
# are not running, installs wrk if missing, generates the 200,000-student database
# elearn_bench on first use, and measures the production server. About 15 minutes.
# SCALE=large: the 1.6 M-student database elearn_bench_large (10 M progress records).
SCALE ?= standard
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	bash benchmarks/services.sh
	BENCH_SCALE=$(SCALE) $(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache tests/screenshots
