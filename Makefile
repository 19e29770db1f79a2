# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
CHANTIERS := $(VENV)/bin/chantiers
PYTEST    := $(VENV)/bin/pytest
UV        := $(shell command -v uv 2>/dev/null || echo uv)
# The workspace is synced again whenever a project file or the lock changes.
PROJECT_FILES := uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)

.PHONY: help demo test bench docs lint setup stack-up stack-down clean

help:
	@echo "make demo   start the stack, load the real data, run the pipeline, show leads and emails"
	@echo "make test   start the stack, run every test (JUnit in .run/junit.xml), stop the stack"
	@echo "make bench  run the benchmarks under bench/ (figures in .run/bench.json)"
	@echo "make docs   write docs/asyncapi.yaml from the code"

$(VENV)/.synced: $(PROJECT_FILES)
	./deploy/bootstrap.sh
	$(UV) sync --all-packages --frozen
	@touch $@

setup: $(VENV)/.synced

demo: setup
	$(CHANTIERS) demo

test: setup
	./deploy/bootstrap.sh --for-tests
	@mkdir -p .run
	$(CHANTIERS) stack up
	@status=0; $(PYTEST) --junitxml=.run/junit.xml $(PYTEST_ARGS) || status=$$?; \
	  $(CHANTIERS) stack down; \
	  if [ $$status -eq 5 ]; then echo "no test ran: that is a failure" >&2; fi; \
	  exit $$status

bench: setup
	@mkdir -p .run
	$(CHANTIERS) stack up
	@status=0; $(VENV)/bin/python bench/run_all.py || status=$$?; \
	  $(CHANTIERS) stack down; exit $$status

docs: setup
	$(VENV)/bin/python -m chantiers_cli.asyncapi docs/asyncapi.yaml

lint: setup
	$(VENV)/bin/ruff check .

stack-up: setup
	$(CHANTIERS) stack up

stack-down: setup
	$(CHANTIERS) stack down

clean:
	-$(CHANTIERS) stack down
	rm -rf .run
