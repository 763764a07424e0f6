"""`make run` as a newcomer runs it: the Makefile, dapr.yaml and the Dapr CLI, untouched.

A fresh copy of the repository (no .venv, no .run, no secrets.json) runs
`make run`; only the fixed ports of dapr.yaml are moved to free ones, so the
test can run beside a developer's own `make run`, which it proves by running two
at once. Every app and every sidecar must become healthy, and a "hi" must get its
reply.
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


@dataclass
class MakeRun:
    """`make run` in a fresh checkout of its own, with its ports moved."""

    profile: str
    checkout: Path
    process: subprocess.Popen[bytes]
    apps: dict[str, RunningApp]
    broker_port: int

    def alive(self) -> None:
        code = self.process.poll()
        assert code is None, f"make run ({self.profile}) exited with {code}"

    def logs(self) -> str:
        return logs(self.checkout, self.checkout / "make-run.log")


def start_make_run(workdir: Path, profile: str) -> MakeRun:
    checkout = fresh_checkout(workdir)
    apps = move_ports(checkout / "dapr.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAPR_", "APP_", "VIRTUAL_"))}
    broker_port = devstack.free_port()
    env.update(BROKER_PORT=str(broker_port), PROFILE=profile)
    with (checkout / "make-run.log").open("wb") as output:
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
    return MakeRun(profile, checkout, process, apps, broker_port)


# The default profile, and the one whose broker is the furthest from Debian's packages
# (Maven's jars on the machine's Java), side by side.
PROFILES = ("local", "kafka")


@pytest.fixture
def make_runs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[MakeRun]]:
    runs = [start_make_run(tmp_path / profile, profile) for profile in PROFILES]
    failed_before = request.session.testsfailed
    try:
        yield runs
    finally:
        for run in runs:
            if run.process.poll() is None:
                os.killpg(run.process.pid, signal.SIGKILL)
            # Anything still running from the copy (a scheduler, say) goes too.
            subprocess.run(["pkill", "-KILL", "-f", str(run.checkout)], check=False)
        if request.session.testsfailed > failed_before:
            for run in runs:
                print(f"\n===== make run's logs ({run.profile}) =====\n{run.logs()}")


def test_two_make_runs_side_by_side_start_every_app_and_sidecar_and_answer_hi(make_runs):
    """Two checkouts' `make run` at once, as a developer's and `make test`'s would be: no
    port, folder or process of one gets in the other's way."""

    def healthy(app: RunningApp) -> bool:
        ready = httpx.get(f"{app.url}/ready", timeout=2)
        sidecar = httpx.get(f"{app.dapr_url}/v1.0/healthz", timeout=2)
        return ready.status_code == 200 and sidecar.status_code == 204

    # The first start of a checkout creates its Python environment: give it time.
    for run in make_runs:
        for app in run.apps.values():
            wait_until(partial(healthy, app), 240, f"{app.app_id} is not healthy", run.alive)
        assert set(run.apps) == set(devstack.APPS)

    for number, run in enumerate(make_runs):
        phone = f"+1555000999{number}"
        sandbox = run.apps["sandbox"].url
        sent = httpx.post(
            f"{sandbox}/sandbox/twilio/inbound", json={"phone": phone, "text": "hi"}, timeout=20
        )
        assert sent.status_code == 200, sent.text

        def replies(sandbox: str = sandbox, phone: str = phone) -> list[dict[str, Any]]:
            answer = httpx.get(
                f"{sandbox}/sandbox/messages", params={"to": f"whatsapp:{phone}"}, timeout=5
            )
            messages: list[dict[str, Any]] = answer.json()["messages"]
            return messages

        welcome = wait_until(replies, 60, f"no reply to hi ({run.profile})", run.alive)[0]
        assert "Astria" in welcome["body"]

    # Ctrl-C, as a person stops it: everything ends, nothing keeps listening; the other
    # run is stopped after, so it ran on while the first stopped.
    for run in make_runs:
        os.killpg(run.process.pid, signal.SIGINT)
        assert run.process.wait(60) is not None

        def closed(app: RunningApp) -> bool:
            try:
                httpx.get(f"{app.url}/health", timeout=1)
            except httpx.ConnectError:
                return True
            return False

        for app in run.apps.values():
            wait_until(partial(closed, app), 20, f"{app.app_id} still listens", lambda: None)
        broker_gone = partial(port_closed, run.broker_port)
        wait_until(broker_gone, 20, "the broker still listens", lambda: None)


def port_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
