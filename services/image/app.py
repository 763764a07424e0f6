"""The image service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.image import bootstrap, callbacks, handlers
from services.image.settings import ImageSettings
from shared.app import create_service_app
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import PhotoSubmitted, UserErased
from shared.events.payment import PaymentCompleted


def create_app(
    settings: ImageSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or ImageSettings()
    app, _ = create_service_app(
        settings=settings,
        title="image",
        description="Checks and stores photos, trains Astria tunes, receives Astria's callbacks.",
        build_deps=build_deps,  # type: ignore[arg-type]
        routers=[callbacks.router],
        routes={
            PhotoSubmitted: handlers.handle_photo_submitted,
            PaymentCompleted: handlers.handle_payment_completed,
            ReconcileRequested: handlers.handle_reconcile,
            CleanupRequested: handlers.handle_cleanup,
            UserErased: handlers.handle_user_erased,
        },
    )
    return app
