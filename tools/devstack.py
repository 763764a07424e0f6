"""Start the local stack: the broker for a profile, the rendered Dapr components, the apps.

`make run` uses `python -m tools.devstack run`, which starts the broker and the
scheduler, then hands over to `dapr run -f dapr.yaml`. The e2e fixture imports
the same pieces, runs each app with the command dapr.yaml gives it, and starts
daprd directly on free ports.
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = ROOT / "components"
RUN_FILE = ROOT / "dapr.yaml"
PROFILES = ("local", "redis", "postgres", "mqtt", "rabbitmq", "jetstream", "kafka")
# A profile may build on another: its own files replace the base's files of the same name
# (redis keeps only its pub/sub and state store; postgres only its state store; the other
# brokers only their pub/sub).
PROFILE_BASES = {
    "redis": "local",
    "postgres": "redis",
    "mqtt": "local",
    "rabbitmq": "local",
    "jetstream": "local",
    "kafka": "local",
}
# The broker's port under `make run`; BROKER_PORT overrides it.
BROKER_PORTS = {
    "local": 6390,
    "redis": 6391,
    "postgres": 6392,
    "mqtt": 1884,
    "rabbitmq": 5679,
    "jetstream": 4223,
    # Not Kafka's usual 9092: the sidecars' metrics hold 9090-9094.
    "kafka": 9192,
}
# PostgreSQL's port under `make run PROFILE=postgres`; POSTGRES_PORT overrides it.
POSTGRES_PORT = 5440
# Zipkin's under `make run TRACING=1` (its usual port); ZIPKIN_PORT overrides it.
ZIPKIN_PORT = 9411
# Each service's tables in a database named after it; Dapr's state in one more.
DATABASES = ("message", "image", "payment", "maintenance", "dapr_state")
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


def max_body_size(run_file: Path = RUN_FILE) -> str:
    """daprd's --max-body-size, as the run file gives it to every sidecar."""
    return str(read_run_file(run_file)["common"]["maxBodySize"])


# What tools/dapr/install.sh provides: the runtime of every run, and daprd of the minor
# Azure Container Apps runs (built beside it, into the cache).
DAPRD_VERSION = "1.18.3"
ACA_DAPRD_VERSION = "1.16.5"


def find_daprd(version: str | None = None) -> Path:
    """daprd on PATH, else where `dapr init` and tools/dapr/install.sh put it; a `version`
    other than the default one is looked up in install.sh's cache."""
    if version is not None:
        built = CACHE / "dapr" / f"runtime-{version}" / "daprd"
        if built.is_file() and os.access(built, os.X_OK):
            return built
        raise FileNotFoundError(f"daprd {version} not found: run `make setup`")
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
        # Atomically: test runs side by side may both be reading it.
        partial = secrets.with_name(f".{secrets.name}.{os.getpid()}")
        partial.write_text(json.dumps({**example, **current}, indent=2) + "\n")
        partial.replace(secrets)
    return secrets


