"""Fakes of the ports, for unit and service tests (never for e2e), and what daprd hands them."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from services.message.bootstrap import build_rules, message_ports
from services.message.domain.conversation import Option
from services.message.ports import MessagePorts
from services.message.settings import MessageSettings
from services.sandbox.interactive import TEMPLATE_VARIABLE_REFUSED
from shared.clock import Clock
from shared.dapr.ports import Publisher
from shared.errors import Conflict, Rejected, Transient
from shared.events import registry
from shared.events.base import Event
from shared.events.payment import PaymentCompleted
from tests.imagery import encode, photo


def cloudevent(data: Any, *, event_id: str = "ce-1", topic: str = "t", **extra: Any) -> bytes:
    """What daprd POSTs to a subscription: the payload inside a CloudEvent."""
    envelope = {
        "id": event_id,
        "source": "test",
        "specversion": "1.0",
        "type": "com.dapr.event.sent",
        "topic": topic,
        "datacontenttype": "application/json",
        "data": data,
    }
    return json.dumps({**envelope, **extra}).encode()


def payment_completed(order_id: str, user: str, **changes: Any) -> PaymentCompleted:
    """Payment's announcement of a paid order: a portrait of a woman, the corporate pack."""
    fields = {
        "pack_code": "corporate",
        "subject": "woman",
        "amount_minor": 1499,
        "currency": "usd",
        "provider_reference": f"pi_{order_id}",
    }
    return PaymentCompleted(order_id=order_id, user=user, **(fields | changes))


