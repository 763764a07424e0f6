"""Building the real Dapr client and database for a composition root."""

from dapr.clients import DaprClient
from sqlalchemy import Engine

from shared.app import BaseDeps
from shared.db import make_engine, ping
from shared.settings import ServiceSettings


def connect_dapr(settings: ServiceSettings, deps: BaseDeps) -> DaprClient:
    client = DaprClient()
    client.wait(settings.dapr_wait_seconds)
    deps.closers.append(client.close)
    # get_metadata is a real round trip to the sidecar, unlike the health wait.
    deps.ready_checks["sidecar"] = client.get_metadata
    return client


def connect_database(settings: ServiceSettings, deps: BaseDeps) -> Engine:
    engine = make_engine(settings.effective_database_url, deps.clock)
    deps.closers.append(engine.dispose)
    deps.ready_checks["database"] = lambda: ping(engine)
    return engine
