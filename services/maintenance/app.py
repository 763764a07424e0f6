"""The maintenance service's app: cron bindings, subscriptions and the operator API."""

from fastapi import FastAPI

from services.maintenance import bootstrap, cron, handlers, operator_api
from services.maintenance.settings import MaintenanceSettings
from shared.app import create_service_app
from shared.dapr.subscriptions import subscribe
from shared.events.base import AnyEvent
from shared.events.maintenance import Report
from shared.events.message import UserErased
from shared.events.topics import DEADLETTER_TOPIC


def create_app(
    settings: MaintenanceSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or MaintenanceSettings()
    app, subscriptions = create_service_app(
        settings=settings,
        title="maintenance",
        description="Runs scheduled cleanup and reconciliation, and keeps the dead letters.",
        build_deps=build_deps,  # type: ignore[arg-type]
        routers=[cron.router, operator_api.router],
        routes={Report: handlers.handle_report, UserErased: handlers.handle_user_erased},
    )
    # The dead letters' own subscription has no dead-letter topic: it would loop.
    subscribe(
        subscriptions,
        pubsub=settings.pubsub_name,
        topic=DEADLETTER_TOPIC,
        model=AnyEvent,
        handler=handlers.handle_dead_letter,
        app_api_token=settings.app_api_token,
        dead_letters=False,
    )
    return app
