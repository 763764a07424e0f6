"""Building the sidecar client and the database for a composition root."""

from sqlalchemy import Engine

from shared.app import BaseDeps
from shared.dapr.client import DaprClient, calling, connect
from shared.db import make_engine, ping
from shared.settings import ServiceSettings


def connect_dapr(settings: ServiceSettings, deps: BaseDeps) -> DaprClient:
    client = connect(settings)
    deps.closers.append(client.close)

    def sidecar_answers() -> None:
        """A real round trip to the sidecar, unlike the health wait."""
        with calling("metadata"):
            client.get_metadata()

    deps.ready_checks["sidecar"] = sidecar_answers
    return client


def connect_database(settings: ServiceSettings, deps: BaseDeps) -> Engine:
    engine = make_engine(settings.effective_database_url, deps.clock)
    deps.closers.append(engine.dispose)
    deps.ready_checks["database"] = lambda: ping(engine)
    return engine
