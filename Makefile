# ipm-analysis: `make all` builds the data and the whole report; `make test` runs the tests.
# Both create the virtual environment .venv from requirements.lock on first use (Python 3.11+ needed, nothing
# else): every package at its locked version and hash, then the project itself without resolving anything new.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# The lock tool, pinned so that `make lock` resolves the same way on every machine; installed only for `make lock`.
UV_VERSION := 0.13.9
LOCKTOOLS  := .cache/locktools
# -qq: pip prints errors only (a plain -q still prints warnings and the build backend's banners).
PIP := $(BIN)/python -m pip --disable-pip-version-check -qq

.DEFAULT_GOAL := help
.PHONY: help setup lock data all report test bench lab clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-7s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) pyproject.toml
	@echo "Installing the locked environment into $(VENV) (the first install takes about a minute) ..."
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $(STAMP)
	@echo "$(VENV) is ready."

setup: $(STAMP)  ## create .venv and install the project with its dependencies from requirements.lock

# Keeps every pin already in the lock and adds what pyproject.toml now asks for; `make lock UPGRADE=1` moves
# every package to its newest version allowed. One version per package for every platform and Python >= 3.11.
lock:  ## refresh requirements.lock (and environment.yml) from pyproject.toml; needs PyPI
	test -x $(LOCKTOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCKTOOLS) && \
		$(LOCKTOOLS)/bin/python -m pip --disable-pip-version-check -qq install uv==$(UV_VERSION); }
	$(PYTHON) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')" | \
		$(LOCKTOOLS)/bin/uv pip compile --quiet pyproject.toml - --extra dev --generate-hashes --universal \
		--fork-strategy fewest --python-version 3.11 --custom-compile-command "make lock" \
		$(if $(UPGRADE),--upgrade) -o $(LOCK)
	$(PYTHON) tools/environment_from_lock.py

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
