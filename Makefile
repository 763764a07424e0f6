# The two commands: `make run` (set-up included) and `make test`.
PROFILE ?= local
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.dapr/bin:$(PATH)

.PHONY: setup run test test-fast test-faults test-future lint typecheck check clean

setup: ## Debian packages, the Python environment (uv, locked), the Dapr runtime + CLI
	@bash tools/setup.sh

run: setup ## Start every app with its sidecar: PROFILE=local (default) or PROFILE=redis
	python -m tools.devstack run --profile $(PROFILE)

lint: ## ruff (lint + format check)
	ruff check .
	ruff format --check .

typecheck:
	mypy

check: lint typecheck

test: setup check ## Every test, the fault suite beside the rest; then the fast suites a year ahead
	@mkdir -p test-artifacts
	@echo "pytest tests/faults (beside the rest; its output follows theirs)"
	@FREE_PORTS=20000-25999 pytest -p no:cacheprovider tests/faults > test-artifacts/faults.log 2>&1 & faults=$$!; \
	FREE_PORTS=26000-31999 pytest --ignore=tests/faults; rest=$$?; \
	wait $$faults; faults_status=$$?; \
	echo "----- tests/faults -----"; cat test-artifacts/faults.log; \
	test $$rest -eq 0 -a $$faults_status -eq 0
	$(MAKE) --no-print-directory test-future

test-faults: ## The fault suite alone: kills, outages, bursts and replicas on real daprd
	pytest tests/faults

test-fast: ## Unit, service and contract tests only (no sidecars)
	pytest tests/unit tests/service tests/contract

test-future: ## The fast suites at a date 400 days ahead: no test may depend on today's date
	faketime '+400 days' pytest -q -p no:cacheprovider tests/unit tests/service tests/contract

clean:
	rm -rf .run services/*/.dapr
