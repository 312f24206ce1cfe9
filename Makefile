# The two commands of the quick start: `make demo` and `make test`.
# Without DATABASE_URL / CELERY_BROKER_URL both use the embedded PostgreSQL (and broker)
# under .data/; with them set, those servers.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DEBUG ?= True

.PHONY: demo test venv lint check stop clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

$(VENV)/.installed: requirements.lock $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(BIN)/python manage.py run_demo

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

check: venv
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

stop:
	-$(BIN)/python -c "from portal import embedded; embedded.stop()"

clean: stop
	rm -rf .data staticfiles
