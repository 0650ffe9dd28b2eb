# ipm-analysis: `make all` builds the data and the whole report; `make test` runs the tests.
# Both create the virtual environment .venv from pyproject.toml on first use (Python 3.11+ needed, nothing else).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup data all report test bench lab clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-7s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the project with its dependencies

data: $(STAMP)  ## build the tidy tables into data/processed (cached)
	$(BIN)/python -m ipm_analysis build

all: $(STAMP)  ## build the data, execute every notebook headless, export figures and tables to reports/
	$(BIN)/python -m ipm_analysis report

report: all  ## same as `make all`

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest

bench: $(STAMP)  ## run the benchmarks in benchmarks/
	$(BIN)/python benchmarks/bench_report.py

lab: $(STAMP)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

clean:  ## remove built data, reports and caches (keeps .venv)
	rm -rf data/processed reports .cache .pytest_cache
