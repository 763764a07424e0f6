"""`docker compose up` as a user runs it: docker-compose.yml unchanged, its images built here.

No registry answers on our machines, so tools/containers builds every image the file uses
with podman (a Debian root file system, stand-ins for the official Python, Redis and
PostgreSQL images, our own daprd, the five apps from deploy/docker/Dockerfile), and Docker
Compose drives podman's Docker API. Only the variables the file offers change: the host
ports (free ones, beside a developer's own run) and the images' names. A person then goes
from "hi" to their portraits through the published ports, and opens the portraits' links
from the host, as their browser would.
"""

import base64
import json
import os
import re
import subprocess
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import pytest

from services.image.handlers import user_folder
from tests.e2e.people import PORTRAITS, Person
from tests.imagery import encode, photo
from tools import containers, devstack, wiring
from tools.deploy import deploy_tool

pytestmark = pytest.mark.e2e

PORTS = {app: f"{app.upper()}_PORT" for app in wiring.APPS}
SIDECAR_USER = 65532  # daprd's, in its official image and ours
PHOTOS = [base64.b64encode(encode(photo(700, 900, seed=seed))).decode() for seed in range(1, 9)]


@dataclass
class Compose:
    project: str
    env: dict[str, str]
    urls: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(deploy_tool("docker-compose")), "--project-name", self.project, *args],
            cwd=devstack.ROOT,
            env=self.env,
            check=False,
            capture_output=True,
            text=True,
        )
        assert not check or done.returncode == 0, f"compose {args[0]}: {done.stderr}"
        return done

    def health(self) -> dict[str, str]:
        listed = self.run("ps", "--all", "--format", "json").stdout
        rows = [json.loads(line) for line in listed.splitlines() if line.strip()]
        return {row["Service"]: row.get("Health") or row["State"] for row in rows}

    def volume(self, name: str) -> Path:
        found = containers.podman(
            "volume", "inspect", "--format", "{{.Mountpoint}}", f"{self.project}_{name}", quiet=True
        )
        return Path(found.stdout.strip())


def wait_healthy(compose: Compose, timeout: float) -> None:
    """Every app healthy (its database and its sidecar answering), the rest running."""
    deadline = time.monotonic() + timeout
    while True:
        health = compose.health()
        sidecars = [health.get(f"{app}-dapr") for app in wiring.APPS]
        if all(health.get(app) == "healthy" for app in wiring.APPS) and set(sidecars) == {
            "running"
        }:
            return
        assert time.monotonic() < deadline, f"not healthy after {timeout:.0f} s: {health}"
        time.sleep(1)


