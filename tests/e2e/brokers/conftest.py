import pytest

from tests.stacks import TEST_SCHEDULES
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


@pytest.fixture(params=BROKERS)
def stack(request, stacks):
    """The journeys' stack on each other broker (mosquitto, RabbitMQ, NATS JetStream,
    Kafka), one at a time."""
    profile = request.param
    return stacks.get(
        request,
        lambda workdir: Stack(
            profile,
            workdir,
            schedules=TEST_SCHEDULES,
            replicas={"message": 2} if profile in SHARED_BY_REPLICAS else None,
        ),
    )
