"""Use cases of maintenance: what the cron ticks start, what comes back, the dead letters.
Plain functions; each names the ports it uses (shared/injection.py)."""

import json
import logging
from datetime import datetime, timedelta

from services.maintenance.domain.ticks import run_id
from services.maintenance.ports import DeadLetter, MaintenanceRecords, NewDeadLetter
from shared.clock import Clock
from shared.dapr.ports import Publisher
from shared.events.base import AnyEvent, EventMeta
from shared.events.maintenance import (
    CleanupRequested,
    ReconcileRequested,
    Report,
    erasure_run_id,
)
from shared.events.message import UserErased
from shared.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)


def reconcile_tick(
    fired_at: datetime, *, records: MaintenanceRecords, publisher: Publisher, overdue_minutes: float
) -> str | None:
    identifier = run_id("reconcile", fired_at)
    if not records.start_run(identifier, "reconcile"):
        return None  # a twin tick: the first one did the work
    request = ReconcileRequested(requested_at=fired_at, overdue_after_minutes=overdue_minutes)
    publisher.publish(request, event_id=identifier)
    return identifier


def cleanup_tick(
    fired_at: datetime, *, records: MaintenanceRecords, publisher: Publisher, retention: timedelta
) -> str | None:
    identifier = run_id("cleanup", fired_at)
    if not records.start_run(identifier, "cleanup"):
        return None
    request = CleanupRequested(
        run_id=identifier, requested_at=fired_at, retention_cutoff=fired_at - retention
    )
    publisher.publish(request, event_id=identifier)
    log.info(
        "cleanup requested", extra={"run_id": identifier, "cutoff": str(request.retention_cutoff)}
    )
    return identifier


def handle_report(event: Report, *, records: MaintenanceRecords) -> None:
    records.report(event.run_id, event.service, event.counts)
    log.info(
        "report", extra={"run_id": event.run_id, "service": event.service, "counts": event.counts}
    )


def handle_dead_letter(event: AnyEvent, *, meta: EventMeta, records: MaintenanceRecords) -> None:
    records.keep_dead_letter(
        NewDeadLetter(
            event_id=meta.id,
            topic=meta.topic,
            payload=json.dumps(event.model_dump(mode="json"), sort_keys=True),
            source=meta.source,
        )
    )
    DEAD_LETTERS.labels(meta.topic).inc()
    log.warning("dead letter kept", extra={"topic": meta.topic, "event_id": meta.id})


def handle_user_erased(event: UserErased, *, records: MaintenanceRecords) -> None:
    """DELETE reaches the dead letters too: events about the person go, then a report."""
    removed = records.forget_person(event.user)
    records.report(erasure_run_id(event.user), "maintenance", {"dead_letters": removed})


def replay(
    letter_id: int, *, records: MaintenanceRecords, publisher: Publisher, clock: Clock
) -> DeadLetter | None:
    """Republish to the original topic, with the original id (consumers de-duplicate on it)."""
    letter = records.dead_letter(letter_id)
    if letter is None:
        return None
    # Marked first: a replay can fail and come back as a dead letter before the publish
    # call even returns, and it must find the letter replayed to count as failed again.
    records.replayed(letter_id, at=clock())
    try:
        publisher.publish_json(letter.topic, letter.payload, event_id=letter.event_id)
    except Exception:
        records.replayed(letter_id, at=None)  # not replayed after all
        raise
    return records.dead_letter(letter_id)
