"""A person's conversation record, as the state store keeps it (adapters/conversations.py).

A record holds the conversation, the ids of the events already decided (so a
redelivered event is never decided twice), this minute's message count, and an
outbox: what each decision still has to say and publish, item by item, in the
order decided. Deciding and remembering happen in one ETag-guarded write, which
also takes the lease of the outbox when nobody else is sending it; the courier
(adapters/courier.py) sends it.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from services.message.domain.conversation import Conversation
from shared.clock import Clock

# Enough to recognise redeliveries, which arrive within minutes.
REMEMBERED_EVENTS = 100

# An ETag conflict means another delivery for the person wrote first: decide again.
MAX_CONFLICT_RETRIES = 8

# A flusher renews its lease when half of it is gone; one that died is replaced after this.
LEASE_DURATION = timedelta(seconds=30)


@dataclass(frozen=True)
class Outbox:
    event_id: str
    # {"id": "<event id>#<n>", "type": "reply", "text" | "image_url" | "document_url": ...}
    # or {"id": ..., "type": "publish", "topic": ..., "event_id": ..., "payload": {...}}
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Lease:
    """Who sends this person's outbox now (its first item), and until when."""

    owner: str
    until: datetime

    def live(self, now: datetime) -> bool:
        return now < self.until

    def to_dict(self) -> dict[str, str]:
        return {"owner": self.owner, "until": self.until.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, str] | None) -> "Lease | None":
        if not data:
            return None
        return cls(data["owner"], datetime.fromisoformat(data["until"]))


@dataclass(frozen=True)
class Record:
    conversation: Conversation
    channel: str
    processed: tuple[str, ...] = ()
    outbox: tuple[Outbox, ...] = field(default_factory=tuple)
    # Replies that could not be sent outside the 24-hour window, delivered when
    # the person writes again.
    held: tuple[dict[str, Any], ...] = ()
    lease: Lease | None = None
    # (minute, messages from the person in it), for the per-person rate limit.
    rate: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation.to_dict(),
            "channel": self.channel,
            "processed": list(self.processed),
            "outbox": [{"event_id": o.event_id, "items": list(o.items)} for o in self.outbox],
            "held": list(self.held),
            "lease": self.lease.to_dict() if self.lease else None,
            "rate": list(self.rate),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Record":
        return cls(
            conversation=Conversation.from_dict(data["conversation"]),
            channel=data.get("channel", "twilio"),
            processed=tuple(data.get("processed", ())),
            outbox=tuple(
                Outbox(
                    o["event_id"],
                    # Records written before items had ids get the same ids decided() gives.
                    tuple({"id": f"{o['event_id']}#{n}", **i} for n, i in enumerate(o["items"])),
                )
                for o in data.get("outbox", ())
            ),
            held=tuple(data.get("held", ())),
            lease=Lease.from_dict(data.get("lease")),
            rate=(int(data.get("rate", (0, 0))[0]), int(data.get("rate", (0, 0))[1])),
        )

    def decided(
        self, event_id: str, conversation: Conversation, items: list[dict[str, Any]]
    ) -> "Record":
        """Remember the event and queue its items, each with a stable id."""
        numbered = tuple({**item, "id": f"{event_id}#{n}"} for n, item in enumerate(items))
        outbox = (*self.outbox, Outbox(event_id, numbered)) if items else self.outbox
        processed = (*self.processed, event_id)[-REMEMBERED_EVENTS:]
        return replace(self, conversation=conversation, processed=processed, outbox=outbox)

    def pending(self, event_id: str) -> Outbox | None:
        return next((o for o in self.outbox if o.event_id == event_id), None)

    def items(self) -> list[dict[str, Any]]:
        """Every item still owed, oldest first."""
        return [item for group in self.outbox for item in group.items]

    def next_item(self) -> dict[str, Any] | None:
        """The oldest item still owed: items leave in the order they were decided."""
        return self.outbox[0].items[0] if self.outbox else None

    def leased(self, lease: Lease | None) -> "Record":
        return replace(self, lease=lease)

    def done(self, item_id: str, *, hold: bool = False) -> "Record":
        """The item went out (or was given up), or is held for when the window opens."""
        outbox = []
        taken: dict[str, Any] | None = None
        for group in self.outbox:
            kept = tuple(item for item in group.items if item["id"] != item_id)
            taken = taken or next((i for i in group.items if i["id"] == item_id), None)
            if kept:
                outbox.append(replace(group, items=kept))
        held = (*self.held, taken) if hold and taken is not None else self.held
        return replace(self, outbox=tuple(outbox), held=held)

    def without(self, done: dict[str, bool]) -> "Record":
        """These items went out (or were given up); those marked True are held."""
        record = self
        for item_id, held in done.items():
            record = record.done(item_id, hold=held)
        return record

    def counted(self, minute: int) -> tuple["Record", int]:
        """One more message from the person this minute: the record, and the count."""
        last_minute, count = self.rate
        count = count + 1 if last_minute == minute else 1
        return replace(self, rate=(minute, count)), count


def new_owner() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Taken:
    """The record as this flusher saved it with its lease."""

    record: Record
    owner: str
    # It replaced a lease that ran out: some of the items may have gone out already.
    takeover: bool


def take_lease(record: Record, owner: str, clock: Clock) -> Taken | None:
    """The record leased to `owner`, when it owes something and nobody live is sending."""
    if record.next_item() is None:
        return None
    now = clock()
    if record.lease is not None and record.lease.live(now):
        return None
    leased = record.leased(Lease(owner, now + LEASE_DURATION))
    return Taken(leased, owner, takeover=record.lease is not None)
