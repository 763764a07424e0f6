"""The maintenance service's app: cron bindings, subscriptions and the operator API."""

from fastapi import FastAPI

from services.maintenance import bootstrap, cron, handlers, operator_api, operator_page
from services.maintenance.settings import MaintenanceSettings
from shared.app import Service
from shared.dapr.subscriptions import Subscriptions, subscribe
from shared.events.base import AnyEvent
from shared.events.maintenance import Report
from shared.events.message import UserErased
from shared.events.topics import DEADLETTER_TOPIC


def _dead_letters(
    _app: FastAPI, subscriptions: Subscriptions, settings: MaintenanceSettings
) -> None:
    # The dead letters' own subscription has no dead-letter topic: it would loop.
    subscribe(
        subscriptions,
        pubsub=settings.pubsub_name,
        topic=DEADLETTER_TOPIC,
        model=AnyEvent,
        handler=handlers.handle_dead_letter,
        dead_letters=False,
    )


SERVICE = Service(
    title="maintenance",
    description="Runs scheduled cleanup and reconciliation, and keeps the dead letters.",
    settings=MaintenanceSettings,
    build_deps=bootstrap.build_deps,
    routers=[cron.router, operator_api.router, operator_page.router],
    routes={
        Report: handlers.handle_report,
        UserErased: handlers.handle_user_erased,
        # Every order's events, for its timeline (the operator's GET /orders).
        **dict.fromkeys(handlers.ORDER_EVENTS, handlers.handle_order_event),
    },
    extend=_dead_letters,
)
create_app = SERVICE.create_app
