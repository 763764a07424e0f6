"""One order is one trace: a stack whose sidecars sample every request to a real Zipkin
(tools/zipkin/install.sh), a whole journey, and the trace read back from Zipkin's API."""

import time
from typing import Any

import httpx
import pytest

from shared import tracing
from tests.e2e.people import Person
from tests.e2e.test_conversation import buy_portraits
from tests.e2e.test_maintenance import operator
from tests.stacks import TEST_SCHEDULES
from tools.stack import Stack

pytestmark = pytest.mark.e2e

ORDER_TOPICS = (
    "checkout.requested",
    "checkout.ready",
    "payment.completed",
    "tune.started",
    "tune.trained",
    "images.ready",
    "order.completed",
)


@pytest.fixture
def stack(request, stacks):
    return stacks.get(
        request,
        lambda workdir: Stack("local", workdir, schedules=TEST_SCHEDULES, tracing=True),
    )


def order_events(stack, order_id):
    return {
        topic: [e for e in stack.published(topic) if e["data"].get("order_id") == order_id]
        for topic in ORDER_TOPICS
    }


def spans_of(stack, trace_id, services, topics, timeout=60.0):
    """The trace as Zipkin has it, once spans from every one of `services` and about each
    of `topics` arrived (the sidecars export in batches)."""
    deadline = time.monotonic() + timeout
    spans: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        answer = httpx.get(f"{stack.zipkin.url}/api/v2/trace/{trace_id}", timeout=10)
        if answer.status_code == 200:
            spans = answer.json()
            found = {s.get("localEndpoint", {}).get("serviceName") for s in spans}
            names = " ".join(s.get("name", "") for s in spans)
            if services <= found and all(topic in names for topic in topics):
                return spans
        time.sleep(1)
    raise AssertionError(f"trace {trace_id}: spans of {services} not all in {spans}")


def test_one_order_is_one_trace_across_every_service(stack):
    person = Person(stack)
    order_id, before = buy_portraits(stack, person, "twilio")
    deadline = time.monotonic() + 60
    while not any("That's all of them" in m for m in person.received()[before:]):
        assert time.monotonic() < deadline, person.received()
        time.sleep(0.3)

    # Every event of the order travelled in the same trace: the pack's tap started it, the
    # payment service continued it from Stripe's webhook, the image service from Astria's
    # callbacks.
    def complete():
        events = order_events(stack, order_id)
        return events if all(events.values()) else None

    deadline = time.monotonic() + 30
    while (events := complete()) is None:
        assert time.monotonic() < deadline, order_events(stack, order_id)
        time.sleep(0.5)
    traces = {
        topic: {tracing.trace_id(e["traceparent"]) for e in found}
        for topic, found in events.items()
    }
    trace_ids = set().union(*traces.values())
    assert len(trace_ids) == 1, traces
    [trace_id] = trace_ids
    assert trace_id is not None

    # Zipkin holds spans of every service about each of the order's events, and no other
    # trace's: the sidecars' publish and delivery spans, our apps' ids as service names.
    services = {"message", "payment", "image", "maintenance", "sandbox"}
    spans = spans_of(stack, trace_id, services, ORDER_TOPICS)
    assert {s["traceId"] for s in spans} == {trace_id}

    # The operator reads the same order's timeline: every event once, the order delivered.
    with operator(stack) as client:
        order = client.get(f"/orders/{order_id}").json()
    assert order["stage"] == "delivered"
    assert set(ORDER_TOPICS) <= {e["topic"] for e in order["timeline"]}
    assert len({e["event_id"] for e in order["timeline"]}) == len(order["timeline"])

    # The services' own log lines name the trace, so one finds them from it.
    for app in ("payment", "image"):
        log = (stack.logs_dir / f"{app}.app.log").read_text(errors="replace")
        assert f'"trace_id": "{trace_id}"' in log, app
