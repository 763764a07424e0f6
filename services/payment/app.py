"""The payment service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.payment import bootstrap, handlers, webhooks
from services.payment.settings import PaymentSettings
from shared.app import create_service_app
from shared.events.image import TuneFailed
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import CheckoutRequested, UserErased


def create_app(
    settings: PaymentSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or PaymentSettings()
    app, _ = create_service_app(
        settings=settings,
        title="payment",
        description="Creates Stripe Checkout Sessions and receives Stripe's payment webhook.",
        build_deps=build_deps,  # type: ignore[arg-type]
        routers=[webhooks.router],
        routes={
            CheckoutRequested: handlers.handle_checkout_requested,
            TuneFailed: handlers.handle_tune_failed,
            ReconcileRequested: handlers.handle_reconcile,
            CleanupRequested: handlers.handle_cleanup,
            UserErased: handlers.handle_user_erased,
        },
    )
    return app
