"""The sandbox app: fake providers and the chat page, wired together."""

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from services.sandbox import astria_fake, bootstrap, control, meta_fake, stripe_fake, twilio_fake
from services.sandbox.settings import SandboxSettings
from services.sandbox.store import SandboxStore
from shared.app import Service
from shared.clock import Clock
from shared.dapr.subscriptions import Subscriptions, subscribe
from shared.events.base import AnyEvent, EventMeta
from shared.events.topics import Topic

STATIC = Path(__file__).parent / "static"


def observe(event: AnyEvent, *, meta: EventMeta, store: SandboxStore, clock: Clock) -> None:
    """Keep what flowed, whatever the broker: whole for `GET /sandbox/events` (what the
    e2e tests read), in short and by person for the page's events panel."""
    data = event.model_dump(mode="json")
    short = {k: v for k, v in data.items() if k not in ("user", "sender", "schema_version")}
    store.record_event(
        {
            "topic": meta.topic,
            "id": meta.id,
            "source": meta.source,
            "traceparent": meta.traceparent,  # with tracing on: the trace it travelled in
            "time": clock().timestamp(),
            "user": data.get("user") or data.get("sender"),
            "summary": json.dumps(short, ensure_ascii=False)[:160],
            "data": data,
        }
    )


def _observer_and_page(
    app: FastAPI, subscriptions: Subscriptions, settings: SandboxSettings
) -> None:
    # The events panel: the sandbox watches every topic, as one more consumer group.
    for topic in Topic if settings.observe_events else ():
        subscribe(
            subscriptions,
            pubsub=settings.pubsub_name,
            topic=topic,
            model=AnyEvent,
            handler=observe,
            dead_letters=False,
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")


SERVICE = Service(
    title="sandbox",
    description="Local stand-in for Twilio, Meta, Astria and Stripe, with a chat page.",
    settings=SandboxSettings,
    build_deps=bootstrap.build_deps,
    routers=[
        twilio_fake.router,
        twilio_fake.cdn_router,
        meta_fake.router,
        meta_fake.cdn_router,
        stripe_fake.router,
        astria_fake.router,
        control.router,
    ],
    extend=_observer_and_page,
)
create_app = SERVICE.create_app
