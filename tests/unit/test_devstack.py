import re
from typing import Any

import pytest
import yaml

from tools import devstack


@pytest.mark.parametrize("profile", devstack.PROFILES)
def test_every_placeholder_of_a_profile_is_filled(profile, tmp_path):
    out = devstack.render_components(
        profile, tmp_path / "components", run_dir=tmp_path, broker_addr="localhost:1234"
    )
    rendered = {path.name: path.read_text() for path in out.glob("*.yaml")}
    assert {"pubsub.yaml", "statestore.yaml", "secretstore.yaml"} <= rendered.keys()
    for name, text in rendered.items():
        assert not re.search(r"\$\{\w+\}", text), name
    assert "localhost:1234" in rendered["pubsub.yaml"]
    assert str(devstack.COMPONENTS / "secrets.json") in rendered["secretstore.yaml"]


def test_schedules_can_be_overridden_for_tests(tmp_path):
    out = devstack.render_components(
        "local", tmp_path / "c", run_dir=tmp_path, broker_addr="x:1", CLEANUP_SCHEDULE="@every 2s"
    )
    assert "@every 2s" in (out / "cron-cleanup.yaml").read_text()


def test_an_unknown_profile_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown profile"):
        devstack.render_components("pulsar", tmp_path, run_dir=tmp_path, broker_addr="x:1")


def test_free_ports_are_never_handed_out_twice():
    ports = [devstack.free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(20000 <= port < 32000 for port in ports)


PORT_KEYS = ("appPort", "daprHTTPPort", "daprGRPCPort", "daprInternalGRPCPort", "metricsPort")


def test_make_run_ports_are_fixed_distinct_and_below_the_ephemeral_range():
    run = devstack.read_run_file()
    ports = [int(app[key]) for app in run["apps"] for key in PORT_KEYS]
    ports += [devstack.scheduler_port(), *devstack.BROKER_PORTS.values()]
    assert len(ports) == len(set(ports))
    assert all(1024 < port < 32768 for port in ports), sorted(ports)


def test_the_run_file_starts_every_app_from_its_folder_without_that_folder_on_sys_path():
    specs = devstack.app_specs()
    assert tuple(specs) == devstack.APPS
    for name, spec in specs.items():
        assert spec.directory == devstack.ROOT / "services" / name
        assert spec.command[:4] == ("python", "-P", "-m", "uvicorn")
        assert f"services.{name}.app:create_app" in spec.command
        assert spec.command[spec.command.index("--port") + 1] == str(spec.app_port)


def test_an_app_command_can_move_to_another_port():
    spec = devstack.app_specs()["message"]
    moved = spec.command_on(23456)
    assert moved[moved.index("--port") + 1] == "23456"
    assert moved[1:] == [*spec.command[1:-1], "23456"]


def test_free_ports_can_be_drawn_from_a_narrower_range(monkeypatch):
    monkeypatch.setenv("FREE_PORTS", "26000-26100")
    ports = [devstack.free_port() for _ in range(20)]
    assert all(26000 <= port < 26100 for port in ports)


def test_a_time_scale_shortens_the_retries_and_keeps_everything_else(tmp_path):
    def resiliency(time_scale: float) -> Any:
        out = devstack.render_components(
            "redis",
            tmp_path / str(time_scale),
            run_dir=tmp_path,
            broker_addr="x:1",
            time_scale=time_scale,
        )
        return yaml.safe_load((out / "resiliency.yaml").read_text())

    real, scaled = resiliency(1.0), resiliency(0.2)
    retries = scaled["spec"]["policies"]["retries"]
    assert retries["delivery"] == {
        "policy": "exponential",
        "maxInterval": "12000ms",
        "maxRetries": 40,
    }
    assert devstack.duration_seconds(retries["publish"]["maxInterval"]) == 1.0
    # Timeouts bound calls on a busy machine: not scaled. Nor is anything else.
    for policies in (real, scaled):
        del policies["spec"]["policies"]["retries"]
    assert scaled == real


@pytest.mark.parametrize("text", ["", "60", "1m30", "fast", "5s "])
def test_a_duration_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="not a duration"):
        devstack.duration_seconds(text)


def test_durations_read_as_dapr_writes_them():
    assert devstack.duration_seconds("500ms") == 0.5
    assert devstack.duration_seconds("1m30s") == 90
    assert devstack.duration_seconds("2h") == 7200
