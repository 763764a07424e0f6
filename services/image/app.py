"""The image service's app: routes and subscriptions wired to handlers, nothing else."""

from fastapi import FastAPI

from services.image import bootstrap
from services.image.settings import ImageSettings
from shared.app import create_service_app


def create_app(
    settings: ImageSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or ImageSettings()
    app, _ = create_service_app(
        settings=settings,
        title="image",
        description="Checks and stores photos, trains Astria tunes, receives Astria's callbacks.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    return app
