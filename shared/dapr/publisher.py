"""The one way events leave a service: `DaprPublisher` for handlers (they run in worker
threads), `AsyncDaprPublisher` for the webhooks' event loop. Both publish the same
CloudEvent through the Dapr SDK: JSON data, the id derived from upstream when there is one."""

import logging

from shared import timeouts
from shared.dapr.client import AsyncDaprClient, DaprClient, calling, connect_async
from shared.events.base import Event
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

JSON = "application/json"
# A webhook answers within Twilio's 15 s: a publish that takes longer has failed (503, and
# the provider delivers again).
WEBHOOK_PUBLISH_SECONDS = timeouts.WEBHOOK_PUBLISH.seconds


def _metadata(event_id: str | None) -> dict[str, str]:
    # The CloudEvent's id: a provider's retry of the same message carries the same one.
    return {"cloudevent.id": event_id} if event_id else {}


class DaprPublisher:
    def __init__(self, client: DaprClient, pubsub_name: str) -> None:
        self._client = client
        self._pubsub = pubsub_name

    def publish(self, event: Event, *, event_id: str | None = None) -> None:
        self.publish_json(event.TOPIC, event.model_dump_json(), event_id=event_id)

    def publish_json(self, topic: str, data: str, *, event_id: str | None = None) -> None:
        """A payload already in JSON (a dead letter being replayed, for one); a failure
        is Transient."""
        with calling(f"publish to {topic}"):
            self._client.publish_event(
                self._pubsub,
                topic,
                data,
                publish_metadata=_metadata(event_id),
                data_content_type=JSON,
            )
        log.debug("published", extra={"topic": topic, "event_id": event_id})


class AsyncDaprPublisher:
    """Publishes from the event loop (a webhook acknowledges without a thread hop). The
    SDK's async client belongs to the loop that made it: `open` runs in the app's
    lifespan, once the handlers' client has seen the sidecar up."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._client: AsyncDaprClient | None = None

    async def open(self) -> None:
        self._client = connect_async(self._settings, WEBHOOK_PUBLISH_SECONDS)

    async def publish(self, event: Event, *, event_id: str | None = None) -> None:
        if self._client is None:
            raise RuntimeError("AsyncDaprPublisher.open() was not awaited")
        topic = event.TOPIC
        with calling(f"publish to {topic}"):
            await self._client.publish_event(
                self._settings.pubsub_name,
                topic,
                event.model_dump_json(),
                publish_metadata=_metadata(event_id),
                data_content_type=JSON,
            )
        log.debug("published", extra={"topic": topic, "event_id": event_id})

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()  # type: ignore[no-untyped-call]
