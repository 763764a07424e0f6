"""`make run` as a newcomer runs it: the Makefile, dapr.yaml and the Dapr CLI, untouched.

A fresh copy of the repository (no .venv, no .run, no secrets.json) runs
`make run`; only the fixed ports of dapr.yaml are moved to free ones, so the
test can run beside a developer's own `make run`. Every app and every sidecar
must become healthy, and a "hi" must get its reply.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tools import devstack

pytestmark = pytest.mark.e2e

NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".run",
    ".dapr",
    "__pycache__",
    ".*_cache",
    "test-artifacts",
    "secrets.json",
    "*.db",
)
PORT_KEYS = ("appPort", "daprHTTPPort", "daprGRPCPort", "daprInternalGRPCPort", "metricsPort")


@dataclass
class RunningApp:
    app_id: str
    url: str
    dapr_url: str


def fresh_checkout(tmp_path: Path) -> Path:
    checkout = tmp_path / "checkout"
    shutil.copytree(devstack.ROOT, checkout, ignore=NOT_COPIED, symlinks=True)
    return checkout


def move_ports(run_file: Path) -> dict[str, RunningApp]:
    """Every fixed port of the run file, wherever it is written, to a free one."""
    text = run_file.read_text()
    run = yaml.safe_load(text)
    fixed = {int(app[key]) for app in run["apps"] for key in PORT_KEYS}
    fixed.add(devstack.scheduler_port(run_file))
    moved = {port: devstack.free_port() for port in fixed}
    text = re.sub(r"(?<!\d)\d{4,5}(?!\d)", lambda m: str(moved.get(int(m[0]), m[0])), text)
    run_file.write_text(text)
    return {
        app["appID"]: RunningApp(
            app["appID"],
            f"http://127.0.0.1:{app['appPort']}",
            f"http://127.0.0.1:{app['daprHTTPPort']}",
        )
        for app in yaml.safe_load(text)["apps"]
    }


def wait_until(
    check: Callable[[], Any], timeout: float, what: str, alive: Callable[[], None]
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        try:
            if result := check():
                return result
        except httpx.HTTPError:
            pass  # not listening yet
        time.sleep(0.5)
    raise TimeoutError(f"{what} after {timeout:.0f}s")


def logs(checkout: Path, console: Path) -> str:
    files = [console, *sorted(checkout.glob("services/*/.dapr/logs/*.log"))]
    files += sorted(checkout.glob(".run/*/logs/*.log"))
    parts = []
    for path in files:
        lines = path.read_text(errors="replace").splitlines()[-60:] if path.exists() else []
        parts.append(f"----- {path.relative_to(checkout)} -----\n" + "\n".join(lines))
    return "\n".join(parts)


# The default, and the profile whose broker is the furthest from Debian's packages (Maven's
# jars on the machine's Java).
@pytest.fixture(params=["local", "kafka"])
def make_run(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, RunningApp], int]]:
    checkout = fresh_checkout(tmp_path)
    apps = move_ports(checkout / "dapr.yaml")
    console = checkout / "make-run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAPR_", "APP_", "VIRTUAL_"))}
    broker_port = devstack.free_port()
    env.update(BROKER_PORT=str(broker_port), PROFILE=request.param)
    with console.open("wb") as output:
        # Started as a script's background job would be, with SIGINT ignored: Ctrl-C
        # must still stop everything (make run sets its own handler).
        process = subprocess.Popen(
            ["bash", "-c", "trap '' INT; exec make run"],
            cwd=checkout,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    failed_before = request.session.testsfailed
    try:
        yield process, apps, broker_port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        # Anything still running from the copy (a scheduler, say) goes too.
        subprocess.run(["pkill", "-KILL", "-f", str(checkout)], check=False)
        if request.session.testsfailed > failed_before:
            print(f"\n===== make run's logs =====\n{logs(checkout, console)}")


def test_make_run_starts_every_app_and_sidecar_and_answers_hi(make_run):
    process, apps, broker_port = make_run

    def alive() -> None:
        assert process.poll() is None, f"make run exited with {process.returncode}"

    def healthy(app: RunningApp) -> bool:
        ready = httpx.get(f"{app.url}/ready", timeout=2)
        sidecar = httpx.get(f"{app.dapr_url}/v1.0/healthz", timeout=2)
        return ready.status_code == 200 and sidecar.status_code == 204

    # The first start of a checkout creates its Python environment: give it time.
    for app in apps.values():
        wait_until(partial(healthy, app), 240, f"{app.app_id} is not healthy", alive)
    assert set(apps) == set(devstack.APPS)

    sandbox = apps["sandbox"].url
    sent = httpx.post(
        f"{sandbox}/sandbox/twilio/inbound",
        json={"phone": "+15550009999", "text": "hi"},
        timeout=20,
    )
    assert sent.status_code == 200, sent.text

    def replies() -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{sandbox}/sandbox/messages", params={"to": "whatsapp:+15550009999"}, timeout=5
        )
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return messages

    welcome = wait_until(replies, 60, "no reply to hi", alive)[0]
    assert "Astria" in welcome["body"]

    # Ctrl-C, as a person stops it: everything ends, nothing keeps listening.
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(60) is not None

    def closed(app: RunningApp) -> bool:
        try:
            httpx.get(f"{app.url}/health", timeout=1)
        except httpx.ConnectError:
            return True
        return False

    for app in apps.values():
        wait_until(partial(closed, app), 20, f"{app.app_id} still listens", lambda: None)
    broker_gone = partial(port_closed, broker_port)
    wait_until(broker_gone, 20, "the broker still listens", lambda: None)


def port_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
