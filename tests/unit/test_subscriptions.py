import json

import pytest

from shared.dapr.subscriptions import Outcome, parse_cloudevent, run_handler
from shared.errors import Rejected, Transient
from shared.events.base import EventMeta
from shared.events.message import WhatsAppInbound
from tests import fakes

PAYLOAD = {
    "channel": "twilio",
    "provider_message_id": "SM1",
    "sender": "whatsapp:+15551234567",
    "text": "hi",
    "received_at": "2026-11-26T10:00:00Z",
}


def cloudevent(data, **extra):
    return fakes.cloudevent(
        data, event_id="twilio-SM1", topic="whatsapp.inbound", source="message", **extra
    )


def test_a_cloudevent_is_unwrapped_into_the_contract_and_its_meta():
    event, meta = parse_cloudevent(cloudevent(PAYLOAD), WhatsAppInbound, "whatsapp.inbound")
    assert event.text == "hi"
    assert meta == EventMeta(id="twilio-SM1", topic="whatsapp.inbound", source="message", time=None)


def test_unknown_fields_from_a_newer_publisher_are_tolerated():
    event, _ = parse_cloudevent(
        cloudevent({**PAYLOAD, "added_later": 1}), WhatsAppInbound, "whatsapp.inbound"
    )
    assert event.provider_message_id == "SM1"


def test_data_published_as_a_json_string_is_still_understood():
    event, _ = parse_cloudevent(cloudevent(json.dumps(PAYLOAD)), WhatsAppInbound, "t")
    assert event.sender == "whatsapp:+15551234567"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "no data"),
        (json.dumps({"id": "x"}).encode(), "no data"),
        (cloudevent("plain text"), "not JSON"),
        (cloudevent({"channel": "twilio"}), "does not match"),
        (cloudevent({**PAYLOAD, "channel": "telegram"}), "does not match"),
    ],
)
def test_poison_messages_are_rejected(raw, reason):
    with pytest.raises(Rejected, match=reason):
        parse_cloudevent(raw, WhatsAppInbound, "whatsapp.inbound")


META = EventMeta(id="e1", topic="t")
EVENT = WhatsAppInbound.model_validate(PAYLOAD)


def test_a_handler_returning_nothing_is_a_success():
    assert run_handler(lambda *_: None, EVENT, META, None) is Outcome.SUCCESS


def test_rejected_input_is_dropped_not_retried():
    def handler(*_):
        raise Rejected("impossible transition")

    assert run_handler(handler, EVENT, META, None) is Outcome.DROP


@pytest.mark.parametrize("error", [Transient("db down"), RuntimeError("bug"), TimeoutError()])
def test_anything_else_is_retried(error):
    def handler(*_):
        raise error

    assert run_handler(handler, EVENT, META, None) is Outcome.RETRY
