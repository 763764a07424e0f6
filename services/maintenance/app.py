"""The maintenance service's app: cron bindings and subscriptions wired to handlers."""

from fastapi import FastAPI

from services.maintenance import bootstrap, cron
from services.maintenance.settings import MaintenanceSettings
from shared.app import create_service_app


def create_app(
    settings: MaintenanceSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or MaintenanceSettings()
    app, _ = create_service_app(
        settings=settings,
        title="maintenance",
        description="Runs scheduled cleanup and reconciliation, and records dead letters.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    app.include_router(cron.router)
    return app
