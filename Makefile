# OpenFrame: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
# System Python 3.11 runs the stdlib-only installer; everything else runs in .venv.
PYTHON ?= python3
VENV_PY := .venv/bin/python

.PHONY: help install up run stop status gen test lint pytest replicas

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install:  ## install everything a fresh machine lacks (apt, pip, Maven, Go, npm), cached
	@$(PYTHON) -m infra install

up: install  ## start every local server that is not running yet
	@$(VENV_PY) -m infra up

run: up  ## install, then start the whole platform; prints where things listen
	@$(VENV_PY) -m infra status

stop:  ## stop the servers this checkout started (nothing else)
	@$(VENV_PY) -m infra down

status:  ## state, address, pid and memory of each server (--json: make status ARGS=--json)
	@$(VENV_PY) -m infra status $(ARGS)

gen:  ## regenerate gen/ (stubs, SDK, OpenAPI, descriptor set) and sdk/ from protos/
	@$(VENV_PY) -m infra.codegen

lint:  ## ruff and mypy
	@$(VENV_PY) -m ruff check .
	@$(VENV_PY) -m ruff format --check .
	@$(VENV_PY) -m mypy

pytest:  ## the test suite alone (servers must be up); then the heavy tests together, one per worker
	@$(VENV_PY) -m pytest -m "not heavy" $(ARGS)
	@$(VENV_PY) -m pytest -m heavy -n 2 --dist loadgroup $(ARGS)

replicas:  ## the replica suite on a private stack of its own, OPENFRAME_REPLICAS=2 (REPLICA_ARGS: pytest args)
	@$(VENV_PY) -m tests.integration.replicas.run $(REPLICA_ARGS)

test: up lint pytest replicas  ## the whole suite: install, start servers, lint, every test, the replica suite
