# Every target is a command, not a file: clean/ is also the output folder's name.
.PHONY: all install clean test lint rules review report fuzz bench

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

all: clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,dask,semantic]'
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,dask,semantic,bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

clean: $(STAMP)
	$(BIN)/cleaner run raw --out clean

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check cleaner tests
	$(BIN)/ruff format --check cleaner tests
	$(BIN)/mypy cleaner

rules: $(STAMP)
	$(BIN)/cleaner rules --check

bench: $(BENCH_STAMP)
	$(BIN)/cleaner bench

review: $(STAMP)
	$(BIN)/cleaner review clean

report: $(STAMP)
	$(BIN)/cleaner report clean

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/reliability/test_fuzz.py