def profile_files(profile: str) -> list[Path]:
    """A profile's resource files, its base profile's included."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    base = PROFILE_BASES.get(profile)
    files = {path.name: path for path in profile_files(base)} if base else {}
    files.update({path.name: path for path in (COMPONENTS / profile).glob("*.yaml")})
    return [files[name] for name in sorted(files)]


def render_components(
    profile: str,
    out_dir: Path,
    *,
    run_dir: Path,
    broker_addr: str,
    state_db: str = "",
    time_scale: float = 1.0,
    **schedules: str,
) -> Path:
    """Copy a profile's resources with machine-specific values (paths, ports) filled in;
    with a `time_scale` below 1, its retries back off that much faster (`scale_retries`)."""
    files = profile_files(profile)
    values = {
        **DEFAULT_SCHEDULES,
        **schedules,
        "RUN_DIR": str(run_dir),
        "BROKER_ADDR": broker_addr,
        "STATE_DB": state_db,
        "SECRETS_FILE": str(ensure_secrets_file()),
    }
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    for source in files:
        rendered = Template(source.read_text()).substitute(values)
        if source.name == "resiliency.yaml" and time_scale != 1.0:
            rendered = scale_retries(rendered, time_scale)
        (out_dir / source.name).write_text(rendered)
    return out_dir


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(duration: str) -> float:
    """A Go duration as Dapr writes them ("500ms", "60s", "1m30s"), in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a duration: {duration!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def scale_retries(resiliency: str, scale: float) -> str:
    """A Resiliency resource whose retry policies wait `scale` times as long: the same
    policies, tries and targets, so a test sees a minute of production backoff in seconds.
    Timeouts are kept: they bound a call on a busy machine, and every client's timeout is
    nested under them (shared/timeouts.py)."""
    document = yaml.safe_load(resiliency)
    for policy in document["spec"]["policies"].get("retries", {}).values():
        for key in ("duration", "maxInterval"):
            if key in policy:
                policy[key] = f"{round(duration_seconds(policy[key]) * scale * 1000)}ms"
    scaled: str = yaml.safe_dump(document, sort_keys=False)
    return scaled


_handed_out: set[int] = set()


def port_range() -> tuple[int, int]:
    """FREE_PORTS=low-high narrows the range, so test runs side by side never draw the
    same port between one's check and its bind."""
    low, _, high = os.environ.get("FREE_PORTS", "20000-32000").partition("-")
    return int(low), int(high)


def free_port() -> int:
    """A port nothing listens on, never handed out twice by this process.

    Drawn below Linux's ephemeral range (32768+) so outgoing connections cannot
    take it between this check and the bind, and checked on all interfaces
    because daprd listens on all of them.
    """
    low, high = port_range()
    for _ in range(1000):
        port = random.randrange(low, high)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port between {low} and {high}")


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


def postgres_bin_dir() -> Path:
    """Debian's PostgreSQL binaries (not on PATH), the newest major version."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3])
    )
    if not found:
        raise FileNotFoundError("PostgreSQL not found: apt-get install postgresql")
    return found[-1].parent


@dataclass
class Postgres:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path

    def url(self) -> str:
        """The server, for DATABASE_SERVER: each service adds its own database's name."""
        return f"postgresql+psycopg2://bot@127.0.0.1:{self.port}"

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=bot dbname={database} sslmode=disable"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # a "smart" shutdown: it waits for clients to go
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "whatsapp-astria-bot"
ZIPKIN_JAR = CACHE / "zipkin" / "zipkin-server-3.5.1-exec.jar"  # tools/zipkin/install.sh


@dataclass
class Zipkin:
    """The local tracing backend (tools/zipkin/install.sh): spans in memory, its UI and
    API (`/api/v2/trace/{id}`) on `url`."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_zipkin(port: int, log_file: Path) -> Zipkin:
    java = shutil.which("java")
    if java is None or not ZIPKIN_JAR.exists():
        raise FileNotFoundError("Zipkin needs java and tools/zipkin/install.sh (make setup)")
    log = log_file.open("ab")
    process = subprocess.Popen(
        [java, "-Xms64m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", str(ZIPKIN_JAR)],
        stdout=log,
        stderr=subprocess.STDOUT,
        # Loopback only (Armeria's own port list; QUERY_PORT alone binds every interface).
        env={
            **os.environ,
            "ARMERIA_PORTS_0_PORT": str(port),
            "ARMERIA_PORTS_0_IP": "127.0.0.1",
            "ARMERIA_PORTS_0_PROTOCOLS_0": "http",
            "STORAGE_TYPE": "mem",
        },
        start_new_session=True,
    )
    server = Zipkin(process, port)
    try:
        wait_for_port(port, 90, process)
    except Exception:
        server.stop()
        raise
    return server


def dapr_config(out: Path, zipkin: Zipkin | None) -> Path:
    """components/config.yaml, and with a Zipkin: every request sampled and sent to it."""
    config = yaml.safe_load((ROOT / "components" / "config.yaml").read_text())
    if zipkin is not None:
        config["spec"]["tracing"] = {
            "samplingRate": "1",
            "zipkin": {"endpointAddress": f"{zipkin.url}/api/v2/spans"},
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, sort_keys=False))
    return out


def start_postgres(data_dir: Path, port: int, log_file: Path) -> Postgres:
    """A PostgreSQL server of our own: initdb on first use, then `postgres` in the
    foreground, on loopback only. PostgreSQL refuses to run as root, so as root it runs
    as Debian's `postgres` user, with its data in a folder that user can reach."""
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        as_postgres = ["runuser", "-u", "postgres", "--"]
        digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
        data_dir = Path(tempfile.gettempdir()) / f"whatsapp-astria-bot-pg-{digest}"
        data_dir.mkdir(mode=0o700, exist_ok=True)
        shutil.chown(data_dir, "postgres", "postgres")
    data_dir.mkdir(parents=True, exist_ok=True)
    bin_dir = postgres_bin_dir()
    if not (data_dir / "PG_VERSION").exists():
        initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "bot", "--auth=trust"]
        subprocess.run(
            [*as_postgres, *initdb, "--encoding=UTF8", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    command = [*as_postgres, str(bin_dir / "postgres"), "-D", str(data_dir), "-p", str(port)]
    command += ["-k", str(data_dir), "-c", "listen_addresses=127.0.0.1"]
    log = log_file.open("ab")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Postgres(process, port, data_dir)
    try:
        wait_for_port(port, 30, server.process)
        _create_databases(server)
    except Exception:
        server.stop()
        raise
    return server


def _create_databases(server: Postgres) -> None:
    import psycopg2

    for _attempt in range(50):  # the port opens a moment before it accepts logins
        try:
            connection = psycopg2.connect(server.dsn("postgres"))
            break
        except psycopg2.OperationalError:
            time.sleep(0.2)
    else:
        raise TimeoutError("PostgreSQL does not accept connections")
    connection.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database")
            existing = {name for (name,) in cursor.fetchall()}
            for name in DATABASES:
                if name not in existing:
                    cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()
    _create_dapr_metadata_table(server)


def _create_dapr_metadata_table(server: Postgres) -> None:
    """state.postgresql's metadata table, made before the sidecars start, with the component's
    own DDL. Five sidecars making it at once can fail one of them ("type dapr_metadata already
    exists", SQLSTATE 42710): Dapr retries only 23505 (components-contrib 1.16.5 and 1.18.4,
    common/component/sql/migrations/postgres). Its migrations after that are locked, so the
    race is only here."""
    import psycopg2

    connection = psycopg2.connect(server.dsn("dapr_state"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS dapr_metadata"
                " (key text NOT NULL PRIMARY KEY, value text NOT NULL)"
            )
    finally:
        connection.close()


def scheduler_command(run_dir: Path) -> list[str]:
    """The scheduler on dapr.yaml's port, every other port of it free: its embedded etcd's
    client and peer ports too (etcd's 2379 and 2380 by default), so that a second stack on
    the machine (make test beside make run) never meets the first."""
    return [
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
        # The peer URL is this server's entry in the initial cluster (a data folder made
        # under another port starts too: tried).
        "--etcd-initial-cluster",
        f"dapr-scheduler-server-0=http://localhost:{free_port()}",
    ]


def run(profile: str, broker_port: int) -> int:
    """Provisioned binaries + broker + scheduler + `dapr run -f dapr.yaml`, until Ctrl-C."""
    run_dir = ROOT / ".run" / profile
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    (ROOT / ".run" / "data").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    bins = [ROOT / ".venv" / "bin", Path.home() / ".dapr" / "bin"]
    env["PATH"] = os.pathsep.join([*map(str, bins), env["PATH"]])
    dapr = shutil.which("dapr", path=env["PATH"])
    if not dapr:
        print("the Dapr CLI is missing: run `make setup`", file=sys.stderr)
        return 1
    from tools.brokers import start_broker  # it imports this module's helpers

    broker = start_broker(profile, run_dir / "broker", broker_port, run_dir / "logs" / "broker.log")
    postgres = None
    if profile == "postgres":
        port = int(os.environ.get("POSTGRES_PORT") or POSTGRES_PORT)
        try:
            postgres = start_postgres(run_dir / "postgres", port, run_dir / "logs" / "postgres.log")
        except Exception:
            broker.stop()
            raise
        # Every app inherits it: each keeps its tables in a database named after it.
        env["DATABASE_SERVER"] = postgres.url()
    render_components(
        profile,
        ROOT / ".run" / "components",
        run_dir=run_dir,
        broker_addr=broker.address,
        state_db=postgres.dsn("dapr_state") if postgres else "",
    )
    zipkin = None
    if os.environ.get("TRACING", "") not in ("", "0"):
        port = int(os.environ.get("ZIPKIN_PORT") or ZIPKIN_PORT)
        try:
            zipkin = start_zipkin(port, run_dir / "logs" / "zipkin.log")
        except Exception:
            broker.stop()
            if postgres:
                postgres.stop()
            raise
    dapr_config(ROOT / ".run" / "config.yaml", zipkin)
    print(f"\n  profile {profile}: broker on {broker.address}")
    if zipkin:
        print(f"  Zipkin (one trace per order): {zipkin.url}/zipkin/")
    if postgres:
        print(f"  PostgreSQL on 127.0.0.1:{postgres.port} (user bot, one database per service)")
    print("  logs: .run/<profile>/logs and services/<app>/.dapr/logs")
    print("  sandbox (chat page):  http://127.0.0.1:8000/")
    print("  operator's page:      http://127.0.0.1:8004/operator/\n", flush=True)
    scheduler = subprocess.Popen(
        scheduler_command(run_dir),
        stdout=(run_dir / "logs" / "scheduler.log").open("ab"),
        stderr=subprocess.STDOUT,
        # Its own session: a terminal's Ctrl-C reaches the sidecars, and the
        # scheduler is stopped only after they are gone.
        start_new_session=True,
    )
    dapr_run = subprocess.Popen([dapr, "run", "-f", str(RUN_FILE)], env=env, cwd=ROOT)

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C, and SIGTERM from `kill` or `timeout`, stop the apps. Set explicitly: a
    # shell starting `make run` in the background leaves SIGINT ignored, and Python then
    # keeps ignoring it (the Dapr CLI sits in a process group of its own and hears
    # only what this process forwards).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return dapr_run.wait()
    except KeyboardInterrupt:
        dapr_run.send_signal(signal.SIGINT)
        return dapr_run.wait()
    finally:
        scheduler.terminate()
        broker.stop()
        if postgres:
            postgres.stop()
        if zipkin:
            zipkin.stop()


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