@pytest.fixture(scope="module")
def compose(request) -> Iterator[Compose]:
    """The file's whole system up and healthy; every container's log printed when its
    start or a test failed; containers, network and volumes removed after."""
    failed_before = request.session.testsfailed
    started = time.monotonic()
    images = containers.build_all()
    built = time.monotonic() - started
    devstack.ensure_secrets_file()
    ports = {app: devstack.free_port() for app in wiring.APPS}
    with containers.engine() as docker_host:
        env = {
            **os.environ,
            **images,
            **{PORTS[app]: str(port) for app, port in ports.items()},
            "DOCKER_HOST": docker_host,
            "DAPR_API_TOKEN": "",
            "APP_API_TOKEN": "",
        }
        urls = {app: f"http://localhost:{port}" for app, port in ports.items()}
        running = Compose(f"bot-{uuid.uuid4().hex[:8]}", env, urls)
        healthy = False
        try:
            running.run("up", "--detach", "--no-build", "--pull", "never")
            wait_healthy(running, timeout=180)
            healthy = True
            up = time.monotonic() - started - built
            print(f"\n[compose] images ready in {built:.0f} s, all healthy {up:.0f} s later")
            yield running
        finally:
            if not healthy or request.session.testsfailed > failed_before:
                logs = running.run("logs", "--no-color", "--timestamps", check=False)
                print(f"\n===== docker compose logs =====\n{logs.stdout}{logs.stderr}")
            running.run("down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)


def test_a_journey_through_docker_compose_from_hi_to_portraits_opened_on_the_host(compose):
    person = Person({"sandbox": SimpleNamespace(url=compose.urls["sandbox"])})
    assert "Astria portrait bot" in person.says_and_waits("hi", 1)[0]
    assert "Who is in the photos?" in person.taps_and_waits("yes", 1)[0]
    # The file keeps the product's own minimum of photos (the test stacks ask for 3).
    assert "8 to 20 photos" in person.taps_and_waits("woman", 1)[0]
    # The packs' picture is the image service's, on the address the host's browser uses.
    [preview] = person.messages()[-1]["media_urls"]
    assert preview == f"{compose.urls['image']}/previews/en/woman.jpg"
    assert httpx.get(preview, timeout=10).headers["content-type"] == "image/jpeg"

    for batch in (PHOTOS[:4], PHOTOS[4:]):
        before = len(person.received())
        person.send(files=batch)
        assert person.wait_for(before + 1, timeout=60)[before].startswith("✅ 4 photos accepted.")
    [link] = person.taps_and_waits("pack:corporate", 1)
    assert "*Corporate headshots* — $14.99" in link
    _label, checkout = person.pay_link()
    assert checkout.startswith(f"{compose.urls['sandbox']}/stripe/checkout/cs_test_")
    before = len(person.received())
    assert httpx.post(f"{checkout}/pay", timeout=30).status_code == 200

    after = person.wait_for_text("That's all of them", since=before, timeout=240)
    assert any("Payment received" in m for m in after)
    portraits = [m["media_urls"][0] for m in person.messages()[before:] if m["media_urls"]]
    assert len(portraits) == PORTRAITS
    # Each one opens from the host, whole, and the image service's sidecar (not root) wrote
    # our copy to the blob store's volume.
    for url in portraits:
        assert url.startswith(f"{compose.urls['image']}/portraits/"), url
        opened = httpx.get(url, timeout=20)
        assert (opened.status_code, opened.headers["content-type"]) == (200, "image/jpeg")
    order = urlsplit(portraits[0]).path.split("/")[-2]
    kept = compose.volume("blobs") / "portraits" / user_folder(person.address) / order
    files = {file.name: file.stat().st_uid for file in kept.iterdir()}
    assert {urlsplit(url).path.rsplit("/", 1)[1] for url in portraits} <= set(files)
    assert set(files.values()) == {SIDECAR_USER}


def locked_runtime() -> set[str]:
    """Every distribution uv.lock can install for the project's runtime: its dependencies
    and theirs (extras followed, markers ignored), never a dependency group's."""
    packages = {
        p["name"]: p for p in tomllib.loads((devstack.ROOT / "uv.lock").read_text())["package"]
    }
    found: set[str] = set()
    todo = [{"name": "whatsapp-astria-bot"}]
    while todo:
        wanted = todo.pop()
        package = packages[wanted["name"]]
        extras = [
            package.get("optional-dependencies", {}).get(e, []) for e in wanted.get("extra", [])
        ]
        if wanted["name"] in found and not extras:
            continue
        found.add(wanted["name"])
        todo += package.get("dependencies", []) + [d for extra in extras for d in extra]
    found.discard("whatsapp-astria-bot")
    return {canonical(name) for name in found}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


INSIDE = (
    "import importlib.metadata as m, json, os; "
    "print(json.dumps([os.getuid(), [d.metadata['Name'] for d in m.distributions()]]))"
)


def test_each_app_image_holds_the_runtime_alone_and_runs_as_a_user(compose):
    runtime = locked_runtime()
    sizes = {}
    for app in wiring.APPS:
        image = containers.app_image(app)
        ran = containers.podman("run", "--rm", image, "python", "-c", INSIDE, quiet=True)
        uid, installed = json.loads(ran.stdout)
        assert uid == 10001  # `bot`, who cannot change the code it runs
        names = {canonical(name) for name in installed}
        # Nothing from a dependency group (pytest, ruff, checkov…): only what uv.lock
        # resolves for the runtime, its core among it.
        assert names <= runtime, names - runtime
        assert {"fastapi", "uvicorn", "dapr", "sqlalchemy", "pillow"} <= names
        sizes[app] = containers.image_size(image)
    shown = ", ".join(f"{app} {size / 1e6:.0f} MB" for app, size in sizes.items())
    print(f"\n[compose] image sizes: {shown} (one {len(runtime)}-package layer shared by all)")
