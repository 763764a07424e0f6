# The two commands: `make run` (set-up included) and `make test`.
PROFILE ?= local
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.dapr/bin:$(PATH)
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: setup run test test-fast lint typecheck check clean

setup: ## Python environment (uv, locked) and the Dapr runtime + CLI
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.9,<1"
	$(UV) sync --frozen
	bash tools/dapr/install.sh

run: setup ## Start every app with its sidecar: PROFILE=local (default) or PROFILE=redis
	python -m tools.devstack run --profile $(PROFILE)

lint: ## ruff (lint + format check)
	ruff check .
	ruff format --check .

typecheck:
	mypy

check: lint typecheck

test: setup check ## Every test, e2e on real daprd for both profiles
	pytest

test-fast: ## Unit, service and contract tests only (no sidecars)
	pytest tests/unit tests/service tests/contract

clean:
	rm -rf .run services/*/.dapr
