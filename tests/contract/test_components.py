"""Dapr resources, dapr.yaml and the code agree on names, scopes and ports."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import devstack

ROOT = devstack.ROOT
APP_IDS = set(devstack.APPS)
# Every components profile: the two make run starts, compose's and production's.
ALL_PROFILES = sorted(p.name for p in (ROOT / "components").iterdir() if p.is_dir())
# Names the code reads through the sidecar (settings defaults and binding routes).
USED_COMPONENTS = {
    "pubsub",
    "statestore",
    "secretstore",
    "blobstore",
    "cron-cleanup",
    "cron-reconcile",
}


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources(profile: str) -> list[dict[str, Any]]:
    """What daprd gets for a profile: `make run`'s are built on a base profile."""
    if profile in devstack.PROFILES:
        paths = devstack.profile_files(profile)
    else:
        paths = sorted((ROOT / "components" / profile).glob("*.yaml"))
    docs = []
    for path in paths:
        docs.extend(load_all(path))
    return docs


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_every_component_the_code_uses_exists_in_the_profile(profile):
    names = {doc["metadata"]["name"] for doc in resources(profile) if doc["kind"] == "Component"}
    assert names >= USED_COMPONENTS


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_every_resource_is_scoped_to_existing_app_ids(profile):
    for doc in resources(profile):
        scopes = doc.get("scopes")
        assert scopes, f"{doc['metadata']['name']} is not scoped"
        assert set(scopes) <= APP_IDS, doc["metadata"]["name"]


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_cron_bindings_belong_to_maintenance_alone(profile):
    for doc in resources(profile):
        if doc["spec"].get("type") == "bindings.cron":
            assert doc["scopes"] == ["maintenance"]


def test_dapr_yaml_runs_every_service_once_on_distinct_ports():
    run = yaml.safe_load((ROOT / "dapr.yaml").read_text())
    apps = run["apps"]
    assert {app["appID"] for app in apps} == APP_IDS
    services = {p.name for p in (ROOT / "services").iterdir() if (p / "app.py").exists()}
    assert services == APP_IDS
    ports = [app[key] for app in apps for key in app if key.endswith("Port")]
    assert len(ports) == len(set(ports))
    for app in apps:
        assert (ROOT / app["appDirPath"]).is_dir()
        assert str(app["appPort"]) in app["command"]


def test_no_secret_values_are_committed():
    assert not (ROOT / "components" / "secrets.json").exists() or (
        "components/secrets.json" in (ROOT / ".gitignore").read_text()
    )


def test_the_profiles_are_the_ones_documented():
    assert ALL_PROFILES == [
        "compose",
        "jetstream",
        "kafka",
        "local",
        "mqtt",
        "postgres",
        "production",
        "rabbitmq",
        "redis",
    ]


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_a_redis_streams_broker_keeps_events_for_a_bounded_time(profile):
    """Streams otherwise keep every event, every person's message included, for ever."""
    for doc in resources(profile):
        if doc["spec"].get("type") == "pubsub.redis":
            settings = {m["name"]: m.get("value") for m in doc["spec"]["metadata"]}
            assert settings.get("streamTTL") == "168h", profile
