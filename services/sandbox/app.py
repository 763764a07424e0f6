"""The sandbox app: fake providers and the chat page, wired together."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

from services.sandbox import astria_fake, bootstrap, control, meta_fake, stripe_fake, twilio_fake
from services.sandbox.settings import SandboxSettings
from shared.app import create_service_app

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: SandboxSettings | None = None, build_deps: object = bootstrap.build_deps
) -> FastAPI:
    settings = settings or SandboxSettings()
    app, _ = create_service_app(
        settings=settings,
        title="sandbox",
        description="Local stand-in for Twilio, Meta, Astria and Stripe, with a chat page.",
        build_deps=build_deps,  # type: ignore[arg-type]
    )
    app.include_router(twilio_fake.router)
    app.include_router(twilio_fake.cdn_router)
    app.include_router(meta_fake.router)
    app.include_router(meta_fake.cdn_router)
    app.include_router(stripe_fake.router)
    app.include_router(astria_fake.router)
    app.include_router(control.router)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app
