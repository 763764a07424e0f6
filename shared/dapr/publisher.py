"""The one way events leave a service: `DaprPublisher` for handlers (they run in worker
threads), `SidecarPublisher` for the webhooks' event loop. Both send the same CloudEvent
through the sidecar's HTTP API: JSON data, the id derived from upstream when there is one."""

import logging

import aiohttp

from shared import tracing
from shared.dapr.sidecar import Sidecar
from shared.errors import Transient
from shared.events.base import Event

log = logging.getLogger(__name__)


class DaprPublisher:
    def __init__(self, sidecar: Sidecar, pubsub_name: str) -> None:
        self._sidecar = sidecar
        self._pubsub = pubsub_name

    def publish(self, event: Event, *, event_id: str | None = None) -> None:
        self.publish_json(event.TOPIC, event.model_dump_json(), event_id=event_id)

    def publish_json(self, topic: str, data: str, *, event_id: str | None = None) -> None:
        """A payload already in JSON (a dead letter being replayed, for one); a failure
        is Transient."""
        self._sidecar.publish(self._pubsub, topic, data, event_id)
        log.debug("published", extra={"topic": topic, "event_id": event_id})


class SidecarPublisher:
    """Publishes through the sidecar's HTTP API on one pooled aiohttp session: the cheapest
    way measured from Python (`make bench`), and no thread hop for a webhook."""

    def __init__(
        self, http_port: int, pubsub_name: str, api_token: str | None = None, timeout: float = 10
    ) -> None:
        self._base = f"http://127.0.0.1:{http_port}/v1.0/publish/{pubsub_name}/"
        self._headers = {"Content-Type": "application/json"}
        if api_token:
            self._headers["dapr-api-token"] = api_token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def publish(self, event: Event, *, event_id: str | None = None) -> None:
        topic = event.TOPIC
        if self._session is None:  # made on the event loop that uses it
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        params = {"metadata.cloudevent.id": event_id} if event_id else None
        try:
            async with self._session.post(
                self._base + topic,
                data=event.model_dump_json(),
                params=params,
                headers={**self._headers, **tracing.headers()},
            ) as answer:
                if answer.status >= 300:
                    detail = (await answer.text())[:200]
                    raise Transient(f"publish to {topic} failed: {answer.status} {detail}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Transient(f"publish to {topic} failed: {exc!r}") from exc
        log.debug("published", extra={"topic": topic, "event_id": event_id})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
