"""Events published by the maintenance service."""

from datetime import datetime

from pydantic import Field

from shared.events.base import Event


class ReconcileRequested(Event):
    """Look for work whose callbacks or webhooks are overdue, and finish it."""

    requested_at: datetime
    # Orders quieter than this are considered overdue.
    overdue_after_minutes: int = Field(default=10, ge=0)
