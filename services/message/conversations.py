"""Conversation records in the Dapr state store, saved with their ETag.

A record holds the conversation, the ids of the events already decided (so a
redelivered event is never decided twice) and an outbox: what each decision
still has to say and publish. Deciding and remembering happen in one
ETag-guarded write; the outbox is flushed after it, so a crash in between
loses nothing and a retry only finishes the flush.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from services.message.domain.conversation import Conversation
from shared.dapr.ports import KeyValueStore
from shared.errors import Conflict

# Enough to recognise redeliveries, which arrive within minutes.
REMEMBERED_EVENTS = 100


@dataclass(frozen=True)
class Outbox:
    event_id: str
    # {"type": "reply", "text" | "image_url": ...}
    # or {"type": "publish", "topic": ..., "event_id": ..., "payload": {...}}
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Record:
    conversation: Conversation
    channel: str
    processed: tuple[str, ...] = ()
    outbox: tuple[Outbox, ...] = field(default_factory=tuple)
    # Replies that could not be sent outside the 24-hour window, delivered when
    # the person writes again.
    held: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation.to_dict(),
            "channel": self.channel,
            "processed": list(self.processed),
            "outbox": [{"event_id": o.event_id, "items": list(o.items)} for o in self.outbox],
            "held": list(self.held),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Record":
        return cls(
            conversation=Conversation.from_dict(data["conversation"]),
            channel=data.get("channel", "twilio"),
            processed=tuple(data.get("processed", ())),
            outbox=tuple(Outbox(o["event_id"], tuple(o["items"])) for o in data.get("outbox", ())),
            held=tuple(data.get("held", ())),
        )

    def decided(
        self, event_id: str, conversation: Conversation, items: list[dict[str, Any]]
    ) -> "Record":
        outbox = (*self.outbox, Outbox(event_id, tuple(items))) if items else self.outbox
        processed = (*self.processed, event_id)[-REMEMBERED_EVENTS:]
        return replace(self, conversation=conversation, processed=processed, outbox=outbox)

    def pending(self, event_id: str) -> Outbox | None:
        return next((o for o in self.outbox if o.event_id == event_id), None)

    def without(self, event_id: str, held: tuple[dict[str, Any], ...] = ()) -> "Record":
        outbox = tuple(o for o in self.outbox if o.event_id != event_id)
        return replace(self, outbox=outbox, held=(*self.held, *held))


class ConversationStore:
    def __init__(self, state: KeyValueStore) -> None:
        self._state = state

    @staticmethod
    def key(user: str) -> str:
        return f"conversation:{user}"

    def load(self, user: str) -> tuple[Record | None, str | None]:
        data, etag = self._state.get(self.key(user))
        return (Record.from_dict(data) if data else None), etag

    def delete(self, user: str) -> None:
        self._state.delete(self.key(user))

    def save(self, record: Record, etag: str | None) -> None:
        """Raises Conflict when the record changed since it was loaded."""
        if etag is None:
            # A first write must not overwrite one made concurrently by a twin delivery.
            existing, _ = self._state.get(self.key(record.conversation.user))
            if existing is not None:
                raise Conflict(record.conversation.user)
        self._state.save(self.key(record.conversation.user), record.to_dict(), etag=etag)
