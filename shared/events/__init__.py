"""Event contracts: the payloads that travel between services over pub/sub."""

from shared.events.base import Event
from shared.events.message import Channel, InboundMedia, WhatsAppInbound
from shared.events.topics import DEADLETTER_TOPIC, Topic

__all__ = [
    "DEADLETTER_TOPIC",
    "Channel",
    "Event",
    "InboundMedia",
    "Topic",
    "WhatsAppInbound",
]
