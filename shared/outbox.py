"""A transactional outbox: what a service records and what it must announce, as one unit.

A handler writes its rows and stages the events to publish in the same database
transaction; after the commit, `SqlOutbox.flush` publishes what is staged, oldest
first, and forgets each event once the broker has it. If the sidecar is down, the
events wait in the table and the next flush (the next request, or the reconcile
tick) publishes them: never "committed, publish failed, forgotten".

Flushes run concurrently (a provider retrying a webhook, replicas, the tick), so a
flusher claims the oldest row before publishing it; one that finds the oldest row
claimed leaves the rest to its holder, which keeps order and publishes each event
once. A claim outlives its holder's crash only for `CLAIM`; consumers also
de-duplicate on the CloudEvent id, so the rare second publication is harmless.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Integer, String, Text, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shared import tracing
from shared.dapr.ports import Publisher
from shared.db import UtcDateTime, clock_of, make_session_factory, now_default
from shared.errors import Transient
from shared.events.base import Outgoing

log = logging.getLogger(__name__)

# Longer than one publish through the sidecar takes, so a live holder keeps its claim.
CLAIM = timedelta(seconds=60)


class OutboxColumns:
    """Mixed into each service's own `outbox` table (every service owns its database)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    staged_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    traceparent: Mapped[str | None] = mapped_column(String(55))


@dataclass(frozen=True)
class _Claimed:
    id: int
    topic: str
    event_id: str
    payload: str
    traceparent: str | None


class SqlOutbox:
    def __init__(self, engine: Engine, table: type[OutboxColumns]) -> None:
        self._sessions: sessionmaker[Session] = make_session_factory(engine)
        self._table = table
        self._clock = clock_of(engine)

    def stage(self, session: Session, *announcements: Outgoing, trace: str | None = None) -> None:
        """Inside the caller's transaction; an event id already staged is not staged twice.
        Each is published in `trace` (its order's, so one order is one trace) or else in the
        trace that decided it."""
        traceparent = tracing.valid(trace) or tracing.current()
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
                        traceparent=traceparent,
                    )
                )

    def pending(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count(self._table.id))) or 0)

    def flush(self, publisher: Publisher) -> int:
        """Publish what is staged, oldest first; Transient if the broker is unreachable.

        Returns how many events this flush published; 0 also when another flush holds
        the oldest one (it carries on to the newest).
        """
        owner = uuid.uuid4().hex
        published = 0
        while (row := self._claim_oldest(owner)) is not None:
            try:
                with tracing.continuing(row.traceparent):
                    publisher.publish_json(row.topic, row.payload, event_id=row.event_id)
            except Exception as exc:
                self._release(row.id, owner)
                log.warning(
                    "staged event not published yet",
                    extra={"event_id": row.event_id, "error": repr(exc)},
                )
                raise Transient(f"{row.event_id} is staged, not published yet") from exc
            with self._sessions.begin() as session:
                session.execute(
                    delete(self._table).where(
                        self._table.id == row.id, self._table.claimed_by == owner
                    )
                )
            published += 1
        return published

    def _claim_oldest(self, owner: str) -> _Claimed | None:
        table = self._table
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.scalars(select(table).order_by(table.id).limit(1)).first()
            if row is None:
                return None
            # Compare-and-set: of two flushers that saw the row free, one updates it. The
            # read may be stale (SQLite reads outside the write), and a row id is reused
            # once the table empties: the event id makes sure it is the row that was read.
            claimed = session.execute(
                update(table)
                .where(
                    table.id == row.id,
                    table.event_id == row.event_id,
                    or_(table.claimed_until.is_(None), table.claimed_until <= now),
                )
                .values(claimed_by=owner, claimed_until=now + CLAIM)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return _Claimed(row.id, row.topic, row.event_id, row.payload, row.traceparent)

    def _release(self, row_id: int, owner: str) -> None:
        table = self._table
        with self._sessions.begin() as session:
            session.execute(
                update(table)
                .where(table.id == row_id, table.claimed_by == owner)
                .values(claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
