import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tools.stack import Stack

# Profile -> its pub/sub component: the other brokers, each with the state of `local`.
BROKERS = {
    "mqtt": "pubsub.mqtt3",
    "rabbitmq": "pubsub.rabbitmq",
    "jetstream": "pubsub.jetstream",
    "kafka": "pubsub.kafka",
}
# Where Dapr's component lets the replicas of one app id share its events, the journeys run
# with two of message; MQTT's holds one session per app id (README: Profiles).
SHARED_BY_REPLICAS = ("rabbitmq", "jetstream", "kafka")


@pytest.fixture(scope="module", params=BROKERS)
def stack(request, tmp_path_factory):
    """The journeys' stack on each other broker (mosquitto, RabbitMQ, NATS JetStream,
    Kafka), one at a time."""
    profile = request.param
    system = Stack(
        profile,
        tmp_path_factory.mktemp(f"stack-{profile}"),
        schedules=TEST_SCHEDULES,
        replicas={"message": 2} if profile in SHARED_BY_REPLICAS else None,
    )
    with running(request, system, profile) as started:
        yield started
