"""The image service's app: routes and subscriptions wired to handlers, nothing else."""

from services.image import bootstrap, callbacks, gallery, handlers, pack_previews
from services.image.settings import ImageSettings
from shared.app import Service
from shared.events.image import PromptSettled
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import PhotoSubmitted, UserErased
from shared.events.payment import PaymentCompleted

SERVICE = Service(
    title="image",
    description=(
        "Checks and stores photos, trains Astria tunes, receives Astria's callbacks, keeps "
        "the portraits and serves them by signed links."
    ),
    settings=ImageSettings,
    build_deps=bootstrap.build_deps,
    routers=[callbacks.router, pack_previews.router, gallery.router],
    routes={
        PhotoSubmitted: handlers.handle_photo_submitted,
        PaymentCompleted: handlers.handle_payment_completed,
        PromptSettled: handlers.handle_prompt_settled,
        ReconcileRequested: handlers.handle_reconcile,
        CleanupRequested: handlers.handle_cleanup,
        UserErased: handlers.handle_user_erased,
    },
)
create_app = SERVICE.create_app
