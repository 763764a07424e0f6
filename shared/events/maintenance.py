"""Events of the maintenance runs: requested by maintenance, reported back to it."""

import hashlib
from datetime import datetime

from pydantic import Field

from shared.events.base import Event
from shared.events.topics import Topic


class ReconcileRequested(Event):
    """Look for work whose callbacks or webhooks are overdue, and finish it."""

    TOPIC = Topic.MAINTENANCE_RECONCILE

    requested_at: datetime
    # Work this long past its expected time (a tune's ETA) is considered overdue.
    overdue_after_minutes: float = Field(default=10, ge=0)


class CleanupRequested(Event):
    """Each service deletes what it owns that is older than the cutoff, then reports."""

    TOPIC = Topic.MAINTENANCE_CLEANUP

    run_id: str
    requested_at: datetime
    # Photos, generated images and message logs older than this go.
    retention_cutoff: datetime


class Report(Event):
    """What a service did for a maintenance run or an erasure."""

    TOPIC = Topic.MAINTENANCE_REPORT
    PUBLISHED_BY = ("message", "image", "payment")

    service: str
    run_id: str  # a cleanup run, or "erasure-<hash of the user>"
    counts: dict[str, int] = Field(default_factory=dict)

    @property
    def event_id(self) -> str:
        """One id per service and run, so a redelivered report is harmless."""
        return f"{self.run_id}-{self.service}"


def erasure_run_id(user: str) -> str:
    """The one run every service reports a person's erasure under; it names no one."""
    return f"erasure-{hashlib.sha256(user.encode()).hexdigest()[:24]}"
