# The two commands: `make run` (set-up included) and `make test`.
PROFILE ?= local
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.dapr/bin:$(PATH)
# mypy's cache outside the clone, as every build's: a fresh clone checks in a second.
export MYPY_CACHE_DIR ?= $(HOME)/.cache/whatsapp-astria-bot/mypy

.PHONY: setup run test test-fast test-faults test-future soak bench lint typecheck check clean

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

# xdist workers: tests/conftest.py keeps each stack's tests on one of them and the fault
# tests in a lane of their own. Three on two cores, measured: the stacks' tests wait on
# their processes often enough that 2 workers left a core idle (pytest 734 s, 3: 636 s).
# WORKERS=0 runs everything in one process.
WORKERS ?= 3
PYTEST := pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder

test: setup check ## Every test (e2e and faults on real daprd), then the fast suites a year ahead
	$(PYTEST)
	$(MAKE) --no-print-directory test-future

test-faults: ## The fault suite alone: kills, outages, bursts and replicas on real daprd
	pytest tests/faults

test-fast: ## Unit, service and contract tests only (no sidecars)
	$(PYTEST) tests/unit tests/service tests/contract

test-future: ## The fast suites at a date 400 days ahead: no test may depend on today's date
	faketime '+400 days' $(PYTEST) -q -p no:cacheprovider tests/unit tests/service tests/contract

soak: setup ## The outage tests in real time: Stripe, then Astria, down a minute each (~5 min)
	FAULT_TIME_SCALE=1 pytest tests/faults/test_kills.py -k down_for_a_minute

clean:
	rm -rf .run services/*/.dapr
