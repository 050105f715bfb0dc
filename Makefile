# Two commands: `make run` and `make test`. Everything else supports them.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
PORT ?= 8000
# Links printed by `make run` (demo logins, invitation links) use the port it serves on.
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: install run test lint migrate demo content css messages lock

# Installs exactly what CI tested: every package pinned and hashed in requirements.lock.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Compiles locale/*/LC_MESSAGES/*.po into .mo (needs gettext's msgfmt). The
# .mo files are committed too, so a machine without gettext still runs.
messages: install
	if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var; else echo "msgfmt not found (apt-get install gettext): using the committed .mo files"; fi

migrate: install messages
	mkdir -p var/broker/queue var/broker/processed var/broker/control var/exports
	$(BIN)/python manage.py migrate --noinput

content: migrate
	$(BIN)/python manage.py load_content

demo: content
	$(BIN)/python manage.py demo

# Ctrl-C stops web, worker and beat. The trap keeps the recipe's shell alive
# through Ctrl-C, and honcho's exit status 130 counts as a normal stop.
run: demo
	trap true INT; TANDEM_PORT=$(PORT) $(BIN)/honcho -f Procfile start || [ $$? -eq 130 ]

# In parallel processes (pytest-xdist), each with its own test database and Redis
# database; TEST_PROCESSES=0 runs in this process.
TEST_PROCESSES ?= auto
test: install messages
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/djlint templates --lint

# Rebuilds static/css/app.css from frontend/ (needs Node; the output is committed).
css:
	cd frontend && ./build.sh

# After changing a pin in pyproject.toml: rebuild both lock files (needs PyPI).
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements-production.lock
