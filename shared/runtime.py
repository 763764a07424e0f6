"""Building the sidecar client and the database for a composition root."""

from sqlalchemy import Engine

from shared.app import BaseDeps
from shared.dapr.sidecar import Sidecar
from shared.db import make_engine, ping
from shared.settings import ServiceSettings


def connect_dapr(settings: ServiceSettings, deps: BaseDeps) -> Sidecar:
    sidecar = Sidecar(settings.dapr_http_port, settings.dapr_api_token)
    sidecar.wait(settings.dapr_wait_seconds)
    deps.closers.append(sidecar.close)
    # A real round trip to the sidecar, unlike the health wait.
    deps.ready_checks["sidecar"] = sidecar.metadata
    return sidecar


def connect_database(settings: ServiceSettings, deps: BaseDeps) -> Engine:
    engine = make_engine(settings.effective_database_url, deps.clock)
    deps.closers.append(engine.dispose)
    deps.ready_checks["database"] = lambda: ping(engine)
    return engine
