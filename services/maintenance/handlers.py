"""Use cases of maintenance: what the cron ticks start, what comes back, the dead letters.
Plain functions; each names the ports it uses (shared/injection.py)."""

import json
import logging
from datetime import datetime, timedelta

from services.maintenance.domain.orders import StuckRules, happened_at, stage_of, why_stuck
from services.maintenance.domain.ticks import run_id
from services.maintenance.ports import (
    DeadLetter,
    MaintenanceRecords,
    NewDeadLetter,
    OrderNote,
    OrderTimeline,
    OrderView,
)
from shared.clock import Clock
from shared.dapr.ports import Publisher
from shared.events import image, message, payment
from shared.events.base import AnyEvent, EventMeta
from shared.events.maintenance import (
    CleanupRequested,
    ReconcileRequested,
    Report,
    erasure_run_id,
)
from shared.events.message import UserErased
from shared.metrics import DEAD_LETTERS, STUCK_ORDERS

log = logging.getLogger(__name__)


def reconcile_tick(
    fired_at: datetime,
    *,
    records: MaintenanceRecords,
    publisher: Publisher,
    overdue_minutes: float,
    timeline: OrderTimeline,
    stuck_rules: StuckRules,
    clock: Clock,
) -> str | None:
    # Every replica counts (its gauge is scraped too); the run's owner says it in the log,
    # which is what the Azure alert reads.
    stuck = stuck_orders(timeline=timeline, stuck_rules=stuck_rules, clock=clock)
    STUCK_ORDERS.set(len(stuck))
    identifier = run_id("reconcile", fired_at)
    if not records.start_run(identifier, "reconcile"):
        return None  # a twin tick: the first one did the work
    if stuck:
        log.warning(
            "orders stuck",
            extra={"count": len(stuck), "orders": {view.order_id: why for view, why in stuck[:10]}},
        )
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


def handle_user_erased(
    event: UserErased, *, records: MaintenanceRecords, timeline: OrderTimeline
) -> None:
    """DELETE reaches the dead letters and the order timeline too: then a report."""
    removed = records.forget_person(event.user)
    orders = timeline.forget_person(event.user)
    counts = {"dead_letters": removed, "orders": orders}
    records.report(erasure_run_id(event.user), "maintenance", counts)


# Every event about an order, for its timeline.
ORDER_EVENTS = (
    message.CheckoutRequested,
    payment.CheckoutReady,
    payment.CheckoutExpired,
    payment.PaymentFailed,
    payment.PaymentCompleted,
    payment.PaymentRefunded,
    image.TuneStarted,
    image.TuneTrained,
    image.TuneFailed,
    image.ImagesReady,
    image.OrderCompleted,
)
OrderEvent = (
    message.CheckoutRequested
    | payment.CheckoutReady
    | payment.CheckoutExpired
    | payment.PaymentFailed
    | payment.PaymentCompleted
    | payment.PaymentRefunded
    | image.TuneStarted
    | image.TuneTrained
    | image.TuneFailed
    | image.ImagesReady
    | image.OrderCompleted
)


def handle_order_event(
    event: OrderEvent,
    *,
    meta: EventMeta,
    timeline: OrderTimeline,
    clock: Clock,
) -> None:
    """Keep the event on its order's timeline, once, and move the order's stage on."""
    now = clock()
    at = happened_at(meta.time, now)
    rank, stage = stage_of(
        meta.topic, partial_refund=isinstance(event, payment.PaymentRefunded) and event.partial
    )
    eta = images = expected = None
    if isinstance(event, image.TuneStarted):
        expected = event.expected
        if event.eta_minutes is not None:
            eta = now + timedelta(minutes=event.eta_minutes)
    if isinstance(event, image.OrderCompleted):
        images, expected = event.images, event.expected
    timeline.note(
        OrderNote(
            order_id=event.order_id,
            event_id=meta.id,
            topic=meta.topic,
            source=meta.source,
            user=event.user,
            at=at,
            rank=rank,
            stage=stage,
            eta=eta,
            images=images,
            expected=expected,
            refund=isinstance(event, payment.PaymentRefunded),
        )
    )


def stuck_orders(
    *, timeline: OrderTimeline, stuck_rules: StuckRules, clock: Clock
) -> list[tuple[OrderView, str]]:
    """Every order that needs a look, with why, those stuck longest first."""
    now, found = clock(), []
    for view in timeline.unsettled(limit=1000):
        why = why_stuck(
            stage=view.stage,
            stage_at=view.stage_at,
            eta=view.eta,
            images=view.images,
            expected=view.expected,
            refunded=view.refunded,
            now=now,
            rules=stuck_rules,
        )
        if why is not None:
            found.append((view, why))
    return found


def replay(
    letter_id: int, *, records: MaintenanceRecords, publisher: Publisher, clock: Clock
) -> DeadLetter | None:
    """Republish to the original topic, with the original id (consumers de-duplicate on it).
    The letter as this replay left it: one that fails again shows as failed from then on,
    which may be before the publish call even returns, so it is not read back after."""
    letter = records.dead_letter(letter_id)
    if letter is None:
        return None
    # Marked first: a replay can fail and come back as a dead letter before the publish
    # call even returns, and it must find the letter replayed to count as failed again.
    records.replayed(letter_id, at=clock())
    replayed = records.dead_letter(letter_id)
    try:
        publisher.publish_json(letter.topic, letter.payload, event_id=letter.event_id)
    except Exception:
        records.replayed(letter_id, at=None)  # not replayed after all
        raise
    return replayed
