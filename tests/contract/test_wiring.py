"""make run (dapr.yaml) and docker compose wire the apps as the one table says
(tools/wiring.py, which the test stack uses directly)."""

import json
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from tools import devstack, wiring

DAPR_YAML: dict[str, Any] = yaml.safe_load((devstack.ROOT / "dapr.yaml").read_text())
COMPOSE: dict[str, Any] = yaml.safe_load((devstack.ROOT / "docker-compose.yml").read_text())
# Settings a file may add that say nothing about where the others are.
NOT_WIRING = {"APP_ID", "DATABASE_URL", "DAPR_API_TOKEN", "APP_API_TOKEN"}


def under_make_run(app_id: str) -> str:
    port = next(a["appPort"] for a in DAPR_YAML["apps"] if a["appID"] == app_id)
    return f"http://127.0.0.1:{port}"


def in_compose(app_id: str) -> str:
    return f"http://{app_id}:8000"


def from_the_host(app_id: str) -> str:
    """Where compose publishes an app for the host's browser (its port variable)."""
    [published] = COMPOSE["services"][app_id]["ports"]
    return f"http://localhost:{published.rsplit(':', 1)[0]}"


@pytest.mark.parametrize("app_id", wiring.APPS)
def test_make_run_wires_each_app_as_the_table_says(app_id):
    entry = next(a for a in DAPR_YAML["apps"] if a["appID"] == app_id)
    env = {k: str(v) for k, v in (entry.get("env") or {}).items()}
    expected = wiring.sandbox_env(app_id, under_make_run)
    assert {k: v for k, v in env.items() if k in expected} == expected
    # Beyond the table, only settings that are not addresses (a documented default).
    assert set(env) - set(expected) <= {"RECONCILE_OVERDUE_MINUTES"}


@pytest.mark.parametrize("app_id", wiring.APPS)
def test_compose_wires_each_app_as_the_table_says(app_id):
    env = {k: str(v) for k, v in COMPOSE["services"][app_id]["environment"].items()}
    expected = wiring.sandbox_env(app_id, in_compose, from_the_host)
    assert {k: v for k, v in env.items() if k in expected} == expected
    # Compose's apps reach each other by name, and Twilio signs the URL it called.
    assert set(env) - set(expected) <= NOT_WIRING | {"PUBLIC_BASE_URL"}


def test_compose_makes_the_persons_links_for_the_host_and_the_providers_for_the_services():
    sandbox = wiring.sandbox_env("sandbox", in_compose, from_the_host)
    assert sandbox["PUBLIC_URL"] == "http://localhost:${SANDBOX_PORT:-8000}"
    assert sandbox["PROVIDER_URL"] == "http://sandbox:8000"
    image = "http://localhost:${IMAGE_PORT:-8002}"
    assert wiring.sandbox_env("image", in_compose, from_the_host)["PUBLIC_BASE_URL"] == image
    assert json.loads(sandbox["PUBLIC_ROUTES"]) == {image: "http://image:8000"}
    # Under make run one address serves both.
    assert not {"PUBLIC_URL", "PROVIDER_URL", "PUBLIC_ROUTES"} & set(
        wiring.sandbox_env("sandbox", under_make_run)
    )


def test_the_table_names_every_app_and_only_settings_the_apps_have():
    from services.image.settings import ImageSettings
    from services.maintenance.settings import MaintenanceSettings
    from services.message.settings import MessageSettings
    from services.payment.settings import PaymentSettings
    from services.sandbox.settings import SandboxSettings

    classes: dict[str, type[BaseSettings]] = {
        "sandbox": SandboxSettings,
        "message": MessageSettings,
        "image": ImageSettings,
        "payment": PaymentSettings,
        "maintenance": MaintenanceSettings,
    }
    assert set(classes) == set(wiring.APPS)
    for app_id, settings in classes.items():
        for variable in wiring.sandbox_env(app_id, in_compose, from_the_host):
            assert variable.lower() in settings.model_fields, (app_id, variable)
