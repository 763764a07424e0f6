"""Use cases of the message service; collaborators come in as arguments."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from services.message.domain import replies
from services.message.ports import WhatsAppSender
from shared.dapr.ports import KeyValueStore, Publisher
from shared.dapr.subscriptions import EventMeta, Outcome
from shared.events.message import WhatsAppInbound
from shared.events.topics import Topic
from shared.logging import mask_phone

log = logging.getLogger(__name__)


@dataclass
class MessageDeps:
    publisher: Publisher
    state: KeyValueStore
    sender: WhatsAppSender
    dedupe_ttl_seconds: int


def inbound_event_id(event: WhatsAppInbound) -> str:
    """Deterministic, so a redelivered webhook yields the same CloudEvent id."""
    return f"{event.channel.value}-{event.provider_message_id}"


def accept_inbound(event: WhatsAppInbound, deps: MessageDeps) -> bool:
    """Webhook side: publish a message once; False when it was already accepted.

    Publish before remembering: if the publish fails the webhook answers 500 and
    the provider's retry publishes again. A duplicate that slips through has the
    same event id, which the subscriber de-duplicates.
    """
    key = f"inbound-seen:{inbound_event_id(event)}"
    seen, _ = deps.state.get(key)
    if seen is not None:
        log.info("duplicate webhook ignored", extra={"message_id": event.provider_message_id})
        return False
    deps.publisher.publish(Topic.WHATSAPP_INBOUND, event, event_id=inbound_event_id(event))
    deps.state.save(key, {"at": datetime.now(UTC).isoformat()}, ttl_seconds=deps.dedupe_ttl_seconds)
    return True


def handle_inbound(event: WhatsAppInbound, meta: EventMeta, deps: MessageDeps) -> Outcome:
    """Subscriber side: answer the person, once per event id."""
    key = f"inbound-handled:{meta.id}"
    done, _ = deps.state.get(key)
    if done is not None:
        return Outcome.SUCCESS
    deps.sender.send_text(to=event.sender, body=replies.greeting(event.profile_name))
    deps.state.save(key, {"at": datetime.now(UTC).isoformat()}, ttl_seconds=deps.dedupe_ttl_seconds)
    log.info("answered", extra={"sender": mask_phone(event.sender), "event_id": meta.id})
    return Outcome.SUCCESS
