"""The real system, for end-to-end tests and benchmarks: a broker, and every app with its
own daprd.

Everything listens on free loopback ports and writes under a temporary folder;
`Stack.logs()` gathers every process's output for failure reports.
"""

import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from shared import timeouts
from tools import brokers, devstack, wiring

ROOT = devstack.ROOT


@dataclass
class AppProcess:
    name: str  # the app id, or "<app id>-<n>" for a further replica
    app_id: str = ""
    app_port: int = field(default_factory=devstack.free_port)
    dapr_http_port: int = field(default_factory=devstack.free_port)
    dapr_grpc_port: int = field(default_factory=devstack.free_port)
    dapr_grpc_internal_port: int = field(default_factory=devstack.free_port)
    metrics_port: int = field(default_factory=devstack.free_port)
    # "daprd" and "app", each while it runs.
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Another program than dapr.yaml's under this app id (a benchmark's baseline), run
    # from the repository with "{port}" replaced by its port.
    command: tuple[str, ...] = ()

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return list(self.running.values())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def dapr_url(self) -> str:
        return f"http://127.0.0.1:{self.dapr_http_port}"

    def __post_init__(self) -> None:
        self.app_id = self.app_id or self.name


class Stack:
    def __init__(
        self,
        profile: str,
        workdir: Path,
        apps: tuple[str, ...] = devstack.APPS,
        schedules: dict[str, str] | None = None,
        replicas: dict[str, int] | None = None,
        env: dict[str, str] | None = None,
        daprd_version: str | None = None,
        tracing: bool = False,
        api_tokens: bool = False,
        time_scale: float = 1.0,
    ) -> None:
        """`replicas` runs more instances of an app id, each with its own sidecar; they
        share the app's database, and `stack[name]` is the first. `daprd_version` picks
        another runtime than `make run`'s (tools/dapr/install.sh builds ACA's 1.16).
        `api_tokens` protects both hops as Kubernetes and Azure do: each daprd wants
        DAPR_API_TOKEN from its app, and sends APP_API_TOKEN with every call to it.
        `time_scale` below 1 makes waiting faster: Dapr's retries back off that much
        sooner, and the calls to Stripe and Astria (the providers the outage tests take
        down) give up that much sooner, so a minute of production outage is seconds here."""
        self.profile = profile
        self.tokens = (
            {"DAPR_API_TOKEN": secrets.token_hex(16), "APP_API_TOKEN": secrets.token_hex(16)}
            if api_tokens
            else {}
        )
        self.daprd = devstack.find_daprd(daprd_version)
        self.schedules = schedules or {}
        self.time_scale = time_scale
        self.extra_env = env or {}
        # With tracing, a Zipkin of its own receives every sidecar's spans.
        self.tracing = tracing
        self.zipkin: devstack.Zipkin | None = None
        self.workdir = workdir
        self.logs_dir = workdir / "logs"
        self.apps = {name: AppProcess(name) for name in apps}
        for name, count in (replicas or {}).items():
            for n in range(2, count + 1):
                self.apps[f"{name}-{n}"] = AppProcess(f"{name}-{n}", app_id=name)
        self.specs = devstack.app_specs()
        self.max_body_size = devstack.max_body_size()
        self.broker: brokers.Broker | None = None
        self.postgres: devstack.Postgres | None = None
        self._log_files: list[IO[bytes]] = []

    @property
    def dapr_headers(self) -> dict[str, str]:
        """What a call to a sidecar's API carries (its token, when the hops are protected)."""
        token = self.tokens.get("DAPR_API_TOKEN")
        return {"dapr-api-token": token} if token else {}

    @property
    def sidecar_headers(self) -> dict[str, str]:
        """What daprd's calls to its app carry: a test playing the sidecar sends them too."""
        token = self.tokens.get("APP_API_TOKEN")
        return {"dapr-api-token": token} if token else {}

    def __getitem__(self, name: str) -> AppProcess:
        return self.apps[name]

    def database_url(self, app_id: str) -> str:
        """Where a service keeps its tables in this stack."""
        if self.postgres:
            return f"{self.postgres.url()}/{app_id}"
        return f"sqlite:///{self.workdir / 'data' / app_id}.db"

    def app_env(self, app: AppProcess) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DAPR_", "APP_"))}
        env.update(
            APP_ID=app.app_id,
            DAPR_HTTP_PORT=str(app.dapr_http_port),
            DAPR_GRPC_PORT=str(app.dapr_grpc_port),
            DAPR_HEALTH_TIMEOUT="30",
            DATA_DIR=str(self.workdir / "data"),
            LOG_LEVEL="INFO",
            # Short journeys: three photos are enough in tests.
            MIN_PHOTOS="3",
            MAX_PHOTOS="5",
            # Small portraits, for time: the journeys at Astria's real sizes (2 to 10 MB,
            # as `make run` makes them) ask the sandbox for them.
            ASTRIA_PORTRAIT_MEGABYTES="[0, 0]",
        )
        if self.postgres:
            env["DATABASE_SERVER"] = self.postgres.url()
        if self.time_scale != 1.0:
            env["STRIPE_TIMEOUT_SECONDS"] = str(timeouts.STRIPE.seconds * self.time_scale)
            env["ASTRIA_TIMEOUT_SECONDS"] = str(timeouts.ASTRIA.seconds * self.time_scale)
        # Where the others are, from the one wiring table (an app this stack leaves out is
        # given an address nothing answers at).
        env.update(wiring.sandbox_env(app.app_id, self._url_of))
        env.update(self.tokens)
        env.update(self.extra_env)  # last: a test or a benchmark has the final word
        return env

    def _url_of(self, app_id: str) -> str:
        return self.apps[app_id].url if app_id in self.apps else "http://127.0.0.1:9"

    def _spawn(
        self,
        app: AppProcess,
        kind: str,
        command: list[str],
        env: dict[str, str],
        cwd: Path = ROOT,
    ) -> None:
        # Appended to: a restarted process writes after the one it replaces.
        log = (self.logs_dir / f"{app.name}.{kind}.log").open("ab")
        self._log_files.append(log)
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
        app.running[kind] = process

    def start(self) -> "Stack":
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(exist_ok=True)
        self.broker = brokers.start_broker(
            self.profile,
            self.workdir / "broker",
            devstack.free_port(),
            self.logs_dir / "broker.log",
        )
        if self.tracing:
            self.zipkin = devstack.start_zipkin(devstack.free_port(), self.logs_dir / "zipkin.log")
        self.dapr_config = devstack.dapr_config(self.workdir / "config.yaml", self.zipkin)
        if self.profile == "postgres":
            self.postgres = devstack.start_postgres(
                self.workdir / "postgres", devstack.free_port(), self.logs_dir / "postgres.log"
            )
        resources = devstack.render_components(
            self.profile,
            self.workdir / "components",
            run_dir=self.workdir,
            broker_addr=self.broker.address,
            state_db=self.postgres.dsn("dapr_state") if self.postgres else "",
            time_scale=self.time_scale,
            **self.schedules,
        )
        self.resources = resources
        for app in self.apps.values():
            self.start_process(app, "daprd")
            self.start_process(app, "app")
        for app in self.apps.values():
            self.wait_ready(app)
        return self

    def start_process(self, app: AppProcess, kind: str) -> None:
        """Start an app's sidecar or the app itself, on its own ports and data."""
        if kind == "app" and app.command:
            command = [part.replace("{port}", str(app.app_port)) for part in app.command]
            self._spawn(app, "app", command, self.app_env(app))
            return
        if kind == "app":
            # Exactly as `make run` starts it (dapr.yaml): same command, same working folder.
            spec = self.specs[app.app_id]
            self._spawn(
                app, "app", spec.command_on(app.app_port), self.app_env(app), cwd=spec.directory
            )
            return
        self._spawn(
            app,
            "daprd",
            [
                str(self.daprd),
                "--app-id",
                app.app_id,
                "--app-port",
                str(app.app_port),
                "--app-protocol",
                "http",
                "--app-channel-address",
                "127.0.0.1",
                "--dapr-http-port",
                str(app.dapr_http_port),
                "--dapr-grpc-port",
                str(app.dapr_grpc_port),
                "--dapr-internal-grpc-port",
                str(app.dapr_grpc_internal_port),
                "--metrics-port",
                str(app.metrics_port),
                "--max-body-size",
                self.max_body_size,
                "--resources-path",
                str(self.resources),
                "--config",
                str(self.dapr_config),
                "--log-level",
                "info",
            ],
            {**os.environ, **self.tokens},
        )

    def launch(self, app: AppProcess) -> AppProcess:
        """Start one more app with its sidecar once the stack runs, and wait until it serves."""
        self.apps[app.name] = app
        self.start_process(app, "daprd")
        self.start_process(app, "app")
        self.wait_ready(app)
        return app

    def kill(self, name: str, kind: str) -> None:
        """SIGKILL an app or its sidecar, as a crash would: no goodbye, no flush."""
        process = self.apps[name].running.pop(kind)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def restart(self, name: str, kind: str) -> None:
        """Start it again with the same ports and data, and wait until it serves."""
        app = self.apps[name]
        self.start_process(app, kind)
        self.wait_ready(app)

    def wait_ready(self, app: AppProcess, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for process in app.processes:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{app.name}: {process.args!r} exited with {process.returncode}"
                    )
            try:
                ready = httpx.get(f"{app.url}/ready", timeout=2)
                sidecar = httpx.get(f"{app.dapr_url}/v1.0/healthz", timeout=2)
                if ready.status_code == 200 and sidecar.status_code == 204:
                    return
                last = f"/ready {ready.status_code} {ready.text}; sidecar {sidecar.status_code}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise TimeoutError(f"{app.name} not ready after {timeout}s: {last}")

    def stop(self) -> None:
        for app in self.apps.values():
            for process in app.processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in app.processes:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        if self.broker:
            self.broker.stop()
        if self.zipkin:
            self.zipkin.stop()
        if self.postgres:
            self.postgres.stop()
            shutil.rmtree(self.postgres.data_dir, ignore_errors=True)
        for log in self._log_files:
            log.close()

    def publish_as(self, app: str, topic: str, payload: dict[str, object], event_id: str) -> None:
        """Publish through `app`'s sidecar, as that service would."""
        response = httpx.post(
            f"{self.apps[app].dapr_url}/v1.0/publish/pubsub/{topic}",
            params={"metadata.cloudevent.id": event_id},
            json=payload,
            headers=self.dapr_headers,
            timeout=10,
        )
        response.raise_for_status()

    def published(self, topic: str) -> list[dict[str, Any]]:
        """The events on `topic`, as the sandbox heard them: one more subscriber to every
        topic, so this works on any broker."""
        answer = httpx.get(
            f"{self.apps['sandbox'].url}/sandbox/events", params={"topic": topic}, timeout=30
        )
        answer.raise_for_status()
        events: list[dict[str, Any]] = answer.json()["events"]
        return events

    def deliveries(self, name: str, status: str) -> float:
        """How many events `name`'s sidecar delivered to its app that ended in `status`
        ("success", "retry", "drop"), by the sidecar's own metrics."""
        metrics = httpx.get(f"http://127.0.0.1:{self.apps[name].metrics_port}/metrics", timeout=5)
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.text.splitlines()
            if line.startswith("dapr_component_pubsub_ingress_count{")
            and f'process_status="{status}"' in line
        )

    def logs(self, tail_lines: int = 80) -> str:
        parts = []
        for path in sorted(self.logs_dir.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()[-tail_lines:]
            parts.append(f"----- {path.name} (last {len(lines)} lines) -----\n" + "\n".join(lines))
        return "\n".join(parts)
