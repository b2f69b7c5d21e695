# The two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON_BOOT ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CHROMIUM := /usr/lib/chromium/chromium
APT_GET := $(shell command -v apt-get 2>/dev/null)
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

# One pytest worker per CPU: the suite (two databases in CI) stays well inside CI's time limit.
# Each worker gets its own test database; `make test PYTEST_ARGS=...` runs it any other way.
PYTEST_ARGS ?= -n auto

.PHONY: run test install install-dev messages fonts browser lint security audit worker beat serve migrate seed lock makemessages clean bench

run: install messages fonts migrate seed serve

$(PY):
	@$(PYTHON_BOOT) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.installed-dev: requirements/dev.txt requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/dev.txt
	$(PY) -m pip check
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# gettext's msgfmt compiles the catalogs; install it where it is missing.
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { [ -n "$(APT_GET)" ] && $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq gettext; }
	$(PY) manage.py compilemessages --ignore=.venv -v0

# The CJK font service-certificate PDFs are set in (settings.CERTIFICATE_FONT).
fonts:
	@fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || { [ -n "$(APT_GET)" ] && $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; }

# Debian's Chromium (+ CJK fonts) for the browser tests: Playwright cannot download its own here.
browser:
	@if [ ! -x $(CHROMIUM) ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# axe-core (the accessibility checker the browser tests inject into pages), pinned in package-lock.json.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

seed: $(VENV)/.installed
	$(PY) manage.py seed_demo

serve: $(VENV)/.installed
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Static security analysis of the application code: medium and high findings fail the build.
security: $(VENV)/.installed-dev
	$(BIN)/bandit -c pyproject.toml -r charity volunteers cms config -ll -q

# Known vulnerabilities in the pinned dependencies. Needs network access to the PyPI and OSV
# vulnerability services, so it is not part of `make test`; run it before a release.
audit: $(VENV)/.installed-dev
	$(BIN)/pip-audit --strict --disable-pip --no-deps -r requirements/base.txt -r requirements/dev.txt

test: install-dev messages fonts browser lint security node_modules/axe-core/axe.min.js
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check --fail-level WARNING
	$(BIN)/pytest $(PYTEST_ARGS)

# Production-style processes, against this machine's Redis unless REDIS_URL says otherwise.
worker beat: export REDIS_URL ?= redis://127.0.0.1:6379/0
worker: $(VENV)/.installed
	$(BIN)/celery -A config worker --loglevel=INFO

beat: $(VENV)/.installed
	$(BIN)/celery -A config beat --loglevel=INFO

# Speed checks, printed as figures (not run by `make test`): PostgreSQL and Redis on this machine, wrk.
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { [ -n "$(APT_GET)" ] && $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	$(PY) bench/pages.py $(BENCH_ARGS)
	$(PY) bench/webhooks.py
	$(PY) bench/import.py
	$(PY) bench/matching.py
	$(PY) bench/load.py

EN_CATALOG := locale/en/LC_MESSAGES/django.po
makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --no-obsolete --add-location=file
	@# English is the source language: each English entry is its own msgid (a fuzzy guess is wrong).
	msgattrib --clear-fuzzy --empty -o $(EN_CATALOG) $(EN_CATALOG)
	msgen -o $(EN_CATALOG) $(EN_CATALOG)

lock:
	rm -rf /tmp/shanxin-lock && $(PYTHON_BOOT) -m venv /tmp/shanxin-lock
	/tmp/shanxin-lock/bin/pip install --quiet -r requirements/base.in
	( echo '# Exact pins of requirements/base.in and everything it pulls in. Regenerate with `make lock`.'; \
	  /tmp/shanxin-lock/bin/pip freeze --exclude pip --exclude setuptools ) > requirements/base.txt
	/tmp/shanxin-lock/bin/pip install --quiet -r requirements/dev.in
	( echo '# Exact pins of requirements/dev.in on top of base.txt. Regenerate with `make lock`.'; echo '-r base.txt'; \
	  /tmp/shanxin-lock/bin/pip freeze --exclude pip --exclude setuptools | grep -vxF -f requirements/base.txt ) > requirements/dev.txt

clean:
	rm -rf $(VENV) node_modules staticfiles .test-db* .test-media
