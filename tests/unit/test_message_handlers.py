from datetime import UTC, datetime

import pytest

from services.message.handlers import MessageDeps, accept_inbound, handle_inbound
from shared.dapr.subscriptions import EventMeta, Outcome
from shared.errors import Transient
from shared.events.message import Channel, WhatsAppInbound
from shared.events.topics import Topic
from tests.fakes import MemoryStore, RecordingPublisher, RecordingSender


def inbound(message_id="SM1", text="hi", name="Jane"):
    return WhatsAppInbound(
        channel=Channel.TWILIO,
        provider_message_id=message_id,
        sender="whatsapp:+15551234567",
        profile_name=name,
        text=text,
        received_at=datetime(2026, 11, 26, tzinfo=UTC),
    )


@pytest.fixture
def deps():
    return MessageDeps(
        publisher=RecordingPublisher(),
        state=MemoryStore(),
        sender=RecordingSender(),
        dedupe_ttl_seconds=60,
    )


def test_an_inbound_message_is_published_with_a_deterministic_id(deps):
    assert accept_inbound(inbound(), deps) is True
    [(topic, event, event_id)] = deps.publisher.published
    assert topic == Topic.WHATSAPP_INBOUND
    assert event_id == "twilio-SM1"
    assert event.text == "hi"


def test_the_same_provider_message_is_published_once(deps):
    assert accept_inbound(inbound(), deps) is True
    assert accept_inbound(inbound(), deps) is False
    assert len(deps.publisher.published) == 1


def test_dedupe_keys_expire(deps):
    accept_inbound(inbound(), deps)
    assert set(deps.state.ttls.values()) == {60}


def test_a_failed_publish_is_not_remembered_so_the_retry_publishes(deps):
    deps.publisher.fail = True
    with pytest.raises(Transient):
        accept_inbound(inbound(), deps)
    deps.publisher.fail = False
    assert accept_inbound(inbound(), deps) is True
    assert len(deps.publisher.published) == 1


def test_the_subscriber_greets_the_sender_once_per_event(deps):
    meta = EventMeta(id="twilio-SM1", topic=Topic.WHATSAPP_INBOUND)
    assert handle_inbound(inbound(), meta, deps) is Outcome.SUCCESS
    assert handle_inbound(inbound(), meta, deps) is Outcome.SUCCESS
    [(to, body)] = deps.sender.sent
    assert to == "whatsapp:+15551234567"
    assert "Hi Jane" in body


def test_different_events_each_get_an_answer(deps):
    handle_inbound(inbound("SM1"), EventMeta(id="twilio-SM1", topic="t"), deps)
    handle_inbound(inbound("SM2"), EventMeta(id="twilio-SM2", topic="t"), deps)
    assert len(deps.sender.sent) == 2
