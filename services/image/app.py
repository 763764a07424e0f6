"""The image service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.image import bootstrap, callbacks
from services.image.handlers import (
    handle_cleanup,
    handle_payment_completed,
    handle_photo_submitted,
    handle_reconcile,
    handle_user_erased,
)
from services.image.settings import ImageSettings
from shared.app import create_service_app
from shared.dapr.subscriptions import subscribe
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import PhotoSubmitted, UserErased
from shared.events.payment import PaymentCompleted
from shared.events.topics import Topic


def create_app(
    settings: ImageSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or ImageSettings()
    app, dapr_app = create_service_app(
        settings=settings,
        title="image",
        description="Checks and stores photos, trains Astria tunes, receives Astria's callbacks.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    app.include_router(callbacks.router)
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.PHOTO_SUBMITTED,
        model=PhotoSubmitted,
        handler=lambda event, meta, runtime: handle_photo_submitted(event, meta, runtime.handlers),
        app_api_token=settings.app_api_token,
    )
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.PAYMENT_COMPLETED,
        model=PaymentCompleted,
        handler=lambda event, meta, runtime: handle_payment_completed(
            event, meta, runtime.handlers
        ),
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
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.USER_ERASED,
        model=UserErased,
        handler=lambda event, meta, runtime: handle_user_erased(event, meta, runtime.handlers),
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
    return app
