"""Maintenance's own tables: the runs of its jobs, and the dead letters."""

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime, now_default


class MaintenanceBase(DeclarativeBase):
    metadata = NAMING_CONVENTION()


class JobRun(MaintenanceBase):
    __tablename__ = "job_run"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # job + time window
    job: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class JobReport(MaintenanceBase):
    """One service's answer to a run: its own row, so answers arriving together all count."""

    __tablename__ = "job_report"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    counts: Mapped[str] = mapped_column(Text)  # {"photos": 3, ...}
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)


class DeadLetter(MaintenanceBase):
    __tablename__ = "dead_letter"
    __table_args__ = (UniqueConstraint("event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)  # the event's data, as JSON
    source: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A replay that failed again comes back here: counted, and no longer "replayed".
    failures: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    @property
    def status(self) -> str:
        return "replayed" if self.replayed_at else "failed"


class OrderView(MaintenanceBase):
    """An order's furthest stage, for the operator; the person only masked (and hashed, so
    their erasure finds it)."""

    __tablename__ = "order_view"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_hash: Mapped[str] = mapped_column(String(64), index=True)
    user_masked: Mapped[str] = mapped_column(String(128))
    rank: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32), index=True)
    stage_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_at: Mapped[datetime] = mapped_column(UtcDateTime())
    eta: Mapped[datetime | None] = mapped_column(UtcDateTime())
    images: Mapped[int | None] = mapped_column(Integer)
    expected: Mapped[int | None] = mapped_column(Integer)
    # Some or all of its price given back (payment.refunded, partial or not).
    refunded: Mapped[bool] = mapped_column(default=False, server_default=false())


class OrderEvent(MaintenanceBase):
    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
