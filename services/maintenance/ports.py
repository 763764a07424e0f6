"""What the maintenance handlers need from the outside world: every collaborator a
Protocol, and the plain values that cross it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.maintenance.domain.orders import StuckRules
from shared.clock import Clock
from shared.dapr.ports import Publisher


@dataclass(frozen=True)
class NewDeadLetter:
    """An event a subscriber dropped or Dapr gave up on, as the dead-letter topic hands it."""

    event_id: str
    topic: str
    payload: str  # the event's data, as JSON
    source: str | None


class DeadLetter(Protocol):
    """A dead letter as kept (read-only to the handlers and the operator API)."""

    @property
    def id(self) -> int: ...
    @property
    def event_id(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def payload(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def replayed_at(self) -> datetime | None: ...
    @property
    def failures(self) -> int: ...
    @property
    def failed_at(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...


class JobRun(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def job(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...


class MaintenanceRecords(Protocol):
    def start_run(self, run_id: str, job: str) -> bool:
        """False when this run already started (another replica's tick of the same schedule)."""

    def report(self, run_id: str, service: str, counts: dict[str, int]) -> None: ...

    def runs(
        self, *, job: str | None = None, limit: int = 50
    ) -> Sequence[tuple[JobRun, dict[str, Any]]]: ...

    def keep_dead_letter(self, letter: NewDeadLetter) -> None: ...

    def dead_letters(self) -> Sequence[DeadLetter]: ...

    def dead_letter(self, letter_id: int) -> DeadLetter | None: ...

    def replayed(self, letter_id: int, at: datetime | None) -> None: ...

    def forget_person(self, user: str) -> int: ...

    def forget(self, letter_id: int) -> bool: ...


@dataclass(frozen=True)
class OrderNote:
    """One event about an order, as the timeline keeps it."""

    order_id: str
    event_id: str
    topic: str
    source: str | None
    user: str
    at: datetime
    rank: int
    stage: str | None  # None: a note that moves no stage (a partial refund)
    eta: datetime | None = None
    images: int | None = None
    expected: int | None = None  # the pack's portraits, from the checkout request
    refund: bool = False  # money given back: all of it, or the unmade portraits' share


class OrderView(Protocol):
    """An order as the timeline sees it: its furthest stage and since when."""

    @property
    def order_id(self) -> str: ...
    @property
    def user_masked(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def stage_at(self) -> datetime: ...
    @property
    def first_at(self) -> datetime: ...
    @property
    def eta(self) -> datetime | None: ...
    @property
    def images(self) -> int | None: ...
    @property
    def expected(self) -> int | None: ...
    @property
    def refunded(self) -> bool: ...


class TimelineEntry(Protocol):
    @property
    def event_id(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...


class OrderTimeline(Protocol):
    """Every order's events, in maintenance's own database."""

    def note(self, note: OrderNote) -> bool:
        """Keep one event (once: False when its id was kept before) and move its order."""

    def orders(
        self, *, stage: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> Sequence[OrderView]:
        """Orders, those longest at their stage first; `before`: at it since before then."""

    def unsettled(self, limit: int) -> Sequence[OrderView]:
        """The orders that can be stuck: on their way (domain.orders.ON_THE_WAY), or
        delivered short of their pack and not refunded; those longest at it first."""

    def order(self, order_id: str) -> tuple[OrderView, Sequence[TimelineEntry]] | None: ...

    def forget_person(self, user: str) -> int:
        """Remove the person's orders and their events; how many orders."""


@dataclass
class MaintenancePorts:
    """Everything a maintenance handler may name; each names only what it uses."""

    publisher: Publisher
    records: MaintenanceRecords
    retention: timedelta
    overdue_minutes: float
    clock: Clock
    timeline: OrderTimeline
    stuck_rules: StuckRules
