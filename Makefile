# The two commands of the README: `make run` and `make test`. Everything they need is
# installed by these rules (Python packages into .venv; system packages via apt as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Japanese fonts and HarfBuzz subsetting for PDFs (shared/PDF.md), Chromium for browser tests,
# LibreOffice to open the CSV exports as a spreadsheet user would.
RUN_APT := fonts-ipaexfont-mincho fonts-ipaexfont-gothic libharfbuzz-subset0 fontconfig
TEST_APT := $(RUN_APT) chromium poppler-utils libreoffice-calc-nogui

.PHONY: run test lint bench install install-test sysdeps-run sysdeps-test migrate seed lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

sysdeps-run:
	@bash scripts/sysdeps.sh warn $(RUN_APT)

sysdeps-test:
	@bash scripts/sysdeps.sh require $(TEST_APT)

migrate: install
	@mkdir -p var
	DEBUG=true $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=true TASKS_BACKEND=immediate $(BIN)/python manage.py seed_demo

# Jobs (e-mail, big reports) run inside the request here: no worker to start (docs/operations.md).
run: sysdeps-run seed
	DEBUG=true TASKS_BACKEND=immediate $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install-test
	$(BIN)/ruff check .

test: sysdeps-test install-test
	@mkdir -p var
	TESTING=true $(BIN)/pytest $(PYTEST_ARGS)

bench: install-test
	bash bench/run.sh $(if $(SCALE),--scales $(SCALE)) $(if $(HTTP),--http)

lock: $(BIN)/python
	rm -rf var/lockenv && $(PYTHON) -m venv var/lockenv
	var/lockenv/bin/pip install -q ".[test]"
	var/lockenv/bin/pip freeze --exclude-editable | grep -viE "^(mcs-portal|pip|setuptools)==" > constraints.txt
	rm -rf var/lockenv

clean:
	rm -rf $(VENV) var/static
