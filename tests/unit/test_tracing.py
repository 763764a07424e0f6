"""W3C trace context: what is accepted from outside, and how it is carried."""

import json

import pytest

from shared import tracing
from shared.dapr.subscriptions import parse_cloudevent
from shared.events.base import AnyEvent

GOOD = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
OTHER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        42,
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  # unknown version
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",  # all-zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  # all-zero span id
        "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01",  # short
        GOOD + "\nX-Injected: 1",
    ],
)
def test_a_malformed_traceparent_is_ignored(value):
    assert tracing.valid(value) is None
    with tracing.continuing(value):
        assert tracing.current() is None
    assert tracing.headers() == {}


def test_a_trace_is_carried_and_put_back():
    assert tracing.valid(GOOD.upper()) == GOOD
    with tracing.continuing(GOOD):
        assert tracing.headers() == {"traceparent": GOOD}
        assert tracing.trace_id() == "0af7651916cd43dd8448eb211c80319c"
        with tracing.continuing(None):  # nothing new: the current one stays
            assert tracing.current() == GOOD
        with tracing.continuing(OTHER):
            assert tracing.trace_id() == "4bf92f3577b34da6a3ce929d0e0e4736"
        assert tracing.current() == GOOD
    assert tracing.current() is None


def test_a_delivery_takes_daprs_header_before_the_envelopes_field():
    raw = json.dumps({"id": "e1", "topic": "t", "traceparent": OTHER, "data": {}}).encode()
    _, meta = parse_cloudevent(raw, AnyEvent, "t", traceparent=GOOD)
    assert meta.traceparent == GOOD
    _, meta = parse_cloudevent(raw, AnyEvent, "t", traceparent="garbage")
    assert meta.traceparent == OTHER
