# Everything a fresh machine needs: `make demo` and `make test` set up .venv first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint dagster-dev clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/salesops demo

test: $(STAMP)
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

dagster-dev: $(STAMP)
	DAGSTER_HOME=$(CURDIR) $(VENV)/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

clean:
	rm -rf data dbt_project/target storage history logs schedules

# The metric glossary (docs/metrics.md, from the dbt docs blocks) and dbt's docs site
# (dbt_project/target/index.html; `dbt docs serve` shows it) for the current warehouse.
.PHONY: docs
docs: $(STAMP)
	$(VENV)/bin/python scripts/metric_glossary.py
	cd dbt_project && ../$(VENV)/bin/dbt docs generate --profiles-dir .
