"""The one way events leave a service."""

import logging

from dapr.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError

from shared.errors import Transient
from shared.events.base import Event

log = logging.getLogger(__name__)


class DaprPublisher:
    def __init__(self, client: DaprClient, pubsub_name: str) -> None:
        self._client = client
        self._pubsub = pubsub_name

    def publish(self, topic: str, event: Event, *, event_id: str | None = None) -> None:
        self.publish_json(topic, event.model_dump_json(), event_id=event_id)

    def publish_json(self, topic: str, data: str, *, event_id: str | None = None) -> None:
        """A payload already in JSON (a dead letter being replayed, for one)."""
        # Without the JSON content type Dapr wraps the payload as a text/plain string.
        metadata = {"cloudevent.id": event_id} if event_id else {}
        try:
            self._client.publish_event(
                self._pubsub,
                topic,
                data=data,
                data_content_type="application/json",
                publish_metadata=metadata,
            )
        except DaprGrpcError as exc:
            raise Transient(f"publish to {topic} failed: {exc.code()}") from exc
        log.info("published", extra={"topic": topic, "event_id": event_id})
