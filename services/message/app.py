"""The message service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.message import bootstrap, handlers, webhooks
from services.message.settings import MessageSettings
from shared.app import create_service_app
from shared.dapr.subscriptions import Route, subscribe_routes
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import WhatsAppInbound
from shared.events.topics import Topic


def create_app(
    settings: MessageSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or MessageSettings()
    app, subscriptions = create_service_app(
        settings=settings,
        title="message",
        description="Receives WhatsApp messages (Twilio, Meta), runs the conversation, replies.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    app.include_router(webhooks.router)
    routes: dict[str, Route] = {
        Topic.WHATSAPP_INBOUND: (WhatsAppInbound, handlers.handle_inbound),
        Topic.MAINTENANCE_CLEANUP: (CleanupRequested, handlers.handle_cleanup),
        Topic.MAINTENANCE_RECONCILE: (ReconcileRequested, handlers.handle_reconcile),
    }
    # What the other services report moves the conversation on.
    for topic, model in handlers.CONVERSATION_EVENTS.items():
        routes[topic] = (model, handlers.handle_event)
    subscribe_routes(
        subscriptions,
        pubsub=settings.pubsub_name,
        app_api_token=settings.app_api_token,
        routes=routes,
    )
    return app
