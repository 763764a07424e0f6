"""The message service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.message import bootstrap, handlers, webhooks
from services.message.settings import MessageSettings
from shared.app import create_service_app
from shared.dapr.subscriptions import Routes
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import WhatsAppInbound


def create_app(
    settings: MessageSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or MessageSettings()
    routes: Routes = {
        WhatsAppInbound: handlers.handle_inbound,
        CleanupRequested: handlers.handle_cleanup,
        ReconcileRequested: handlers.handle_reconcile,
    }
    # What the other services report moves the conversation on.
    routes.update(dict.fromkeys(handlers.CONVERSATION_EVENTS, handlers.handle_event))
    app, _ = create_service_app(
        settings=settings,
        title="message",
        description="Receives WhatsApp messages (Twilio, Meta), runs the conversation, replies.",
        build_deps=build_deps,  # type: ignore[arg-type]
        routers=[webhooks.router],
        routes=routes,
    )
    return app
