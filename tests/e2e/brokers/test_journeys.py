"""The journeys on the other brokers (the `mqtt`, `rabbitmq`, `jetstream` and `kafka`
profiles): the same tests, another broker underneath.

What the tests see on the bus comes through the sandbox's own subscription, so nothing
here reads the broker directly. A handler that fails once is retried, and a poison message
goes to `deadletter`: both are Dapr's, and are checked on each broker.
"""

import httpx
import pytest

from tests.e2e.brokers.conftest import BROKERS, SHARED_BY_REPLICAS
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


def test_the_replicas_of_one_app_id_share_its_events(stack):
    """After the journeys (each asserting that nothing reached a person twice), every
    replica of message has handled some of message's events, and together about one
    delivery each, not one each: they compete for the events rather than each getting
    all. MQTT runs one replica (one session per app id)."""
    replicas = [app for app in stack.apps.values() if app.app_id == "message"]
    assert len(replicas) == (2 if stack.profile in SHARED_BY_REPLICAS else 1)
    subscribed = httpx.get(f"{stack['message'].url}/dapr/subscribe", timeout=5).json()
    events = {e["id"] for s in subscribed for e in stack.published(s["topic"])}
    counts = {app.name: stack.deliveries(app.name, "success") for app in replicas}
    assert all(count > 0 for count in counts.values()), counts
    assert len(events) <= sum(counts.values()) < len(events) * 1.5, (len(events), counts)