# Tests happen on a fixed day, whatever the calendar says.
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@dataclass
class FixedClock:
    """The clock tests inject: it stands still until the test moves it."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class RecordingPublisher:
    published: list[tuple[str, Event, str | None]] = field(default_factory=list)
    raw: list[tuple[str, str, str | None]] = field(default_factory=list)
    fail: bool = False

    def publish(self, event: Event, *, event_id: str | None = None) -> None:
        self._record(event.TOPIC, event, event_id)

    def _record(self, topic: str, event: Event, event_id: str | None) -> None:
        if self.fail:
            raise Transient("broker down")
        self.published.append((topic, event, event_id))

    def publish_json(self, topic: str, data: str, *, event_id: str | None = None) -> None:
        try:  # typed when the payload is whole, as consumers will read it
            event = registry.PAYLOADS.get(topic, Event).model_validate_json(data)
        except ValidationError:
            event = Event.model_validate_json(data)
        self._record(topic, event, event_id)
        self.raw.append((topic, data, event_id))


@dataclass
class AsyncPublisherOf:
    """The webhooks' async port over a RecordingPublisher: all of a test's publications
    land in one list, whoever made them."""

    recording: RecordingPublisher

    async def publish(self, event: Event, *, event_id: str | None = None) -> None:
        self.recording.publish(event, event_id=event_id)


@dataclass
class MemoryStore:
    """Dict-backed KeyValueStore with ETags, as the Dapr state store behaves."""

    data: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    ttls: dict[str, int | None] = field(default_factory=dict)
    _version: int = 0

    # Called once before each save: lets a test slip in a concurrent writer.
    before_save: Any = None

    def get(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        value, etag = self.data.get(key, (None, None))
        return (dict(value) if value is not None else None), etag

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        return {key: dict(self.data[key][0]) for key in keys if key in self.data}

    def save(
        self,
        key: str,
        value: dict[str, Any],
        *,
        etag: str | None = None,
        insert_only: bool = False,
        ttl_seconds: int | None = None,
    ) -> None:
        if self.before_save is not None:
            hook, self.before_save = self.before_save, None
            hook()
        if etag is not None and self.data.get(key, (None, None))[1] != etag:
            raise Conflict(key)
        if insert_only and key in self.data:
            raise Conflict(key)
        self._version += 1
        self.data[key] = (value, str(self._version))
        self.ttls[key] = ttl_seconds

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


@dataclass
class RecordingSender:
    """Records texts as (to, body), images as (to, "image:<url>") and documents as
    (to, "document:<filename>:<url>")."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    # The ids of the messages shown "typing…"; `typing_fails` makes the indicator fail.
    typing: list[str] = field(default_factory=list)
    typing_fails: bool = False

    def send_text(self, *, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"SM{len(self.sent):032d}"

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        self.sent.append((to, f"image:{url}" + (f" {caption}" if caption else "")))
        return f"MM{len(self.sent):032d}"

    def send_document(self, *, to: str, url: str, filename: str) -> str:
        self.sent.append((to, f"document:{filename}:{url}"))
        return f"MM{len(self.sent):032d}"

    # Interactive messages go out as their text (through send_text, which a test may make
    # fail) and leave their control here: (to, kind, what can be tapped).
    controls: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    def send_buttons(self, *, to: str, body: str, buttons: Sequence[Option], language: str) -> str:
        sid = self.send_text(to=to, body=body)
        self.controls.append((to, "buttons", tuple(b.id for b in buttons)))
        return sid

    def send_menu(
        self, *, to: str, body: str, button: str, rows: Sequence[Option], language: str
    ) -> str:
        sid = self.send_text(to=to, body=body)
        self.controls.append((to, "menu", tuple(r.id for r in rows)))
        return sid

    def send_link(self, *, to: str, body: str, label: str, url: str, language: str) -> str:
        sid = self.send_text(to=to, body=f"{body}\n[{label}]({url})")
        self.controls.append((to, "link", (url,)))
        return sid

    def send_template(self, *, to: str, text: str, language: str) -> str:
        # As WhatsApp: a variable with a new line, a tab or more than four spaces in a row
        # is refused (Meta #132018, Twilio 63013).
        if not text or TEMPLATE_VARIABLE_REFUSED.search(text):
            raise Rejected(f"template variable WhatsApp refuses: {text!r}")
        self.sent.append((to, f"template[{language}]:{text}"))
        return f"HX{len(self.sent):032d}"

    def show_typing(self, *, message_id: str) -> None:
        if self.typing_fails:
            raise Transient("typing indicator unavailable")
        self.typing.append(message_id)

    def texts_to(self, to: str) -> list[str]:
        return [body for recipient, body in self.sent if recipient == to]


@dataclass
class MemoryRecords:
    """The MessageRecords port in memory; SqlRecords has its own tests on SQLite."""

    last_inbound: dict[str, datetime] = field(default_factory=dict)
    outbound: list[dict[str, Any]] = field(default_factory=list)
    clock: Clock = field(default_factory=FixedClock)

    def seen(
        self, *, address: str, channel: str, language: str, profile_name: str | None, at: datetime
    ) -> None:
        self.last_inbound[address] = max(at, self.last_inbound.get(address, at))

    def window_open(self, address: str, now: datetime | None = None) -> bool:
        last = self.last_inbound.get(address)
        return last is not None and (now or self.clock()) - last < timedelta(hours=24)

    def close_window(self, address: str) -> None:
        self.last_inbound[address] = self.clock() - timedelta(days=2)

    def sent_many(self, messages: list[tuple[str, str, str, str, str]]) -> None:
        for _channel, provider_message_id, address, kind, body in messages:
            self.outbound.append(
                {
                    "id": provider_message_id,
                    "to": address,
                    "kind": kind,
                    "body": body,
                    "status": "queued",
                }
            )

    def status(
        self, *, channel: str, provider_message_id: str, status: str, error_code: str | None
    ) -> str | None:
        for message in self.outbound:
            if message["id"] == provider_message_id:
                message["status"] = status
                return str(message["to"])
        return None

    def quiet_since(self, cutoff: datetime) -> list[str]:
        return [address for address, last in self.last_inbound.items() if last < cutoff]

    def delete_outbound_before(self, cutoff: datetime) -> int:
        return 0  # the fake keeps no send times

    def erase(self, address: str) -> int:
        before = len(self.outbound)
        self.outbound = [m for m in self.outbound if m["to"] != address]
        self.last_inbound.pop(address, None)
        return before - len(self.outbound)


class MemoryBlobs(dict[str, bytes]):
    """The blob binding: names to bytes."""

    def put(self, name: str, data: bytes) -> None:
        self[name] = data

    def get(self, name: str) -> bytes:  # type: ignore[override]
        return self[name]

    def delete(self, name: str) -> None:
        self.pop(name, None)


@dataclass
class PictureDownloads:
    """MediaFetcher.download: each URL gives `picture`, or what `answers` says for it (bytes,
    or an exception to raise); what was asked is recorded."""

    picture: bytes = b""
    answers: dict[str, bytes | Exception] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def download(self, url: str) -> bytes:
        self.asked.append(url)
        answer = self.answers.get(url, self.picture)
        if isinstance(answer, Exception):
            raise answer
        return answer


def message_ports_on_fakes(
    settings: MessageSettings, *, publisher: Publisher | None = None
) -> MessagePorts:
    """The message handlers' ports over the fakes above: state and records in memory,
    sends recorded on Twilio, and the rules `settings` give."""
    clock = FixedClock()
    return message_ports(
        publisher=publisher or RecordingPublisher(),
        state=MemoryStore(),
        senders={"twilio": RecordingSender()},
        records=MemoryRecords(clock=clock),
        rules=build_rules(settings),
        clock=clock,
    )


# What Astria's packs make, as its `GET /p/:id` says (the sandbox's fake Astria says the same).
ASTRIA_IMAGES = {
    "corporate": {"woman": 35, "man": 28},
    "fantasy": dict.fromkeys(("woman", "man", "boy", "girl"), 12),
    "pets": dict.fromkeys(("dog", "cat"), 8),
}


@dataclass
class FakeAstriaPacks:
    """Astria's packs for the image service's handlers: counts by pack and subject, and
    covers drawn on demand (or none); `down` makes Astria unreachable."""

    images_by_pack: dict[str, dict[str, int]] = field(default_factory=lambda: ASTRIA_IMAGES)
    covers: bool = False
    down: bool = False
    asked: list[str] = field(default_factory=list)

    def images(self, pack: Any, subject: str) -> int | None:
        if self.down:
            raise Transient("astria unreachable")
        return self.images_by_pack.get(pack.code, {}).get(subject)

    def cover(self, pack: Any) -> bytes | None:
        self.asked.append(pack.code)
        if not self.covers:
            return None
        return encode(photo(600, 800, seed=len(pack.code)))
