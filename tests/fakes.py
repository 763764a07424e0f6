"""Fakes of the ports, for unit and service tests (never for e2e)."""

from dataclasses import dataclass, field
from typing import Any

from shared.errors import Conflict, Transient
from shared.events.base import Event


@dataclass
class RecordingPublisher:
    published: list[tuple[str, Event, str | None]] = field(default_factory=list)
    fail: bool = False

    def publish(self, topic: str, event: Event, *, event_id: str | None = None) -> None:
        if self.fail:
            raise Transient("broker down")
        self.published.append((topic, event, event_id))


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

    def save(
        self,
        key: str,
        value: dict[str, Any],
        *,
        etag: str | None = None,
        ttl_seconds: int | None = None,
    ) -> None:
        if self.before_save is not None:
            hook, self.before_save = self.before_save, None
            hook()
        if etag is not None and self.data.get(key, (None, None))[1] != etag:
            raise Conflict(key)
        self._version += 1
        self.data[key] = (value, str(self._version))
        self.ttls[key] = ttl_seconds

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


@dataclass
class RecordingSender:
    """Records texts as (to, body) and images as (to, "image:<url>")."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send_text(self, *, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"SM{len(self.sent):032d}"

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        self.sent.append((to, f"image:{url}" + (f" {caption}" if caption else "")))
        return f"MM{len(self.sent):032d}"

    def texts_to(self, to: str) -> list[str]:
        return [body for recipient, body in self.sent if recipient == to]
