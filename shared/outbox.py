"""A transactional outbox: what a service records and what it must announce, as one unit.

A handler writes its rows and stages the events to publish in the same database
transaction; after the commit, `SqlOutbox.flush` publishes what is staged, oldest
first, and forgets each event once the broker has it. If the sidecar is down, the
events wait in the table and the next flush (the next request, or the reconcile
tick) publishes them: never "committed, publish failed, forgotten". Consumers
de-duplicate on the CloudEvent id, so an event published twice is harmless.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shared.dapr.ports import Publisher
from shared.db import UtcDateTime, make_session_factory, now_default
from shared.errors import Transient
from shared.events.base import Event

log = logging.getLogger(__name__)


class OutboxColumns:
    """Mixed into each service's own `outbox` table (every service owns its database)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    staged_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)


@dataclass(frozen=True)
class Outgoing:
    """An event to publish once the transaction that staged it has committed."""

    topic: str
    event: Event
    event_id: str


class SqlOutbox:
    def __init__(self, engine: Engine, table: type[OutboxColumns]) -> None:
        self._sessions: sessionmaker[Session] = make_session_factory(engine)
        self._table = table

    def stage(self, session: Session, *announcements: Outgoing) -> None:
        """Inside the caller's transaction; an event id already staged is not staged twice."""
        for item in announcements:
            staged = session.scalar(
                select(self._table.id).where(self._table.event_id == item.event_id)
            )
            if staged is None:
                session.add(
                    self._table(  # type: ignore[call-arg]
                        topic=item.topic,
                        event_id=item.event_id,
                        payload=item.event.model_dump_json(),
                    )
                )

    def pending(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count(self._table.id))) or 0)

    def flush(self, publisher: Publisher) -> int:
        """Publish what is staged, oldest first; Transient if the broker is unreachable."""
        published = 0
        with self._sessions() as session:
            staged = list(session.scalars(select(self._table).order_by(self._table.id)))
        for row in staged:
            try:
                publisher.publish_json(row.topic, row.payload, event_id=row.event_id)
            except Exception as exc:
                log.warning(
                    "staged event not published yet",
                    extra={"event_id": row.event_id, "error": repr(exc)},
                )
                raise Transient(f"{row.event_id} is staged, not published yet") from exc
            with self._sessions.begin() as session:
                gone = session.get(self._table, row.id)
                if gone is not None:
                    session.delete(gone)
            published += 1
        return published
