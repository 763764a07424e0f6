"""What the fake providers saw, kept in memory: the sandbox is a test double, not a product."""

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.sandbox.astria_fake import AstriaState
from services.sandbox.stripe_fake import StripeState

# What the sandbox remembers of each kind: enough for any chat and test, bounded so a
# long run or a benchmark does not grow it without end.
HISTORY = 50_000


@dataclass
class SandboxStore:
    outbound: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    inbound: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    # media sid -> (content type, bytes): what "Twilio" hosts for inbound photos.
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    deleted_media: list[str] = field(default_factory=list)
    # Twilio Content API templates by sid ("HX…"), in the order they were created.
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    stripe: StripeState = field(default_factory=StripeState)
    astria: AstriaState = field(default_factory=AstriaState)
    # What flowed between the services, as the sandbox observed it on the broker.
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    # The person's messages the bot marked read with "typing…": channel, message_id, time.
    typing: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    # How many messages the bot has sent: each outbound message's "seq" is its rank.
    outbound_count: int = 0
    # channel -> (HTTP status, provider error code) the next sends answer, in order.
    send_failures: dict[str, list[tuple[int, int]]] = field(
        default_factory=lambda: {"twilio": [], "meta": []}
    )
    # Bumped on every change, so live views know when to look again.
    version: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def record_outbound(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.outbound_count += 1
            message["seq"] = self.outbound_count
            self._record(self.outbound, message)  # in the order of "seq": the lock is reentrant

    def record_inbound(self, message: dict[str, Any]) -> None:
        self._record(self.inbound, message)

    def record_typing(self, shown: dict[str, Any]) -> None:
        self._record(self.typing, shown)

    def record_event(self, event: dict[str, Any]) -> None:
        self._record(self.events, event)

    def _record(self, history: deque[dict[str, Any]], item: dict[str, Any]) -> None:
        with self._lock:
            history.append(item)
            self.version += 1

    def touch(self) -> None:
        with self._lock:
            self.version += 1

    def next_send_failure(self, channel: str) -> tuple[int, int] | None:
        with self._lock:
            queue = self.send_failures[channel]
            return queue.pop(0) if queue else None

    def add_content(self, content: dict[str, Any]) -> None:
        with self._lock:
            self.contents[content["sid"]] = content

    def add_media(self, media_sid: str, content_type: str, data: bytes) -> None:
        with self._lock:
            self.media[media_sid] = (content_type, data)

    def delete_media(self, media_sid: str) -> bool:
        with self._lock:
            self.deleted_media.append(media_sid)
            return self.media.pop(media_sid, None) is not None

    def outbound_to(self, to: str | None, after: int = 0) -> list[dict[str, Any]]:
        """Messages to `to` (everyone when None) whose seq is above `after`, oldest first."""
        with self._lock:
            if after:
                # Only the newest: walk back from the end instead of over the whole history.
                newest = []
                for message in reversed(self.outbound):
                    if message["seq"] <= after:
                        break
                    newest.append(message)
                candidates: Iterable[dict[str, Any]] = reversed(newest)
            else:
                candidates = list(self.outbound)
            return [m for m in candidates if to is None or m["to"] == to]
