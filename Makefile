# The two commands: `make run` (set-up included) and `make test`.
PROFILE ?= local
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.dapr/bin:$(PATH)

.PHONY: setup run test test-fast test-faults test-future bench lint typecheck check clean

setup: ## Debian packages, the Python environment (uv, locked), the Dapr runtime + CLI
	@bash tools/setup.sh

run: setup ## Start every app with its sidecar: PROFILE=local (default) or PROFILE=redis; TRACING=1 adds Zipkin
	python -m tools.devstack run --profile $(PROFILE)

bench: setup ## Benchmarks against bare baselines (redis profile); writes docs/benchmarks.md
	bash tools/bench/install.sh
	python -m tools.bench

lint: ## ruff (lint + format check), and the import contracts of the architecture
	ruff check .
	ruff format --check .
	lint-imports --no-logo

typecheck:
	mypy

check: lint typecheck

test: setup check ## Every test (e2e and faults on real daprd), then the fast suites a year ahead
	pytest
	$(MAKE) --no-print-directory test-future

test-faults: ## The fault suite alone: kills, outages, bursts and replicas on real daprd
	pytest tests/faults

test-fast: ## Unit, service and contract tests only (no sidecars)
	pytest tests/unit tests/service tests/contract

test-future: ## The fast suites at a date 400 days ahead: no test may depend on today's date
	faketime '+400 days' pytest -q -p no:cacheprovider tests/unit tests/service tests/contract

clean:
	rm -rf .run services/*/.dapr
