"""Interfaces the handlers depend on; Dapr adapters and test fakes both implement them."""

from typing import Any, Protocol

from shared.events.base import Event


class Publisher(Protocol):
    def publish(self, event: Event, *, event_id: str | None = None) -> None:
        """Publish `event` on its type's topic; `event_id` makes the CloudEvent id
        deterministic."""

    def publish_json(self, topic: str, data: str, *, event_id: str | None = None) -> None:
        """Publish a payload that is already JSON."""


class AsyncPublisher(Protocol):
    """The same, from the event loop (webhooks acknowledge without a thread hop)."""

    async def publish(self, event: Event, *, event_id: str | None = None) -> None: ...


class KeyValueStore(Protocol):
    def get(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        """The JSON value and its ETag, or (None, None)."""

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The JSON values of those keys that exist, in one round trip."""

    def save(
        self,
        key: str,
        value: dict[str, Any],
        *,
        etag: str | None = None,
        insert_only: bool = False,
        ttl_seconds: int | None = None,
    ) -> None:
        """Save; raise Conflict when someone else saved first (with an ETag), or when the
        key exists already (`insert_only`)."""

    def delete(self, key: str) -> None: ...
