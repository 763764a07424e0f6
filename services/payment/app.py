"""The payment service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.payment import bootstrap, webhooks
from services.payment.handlers import (
    handle_checkout_requested,
    handle_cleanup,
    handle_reconcile,
    handle_tune_failed,
    handle_user_erased,
)
from services.payment.settings import PaymentSettings
from shared.app import create_service_app
from shared.dapr.subscriptions import subscribe
from shared.events.image import TuneFailed
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import CheckoutRequested, UserErased
from shared.events.topics import Topic


def create_app(
    settings: PaymentSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or PaymentSettings()
    app, dapr_app = create_service_app(
        settings=settings,
        title="payment",
        description="Creates Stripe Checkout Sessions and receives Stripe's payment webhook.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    app.include_router(webhooks.router)
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.CHECKOUT_REQUESTED,
        model=CheckoutRequested,
        handler=lambda event, meta, runtime: handle_checkout_requested(
            event, meta, runtime.handlers
        ),
        app_api_token=settings.app_api_token,
    )
    subscribe(
        dapr_app,
        pubsub=settings.pubsub_name,
        topic=Topic.TUNE_FAILED,
        model=TuneFailed,
        handler=lambda event, meta, runtime: handle_tune_failed(event, meta, runtime.handlers),
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
        topic=Topic.MAINTENANCE_RECONCILE,
        model=ReconcileRequested,
        handler=lambda event, meta, runtime: handle_reconcile(event, meta, runtime.handlers),
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
