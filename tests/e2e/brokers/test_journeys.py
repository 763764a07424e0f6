"""The journeys on the other brokers (the `mqtt` and `rabbitmq` profiles): the same tests,
another broker underneath.

What the tests see on the bus comes through the sandbox's own subscription, so nothing
here reads the broker directly. A handler that fails once is retried, and a poison message
goes to `deadletter`: both are Dapr's, and are checked on each broker.
"""

import httpx
import pytest

from tests.e2e.brokers.conftest import BROKERS
from tests.e2e.journeys import *  # noqa: F403 - collected here, on these profiles
from tests.e2e.test_payment import (  # noqa: F401
    test_an_expiry_delivered_after_the_payment_changes_nothing,
)

pytestmark = pytest.mark.e2e


def test_the_bus_is_the_profiles_and_every_subscription_has_its_dead_letter_topic(stack):
    metadata = httpx.get(f"{stack['message'].dapr_url}/v1.0/metadata", timeout=5).json()
    components = {c["name"]: c["type"] for c in metadata["components"]}
    assert components["pubsub"] == BROKERS[stack.profile]
    assert components["statestore"] == "state.sqlite"
    assert {s["deadLetterTopic"] for s in metadata["subscriptions"]} == {"deadletter"}
