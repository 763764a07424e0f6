"""The payment service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.payment import bootstrap
from services.payment.settings import PaymentSettings
from shared.app import create_service_app


def create_app(
    settings: PaymentSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or PaymentSettings()
    app, _ = create_service_app(
        settings=settings,
        title="payment",
        description="Creates Stripe Checkout Sessions and receives Stripe's payment webhook.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    return app
