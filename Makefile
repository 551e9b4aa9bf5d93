# The template's own gates: its code meets the standard it imposes, and its tests bake
# projects and run their gates. `make help` lists the targets.
.DEFAULT_GOAL := help
.PHONY: help install lint typecheck guards test test-fast format

UV ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --no-sync
SOURCES := fleet hooks tests benchmarks local_extensions.py

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet uv==0.13.8

install: $(UV) ## install the template's pinned tools: .venv (uv, bootstrapped with pip) and node_modules (npm)
	@# Bytecode compiled once here: each of the tests' bakes then imports cookiecutter in
	@# 0.66 s, not 1.2-1.6 s, where Python may not write .pyc files. Only this venv.
	UV_COMPILE_BYTECODE=1 $(UV) sync --locked
	npm ci --silent --no-audit --no-fund

format: install ## rewrite the template's own code with isort and black
	$(RUN) isort $(SOURCES)
	$(RUN) black $(SOURCES)

lint: install ## black, isort, flake8 on the template's own code
	$(RUN) black --check $(SOURCES)
	$(RUN) isort --check-only $(SOURCES)
	$(RUN) flake8 $(SOURCES)

typecheck: install ## mypy --strict on hooks, tests and the Jinja extension
	$(RUN) mypy

test-fast: install ## bake every option set and check answers; skip running baked projects
	$(RUN) pytest -m "not slow"

guards: $(UV) ## the research-guards library's own gates, once: its lint, types, import layers and tests
	$(MAKE) -C guards check UV=$(abspath $(UV))

test: lint typecheck guards ## everything: lint, types, the library's gates, and every template test (bakes and runs projects)
	$(RUN) pytest
