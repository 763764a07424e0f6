"""What every service's FastAPI app has in common.

A service's `app.py` declares its `Service`: entry points, the event types it
subscribes to and their handlers; the dependencies (Dapr client, database,
adapters) are built once in the lifespan by the service's composition root,
never at import.
"""

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, make_asgi_app, multiprocess
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.clock import Clock, system_clock
from shared.dapr.subscriptions import Routes, Subscriptions, subscribe_routes
from shared.errors import BotError
from shared.injection import unmet
from shared.json_logs import configure_logging
from shared.metrics import WEBHOOKS
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)
S = TypeVar("S", bound=ServiceSettings)


class Deps(Protocol):
    """What a composition root returns: the ports its handlers take their collaborators
    from (shared/injection.py), readiness checks and a way to close."""

    @property
    def ports(self) -> object: ...

    @property
    def ready_checks(self) -> Mapping[str, Callable[[], object]]: ...

    async def astart(self) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(kw_only=True)
class BaseDeps:
    # The composition root's one clock: handlers, adapters and the engine share it.
    clock: Clock = system_clock
    ready_checks: dict[str, Callable[[], object]] = field(default_factory=dict)
    closers: list[Callable[[], object]] = field(default_factory=list)
    # What belongs to the event loop (async clients): opened on it once the rest is built,
    # closed first.
    async_openers: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    async_closers: list[Callable[[], Awaitable[object]]] = field(default_factory=list)

    async def astart(self) -> None:
        for opener in self.async_openers:
            await opener()

    async def aclose(self) -> None:
        for async_closer in reversed(self.async_closers):
            try:
                await async_closer()
            except Exception:
                log.exception("error while closing a dependency")
        self.close()

    def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:
                log.exception("error while closing a dependency")


def _check_ports(subscriptions: Subscriptions, deps: Deps) -> None:
    """A handler naming a collaborator its service does not provide fails the start, not
    its first delivery."""
    for handler in subscriptions.handlers:
        missing = unmet(handler, deps.ports, given=("meta",))
        if missing:
            raise TypeError(f"{handler.__qualname__} needs {missing}, not in the service's ports")


@dataclass(frozen=True)
class Service(Generic[S]):
    """One service, declared in its app.py: what it is, its settings class, its composition
    root, its entry points' `routers` and the event types it subscribes to, each with its
    handler. `create_app` builds it: uvicorn's factory, and the tests', which pass their
    own settings or composition root."""

    title: str
    description: str
    settings: Callable[[], S]
    build_deps: Callable[[S], Deps]
    routers: Sequence[APIRouter] = ()
    routes: Routes = field(default_factory=dict)
    # What a service adds that is not an event type's subscription (maintenance's dead
    # letters, the sandbox's every topic and page).
    extend: Callable[[FastAPI, Subscriptions, S], None] | None = None

    def create_app(
        self, settings: S | None = None, build_deps: Callable[[S], Deps] | None = None
    ) -> FastAPI:
        settings = settings or self.settings()
        app, subscriptions = _service_app(
            settings=settings,
            title=self.title,
            description=self.description,
            build_deps=build_deps or self.build_deps,
            routers=self.routers,
            routes=self.routes,
        )
        if self.extend is not None:
            self.extend(app, subscriptions, settings)
        subscriptions.mount(app)
        return app


def _metrics_app() -> ASGIApp:
    """The counters of shared/metrics.py; with several workers, PROMETHEUS_MULTIPROC_DIR (an
    empty folder, wiped before each start) has each worker's, summed here."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return make_asgi_app(registry=registry)
    return make_asgi_app()


# The routers whose every answer is counted (bot_webhooks): what the providers call.
WEBHOOK_TAGS = frozenset({"webhooks", "astria callbacks"})


class _CountWebhooks:
    """Counts each webhook by its route and the status answered, 500 for a crash."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            route = scope.get("route")
            if WEBHOOK_TAGS.intersection(getattr(route, "tags", ())):
                path = route.path  # type: ignore[union-attr]
                WEBHOOKS.labels(path, str(status)).inc()
                if status >= 400:  # what the Azure alerts read (deploy/azure/main.bicep)
                    log.warning("webhook refused", extra={"route": path, "status": status})


def _service_app(
    *,
    settings: S,
    title: str,
    description: str,
    build_deps: Callable[[S], Deps],
    routers: Sequence[APIRouter] = (),
    routes: Routes | None = None,
) -> tuple[FastAPI, Subscriptions]:
    """A service's app: health and readiness, the error hierarchy mapped to HTTP, its
    entry points' `routers`, and each event type in `routes` subscribed to its handler."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.app_id, settings.log_level)
        # The Dapr client blocks until the sidecar answers: keep that off the event loop.
        app.state.deps = await run_in_threadpool(build_deps, settings)
        _check_ports(subscriptions, app.state.deps)
        await app.state.deps.astart()
        log.info("started", extra={"service": settings.app_id})
        try:
            yield
        finally:
            await app.state.deps.aclose()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings

    @app.exception_handler(BotError)
    async def bot_error(_request: Request, exc: BotError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("request failed", extra={"error": str(exc)})
        return JSONResponse({"error": str(exc)}, status_code=exc.http_status)

    @app.get("/health", tags=["health"], summary="Liveness: the process answers.")
    def health() -> dict[str, str]:
        return {"status": "ok", "app_id": settings.app_id}

    @app.get(
        "/ready",
        tags=["health"],
        summary="Readiness: the service's database and its Dapr sidecar answer.",
        responses={503: {"description": "a dependency is not ready"}},
    )
    def ready(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        for name, check in request.app.state.deps.ready_checks.items():
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"failed: {type(exc).__name__}"
        ok = all(value == "ok" for value in checks.values())
        body = {"status": "ready" if ok else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    for router in routers:
        app.include_router(router)
    app.add_middleware(_CountWebhooks)
    app.mount("/metrics", _metrics_app())
    subscriptions = Subscriptions()
    app.state.subscriptions = subscriptions
    subscribe_routes(subscriptions, pubsub=settings.pubsub_name, routes=routes or {})
    return app, subscriptions
