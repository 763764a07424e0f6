"""The message service's app: routes and subscriptions wired to handlers, nothing else."""

from services.message import bootstrap, handlers, webhooks
from services.message.settings import MessageSettings
from shared.app import Service
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import WhatsAppInbound

SERVICE = Service(
    title="message",
    description="Receives WhatsApp messages (Twilio, Meta), runs the conversation, replies.",
    settings=MessageSettings,
    build_deps=bootstrap.build_deps,
    routers=[webhooks.router],
    routes={
        WhatsAppInbound: handlers.handle_inbound,
        CleanupRequested: handlers.handle_cleanup,
        ReconcileRequested: handlers.handle_reconcile,
        # What the other services report moves the conversation on.
        **dict.fromkeys(handlers.CONVERSATION_EVENTS, handlers.handle_event),
    },
)
create_app = SERVICE.create_app
