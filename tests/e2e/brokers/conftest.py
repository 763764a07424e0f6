import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tools.stack import Stack

# Profile -> its pub/sub component: the other brokers, each with the state of `local`.
BROKERS = {"mqtt": "pubsub.mqtt3", "rabbitmq": "pubsub.rabbitmq", "jetstream": "pubsub.jetstream"}


@pytest.fixture(scope="module", params=BROKERS)
def stack(request, tmp_path_factory):
    """The journeys' stack on each other broker (mosquitto, RabbitMQ, NATS JetStream),
    one at a time."""
    profile = request.param
    system = Stack(profile, tmp_path_factory.mktemp(f"stack-{profile}"), schedules=TEST_SCHEDULES)
    with running(request, system, profile) as started:
        yield started
