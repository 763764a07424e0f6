"""The one way a service subscribes to a topic.

Dapr delivers a CloudEvent; this unwraps it, validates the payload against its
contract, runs the handler and answers with an explicit status:
SUCCESS when done (or already done), RETRY for transient failures, DROP for
poison messages, which Dapr then forwards to the `deadletter` topic.
"""

import hmac
import json
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from dapr.ext.fastapi import DaprApp
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shared import tracing
from shared.errors import Rejected, WrongToken
from shared.events.base import Event, EventMeta
from shared.events.topics import DEADLETTER_TOPIC
from shared.injection import call
from shared.metrics import EVENTS
from shared.webhook_body import parse_json

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)


def require_sidecar_token(request: Request) -> None:
    """On every route daprd calls (deliveries, `/dapr/subscribe`, the cron bindings): when
    APP_API_TOKEN is set, daprd sends it as `dapr-api-token`, and nothing else may call.
    The Dapr SDK does not check it."""
    expected = request.app.state.settings.app_api_token
    if expected and not hmac.compare_digest(
        request.headers.get("dapr-api-token", "").encode(), expected.encode()
    ):
        raise WrongToken("missing or wrong dapr-api-token")


class Subscriptions:
    """What the app subscribes to, through the Dapr SDK's `DaprApp`: it serves
    `GET /dapr/subscribe` (programmatic subscriptions) and adds each subscription's POST
    route. They are gathered on a router that checks the app token, added to the app with
    `mount` once every subscription is made."""

    def __init__(self) -> None:
        self.router = APIRouter(dependencies=[Depends(require_sidecar_token)])
        # DaprApp only adds routes to what it wraps, which a router does as an app would.
        self._dapr = DaprApp(self.router)  # type: ignore[arg-type]
        self.handlers: list[Callable[..., None]] = []

    def add(
        self,
        *,
        pubsub: str,
        topic: str,
        route: str,
        endpoint: Callable[..., Any],
        handler: Callable[..., None],
        dead_letter_topic: str | None,
    ) -> None:
        self.handlers.append(handler)
        self._dapr.subscribe(
            pubsub=pubsub,
            topic=topic,
            metadata={},
            route=route,
            dead_letter_topic=dead_letter_topic,
        )(endpoint)

    def mount(self, app: FastAPI) -> None:
        app.include_router(self.router)


class Outcome(StrEnum):
    SUCCESS = "SUCCESS"
    RETRY = "RETRY"
    DROP = "DROP"


# handler(event, *, <the ports it names>, meta?): returning is SUCCESS; Rejected is DROP,
# any other error RETRY (shared/injection.py).
Handler = Callable[..., None]


def parse_cloudevent(
    raw: bytes, model: type[E], topic: str, traceparent: str | None = None
) -> tuple[E, EventMeta]:
    """Unwrap a CloudEvent delivered by Dapr; raise Rejected when it can never be handled."""
    envelope = parse_json(raw)
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise Rejected("not a CloudEvent: no data")
    data = envelope["data"]
    if isinstance(data, str):  # published without the JSON content type
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise Rejected("data is a string that is not JSON") from exc
    try:
        event = model.model_validate(data)
    except ValidationError as exc:
        raise Rejected(
            f"payload does not match {model.__name__}: {exc.error_count()} errors"
        ) from exc
    meta = EventMeta(
        id=str(envelope.get("id") or ""),
        topic=str(envelope.get("topic") or topic),
        source=envelope.get("source"),
        time=envelope.get("time"),
        # The delivery's own span (Dapr's header) before the publisher's (the envelope's).
        traceparent=tracing.valid(traceparent) or tracing.valid(envelope.get("traceparent")),
    )
    return event, meta


def run_handler(handler: Handler, event: Event, meta: EventMeta, ports: object) -> Outcome:
    outcome = _outcome(handler, event, meta, ports)
    EVENTS.labels(meta.topic, outcome.value).inc()
    return outcome


def _outcome(handler: Handler, event: Event, meta: EventMeta, ports: object) -> Outcome:
    try:
        with tracing.continuing(meta.traceparent):
            call(handler, ports, event, meta=meta)
    except Rejected as exc:
        log.warning("dropped", extra={"topic": meta.topic, "event_id": meta.id, "reason": str(exc)})
        return Outcome.DROP
    except Exception:
        # Database or sidecar down, provider 5xx, a lost ETag race: the retry finds it done or not.
        log.exception(
            "handler failed; will retry", extra={"topic": meta.topic, "event_id": meta.id}
        )
        return Outcome.RETRY
    return Outcome.SUCCESS


def _limiter(request: Request) -> CapacityLimiter:
    """How many deliveries run at once in this process (`SUBSCRIBER_THREADS`). Fewer
    threads than Dapr would send leave the event loop, and so the webhooks, a turn at
    the GIL while the subscriber is busy; the rest wait on the loop, holding no thread."""
    state = request.app.state
    if getattr(state, "subscriber_limiter", None) is None:
        state.subscriber_limiter = CapacityLimiter(state.settings.subscriber_threads)
    limiter: CapacityLimiter = state.subscriber_limiter
    return limiter


def subscribe(
    subscriptions: Subscriptions,
    *,
    pubsub: str,
    topic: str,
    model: type[E],
    handler: Handler,
    dead_letters: bool = True,
) -> None:
    """Register `handler` for `topic`, with the dead-letter topic every subscription has
    (but the dead-letter topic's own subscription, which would loop)."""

    async def endpoint(request: Request) -> JSONResponse:
        try:
            event, meta = parse_cloudevent(
                await request.body(), model, topic, request.headers.get("traceparent")
            )
        except Rejected as exc:
            log.warning("poison message dropped", extra={"topic": topic, "reason": str(exc)})
            EVENTS.labels(topic, Outcome.DROP.value).inc()
            return JSONResponse({"status": Outcome.DROP.value})
        outcome = await anyio.to_thread.run_sync(
            run_handler,
            handler,
            event,
            meta,
            request.app.state.deps.ports,
            limiter=_limiter(request),
        )
        return JSONResponse({"status": outcome.value})

    endpoint.__name__ = "on_" + topic.replace(".", "_")
    subscriptions.add(
        pubsub=pubsub,
        topic=topic,
        route=f"/events/{topic}",
        endpoint=endpoint,
        handler=handler,
        dead_letter_topic=DEADLETTER_TOPIC if dead_letters else None,
    )


Routes = dict[type[Event], Handler]


def subscribe_routes(
    subscriptions: Subscriptions,
    *,
    pubsub: str,
    routes: Routes,
) -> None:
    """Subscribe each event type's topic to its handler."""
    for model, handler in routes.items():
        subscribe(
            subscriptions,
            pubsub=pubsub,
            topic=model.TOPIC,
            model=model,
            handler=handler,
        )
