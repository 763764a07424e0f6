"""make run (dapr.yaml) and docker compose wire the apps as the one table says
(tools/wiring.py, which the test stack uses directly)."""

from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from tools import devstack, wiring

DAPR_YAML: dict[str, Any] = yaml.safe_load((devstack.ROOT / "dapr.yaml").read_text())
COMPOSE: dict[str, Any] = yaml.safe_load((devstack.ROOT / "docker-compose.yml").read_text())
# Settings a file may add that say nothing about where the others are.
NOT_WIRING = {"APP_ID", "DATABASE_URL", "DAPR_API_TOKEN", "APP_API_TOKEN", "PUBLIC_URL"}


def under_make_run(app_id: str) -> str:
    port = next(a["appPort"] for a in DAPR_YAML["apps"] if a["appID"] == app_id)
    return f"http://127.0.0.1:{port}"


def in_compose(app_id: str) -> str:
    return f"http://{app_id}:8000"


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
    expected = wiring.sandbox_env(app_id, in_compose)
    assert {k: v for k, v in env.items() if k in expected} == expected
    # Compose's apps reach each other by name, and Twilio signs the URL it called.
    assert set(env) - set(expected) <= NOT_WIRING | {"PUBLIC_BASE_URL"}


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
        for variable in wiring.sandbox_env(app_id, in_compose):
            assert variable.lower() in settings.model_fields, (app_id, variable)
