"""Resiliency resources that Dapr actually reads, with retries that outlast an outage.

Field names are those of Dapr's Resiliency spec (pkg/apis/resiliency/v1alpha1 in
dapr v1.18.3): an unknown field, such as `initialInterval` once was, is silently
ignored by daprd and the default applies.
"""

from pathlib import Path

import pytest
import yaml

from tools import devstack

RETRY_FIELDS = {"policy", "duration", "maxInterval", "maxRetries", "matching"}
BREAKER_FIELDS = {"maxRequests", "interval", "timeout", "trip"}
FILES = sorted(devstack.COMPONENTS.glob("*/resiliency.yaml"))


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for suffix in ("ms", "s", "m", "h"):
        if duration.endswith(suffix):
            return float(duration.removesuffix(suffix)) * units[suffix]
    raise ValueError(duration)


def exponential_budget(max_interval: float, max_retries: int) -> float:
    """Dapr's exponential backoff (dapr/kit retry): 500 ms, x1.5, capped, no jitter."""
    total, interval = 0.0, 0.5
    for _ in range(max_retries):
        total += min(interval, max_interval)
        interval *= 1.5
    return total


def test_every_profile_has_one():
    assert {path.parent.name for path in FILES} >= {"local", "compose", "production"}
    for profile in devstack.PROFILES:  # its own, or its base's
        assert "resiliency.yaml" in {path.name for path in devstack.profile_files(profile)}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_only_fields_dapr_reads(path: Path):
    spec = yaml.safe_load(path.read_text())["spec"]
    for name, retry in spec["policies"]["retries"].items():
        assert set(retry) <= RETRY_FIELDS, f"{name}: {set(retry) - RETRY_FIELDS}"
    for name, breaker in spec["policies"].get("circuitBreakers", {}).items():
        assert set(breaker) <= BREAKER_FIELDS, name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_a_failing_delivery_is_retried_for_about_half_an_hour(path: Path):
    spec = yaml.safe_load(path.read_text())["spec"]
    inbound = spec["targets"]["components"]["pubsub"]["inbound"]
    retry = spec["policies"]["retries"][inbound["retry"]]
    assert retry["policy"] == "exponential"
    budget = exponential_budget(seconds(retry["maxInterval"]), int(retry["maxRetries"]))
    assert 25 * 60 <= budget <= 45 * 60, budget
