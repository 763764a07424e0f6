"""Production reads secrets deny-by-default: each app may read exactly the secrets its code
reads, on Kubernetes and in self-hosted runs alike."""

import re
from typing import Any

import pytest
import yaml

from tools import devstack

APPS = ("message", "image", "payment", "maintenance")
READS = re.compile(
    r"(?:read_secret\(\s*client,\s*settings\.secretstore_name,\s*|secret\()\"([a-z-]+)\""
)


def read_by(app: str) -> set[str]:
    sources = (devstack.ROOT / "services" / app).rglob("*.py")
    return {name for path in sources for name in READS.findall(path.read_text())}


def scope(configuration: dict[str, Any], store: str = "secretstore") -> dict[str, Any]:
    scopes = configuration["spec"]["secrets"]["scopes"]
    return next(s for s in scopes if s["storeName"] == store)


@pytest.mark.parametrize("app", APPS)
def test_the_code_reads_secrets_the_example_file_has(app):
    example = yaml.safe_load((devstack.ROOT / "components" / "secrets.example.json").read_text())
    assert read_by(app)
    assert read_by(app) <= set(example)


@pytest.mark.parametrize("app", APPS)
def test_kubernetes_lets_each_app_read_only_its_own_secrets(app):
    path = devstack.ROOT / "deploy" / "kubernetes" / "dapr" / "configuration.yaml"
    configurations = {c["metadata"]["name"]: c for c in yaml.safe_load_all(path.read_text())}
    mine = scope(configurations[f"bot-config-{app}"])
    assert mine["defaultAccess"] == "deny"
    assert set(mine["allowedSecrets"]) == read_by(app)
    deployment = (devstack.ROOT / "deploy" / "kubernetes" / f"{app}.yaml").read_text()
    assert f"dapr.io/config: bot-config-{app}\n" in deployment


@pytest.mark.parametrize("app", APPS)
def test_self_hosted_production_lets_each_app_read_only_its_own_secrets(app):
    path = devstack.ROOT / "components" / f"production.config.{app}.yaml"
    mine = scope(yaml.safe_load(path.read_text()))
    assert mine["defaultAccess"] == "deny"
    assert set(mine["allowedSecrets"]) == read_by(app)
