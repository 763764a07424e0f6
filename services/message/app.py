"""The message service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.message import bootstrap, webhooks
from services.message.handlers import (
    CONVERSATION_EVENTS,
    handle_cleanup,
    handle_event,
    handle_inbound,
    handle_reconcile,
)
from services.message.settings import MessageSettings
from shared.app import create_service_app
from shared.dapr.subscriptions import subscribe
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import WhatsAppInbound
from shared.events.topics import Topic


def create_app(
    settings: MessageSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or MessageSettings()
    app, dapr_app = create_service_app(
        settings=settings,
        title="message",
        description="Receives WhatsApp messages (Twilio, Meta), runs the conversation, replies.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    app.include_router(webhooks.router)
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.WHATSAPP_INBOUND,
        model=WhatsAppInbound,
        handler=lambda event, meta, runtime: handle_inbound(event, meta, runtime.handlers),
        app_api_token=settings.app_api_token,
    )
    for topic, model in CONVERSATION_EVENTS.items():
        subscribe(
            dapr_app,
            pubsub=settings.pubsub_name,
            topic=topic,
            model=model,
            handler=lambda event, meta, runtime: handle_event(event, meta, runtime.handlers),
            app_api_token=settings.app_api_token,
        )
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.MAINTENANCE_CLEANUP,
        model=CleanupRequested,
        handler=lambda event, meta, runtime: handle_cleanup(event, meta, runtime.handlers),
        app_api_token=settings.app_api_token,
    )
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.MAINTENANCE_RECONCILE,
        model=ReconcileRequested,
        handler=lambda event, meta, runtime: handle_reconcile(event, meta, runtime.handlers),
        app_api_token=settings.app_api_token,
    )
    return app
