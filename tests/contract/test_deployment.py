"""The deployment files checked for what they promise, without running them (the compose
run is tests/e2e/test_compose.py)."""

import importlib
import itertools
import re
import subprocess

import pytest
import yaml

from services.image.settings import ImageSettings
from shared.settings import SIDECAR_MAX_BODY_BYTES
from tools import devstack

ROOT = devstack.ROOT
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DAPR_RUN = yaml.safe_load((ROOT / "dapr.yaml").read_text())
DOCKERFILE = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
# daprd's --max-body-size everywhere: what the services' SDK clients expect of it.
SIDECAR_LIMIT = f"{SIDECAR_MAX_BODY_BYTES // 2**20}Mi"


def test_every_sidecar_takes_the_largest_picture_we_keep():
    """A kept picture goes to the blob binding in one gRPC message; daprd refuses past its
    --max-body-size (4Mi by default), so every way of running it says the same number."""
    assert DAPR_RUN["common"]["maxBodySize"] == devstack.max_body_size() == SIDECAR_LIMIT
    sidecars = [s for name, s in COMPOSE["services"].items() if name.endswith("-dapr")]
    assert len(sidecars) == len(devstack.APPS)
    for sidecar in sidecars:
        command = sidecar["command"]
        assert command[command.index("--max-body-size") + 1] == SIDECAR_LIMIT
    bicep = (ROOT / "deploy" / "azure" / "main.bicep").read_text()
    assert f"httpMaxRequestSize: {SIDECAR_MAX_BODY_BYTES // 2**20}" in bicep  # in MB there
    assert ImageSettings(public_base_url="https://x").max_photo_bytes < SIDECAR_MAX_BODY_BYTES


def test_an_image_service_told_to_keep_pictures_the_sidecar_refuses_does_not_start():
    with pytest.raises(ValueError, match="--max-body-size"):
        ImageSettings(max_photo_bytes=SIDECAR_MAX_BODY_BYTES)


@pytest.mark.parametrize("app", devstack.APPS)
def test_every_app_has_its_container_and_sidecar(app):
    services = COMPOSE["services"]
    assert services[app]["build"]["args"]["SERVICE"] == app
    assert services[app]["image"] == f"${{APP_IMAGE_PREFIX:-whatsapp-astria-bot}}/{app}:latest"
    sidecar = services[f"{app}-dapr"]
    assert sidecar["network_mode"] == f"service:{app}"
    command = sidecar["command"]
    assert command[command.index("--app-id") + 1] == app
    assert command[command.index("--app-port") + 1] == "8000"
    assert "./components/compose:/components:ro" in sidecar["volumes"]


def test_compose_ports_match_the_local_run():
    local = {app["appID"]: app["appPort"] for app in DAPR_RUN["apps"]}
    published = {}
    for name, service in COMPOSE["services"].items():
        if "ports" in service:
            # Each host port a variable named after the app, its default make run's port.
            found = re.fullmatch(r"\$\{([A-Z]+)_PORT:-(\d+)\}:8000", service["ports"][0])
            assert found is not None, service["ports"]
            assert found[1] == name.upper(), service["ports"]
            published[name] = int(found[2])
    assert published == local


def test_every_path_the_dockerfile_copies_exists():
    sources = re.findall(r"^COPY (?!--from)(\S+)", DOCKERFILE, re.MULTILINE)
    assert "services/${SERVICE}" in sources
    for source in sources:
        for app in devstack.APPS:
            path = ROOT / source.replace("${SERVICE}", app)
            assert path.exists(), path


@pytest.mark.parametrize("app", devstack.APPS)
def test_the_image_command_imports_each_service(app):
    assert "services.${SERVICE}.app:create_app --factory" in DOCKERFILE
    module = importlib.import_module(f"services.{app}.app")
    assert callable(module.create_app)


def test_the_image_runs_as_a_user_with_a_health_check():
    assert re.search(r"^USER bot$", DOCKERFILE, re.MULTILINE)
    assert re.search(r'^HEALTHCHECK .* CMD \["python", "-m", "shared.probe"\]$', DOCKERFILE, re.M)
    assert "--workers ${WORKERS}" in DOCKERFILE


def test_no_secret_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "components/secrets.json" not in tracked.splitlines()
    # Built from pieces, so this file does not match itself. An account SID of one
    # repeated digit (AC000…, Twilio's own ACaaa…) is a placeholder, not an account.
    live = "_" + "live_"
    pattern = re.compile(
        rf"(sk{live}|rk{live}|whsec_[A-Za-z0-9]{{20,}}|AC(?!(.)\2{{31}})[0-9a-f]{{32}})"
    )
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix in {".yaml", ".yml", ".json", ".py", ".toml", ".md"} and path.is_file():
            assert not pattern.search(path.read_text(errors="ignore")), name


def secrets_the_code_reads() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "services").rglob("bootstrap.py"):
        names |= set(re.findall(r'secret\((?:[^()"]*,\s*)?"([a-z0-9-]+)"\)', path.read_text()))
    return names


def test_every_secret_the_code_reads_is_in_the_example_and_the_vault_table():
    import json

    names = secrets_the_code_reads()
    assert {
        "twilio-auth-token",
        "stripe-webhook-secret",
        "astria-api-key",
        "operator-token",
    } <= names
    example = json.loads((ROOT / "components" / "secrets.example.json").read_text())
    assert names <= example.keys()
    vault_table = (ROOT / "deploy" / "azure" / "README.md").read_text()
    for name in names:
        assert f"`{name}`" in vault_table, name


def test_api_tokens_reach_both_the_apps_and_their_sidecars():
    for name, service in COMPOSE["services"].items():
        if name in devstack.APPS or name.endswith("-dapr"):
            assert "DAPR_API_TOKEN" in service["environment"], name
            assert "APP_API_TOKEN" in service["environment"], name


def test_compose_refuses_to_start_without_the_secrets_file():
    # With the short form, Docker creates a directory in place of a missing file.
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["x-sidecar"]["volumes"]
    [secrets] = [m for m in mounts if isinstance(m, dict) and "secrets.json" in m["source"]]
    assert secrets["bind"]["create_host_path"] is False
    assert not any(isinstance(m, str) and "secrets.json" in m for m in mounts)


def scheduler_ports(command: list[str]) -> dict[str, int]:
    pairs = itertools.pairwise(command)
    ports = {flag: int(value) for flag, value in pairs if flag.endswith("port")}
    peer = command[command.index("--etcd-initial-cluster") + 1]
    ports["peer"] = int(peer.rsplit(":", 1)[1])
    return ports


def test_make_runs_scheduler_holds_no_fixed_port_but_its_own(tmp_path):
    """etcd's peer port 2380 was fixed: a second stack on the machine (make test beside a
    running make run) could not start its scheduler."""
    first = scheduler_ports(devstack.scheduler_command(tmp_path))
    second = scheduler_ports(devstack.scheduler_command(tmp_path))
    assert first.pop("--port") == second.pop("--port") == devstack.scheduler_port()
    assert set(first) == {"--healthz-port", "--metrics-port", "--etcd-client-port", "peer"}
    assert not {2379, 2380} & {*first.values(), *second.values()}
    assert not set(first.values()) & set(second.values())
