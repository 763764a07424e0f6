import re

import pytest

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
        devstack.render_components("kafka", tmp_path, run_dir=tmp_path, broker_addr="x:1")


def test_free_ports_are_never_handed_out_twice():
    ports = [devstack.free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(20000 <= port < 32000 for port in ports)
