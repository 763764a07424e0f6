"""SQLAlchemy plumbing: one engine per service from DATABASE_URL, SQLite by default.

The engine carries the service's clock (an execution option), so column
defaults and adapters take the time from it rather than from the wall clock.
"""

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from shared.clock import Clock

_CLOCK = "clock"


def NAMING_CONVENTION() -> MetaData:
    """Each service's own MetaData, with constraint names Alembic can rely on."""
    return MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def clock_of(engine: Engine) -> Clock:
    clock: Clock = engine.get_execution_options()[_CLOCK]
    return clock


def now_default(context: Any) -> datetime:
    """Column default and onupdate: now, by the clock of the engine that writes."""
    return context.execution_options[_CLOCK]()  # type: ignore[no-any-return]


def as_utc(moment: datetime) -> datetime:
    """Aware and in UTC; a naive time is taken to be UTC already."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp column that reads back aware, in UTC, on SQLite as on PostgreSQL.

    SQLite keeps no time zone and hands back naive values, which once made a
    replayed checkout fail on "can't subtract offset-naive and offset-aware".
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        return None if value is None else as_utc(value)


# Replicas of a service start together and migrate one database: on PostgreSQL they queue
# on an advisory lock; on SQLite, where DDL takes no such lock, a replica that lost the
# race tries again and finds the work done.
_MIGRATION_LOCK = 727_001
_MIGRATION_ATTEMPTS = 5


def migrate(engine: Engine, migrations: Path) -> None:
    """Bring the service's tables to the newest Alembic revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(migrations))
    for attempt in range(1, _MIGRATION_ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            return
        except DBAPIError:
            if attempt == _MIGRATION_ATTEMPTS:
                raise
            time.sleep(0.5 * attempt)  # another replica is migrating: let it finish


def make_engine(url: str, clock: Clock) -> Engine:
    return _make_engine(url).execution_options(**{_CLOCK: clock})


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # WAL lets readers and one writer work at once; services write from a threadpool.
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses nothing to a crashed process (only to a power cut,
            # which the local profiles accept: production keeps its tables in PostgreSQL),
            # and saves an fsync per commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class Repository:
    """A service's tables, brought to its newest migration when they are opened, with
    sessions and the engine's clock for the adapters built on them."""

    def __init__(self, engine: Engine, migrations: Path) -> None:
        migrate(engine, migrations)
        self._engine = engine
        self._sessions: sessionmaker[Session] = make_session_factory(engine)
        self._clock = clock_of(engine)


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
