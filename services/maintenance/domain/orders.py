"""An order's stage as the events tell it, and when an order counts as stuck.

Events arrive late, twice and out of order: an order is at the furthest stage any of its
events reached, so a late `checkout.ready` never moves a paid order back. Plain Python.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

# topic -> (rank, stage); the highest rank seen is the order's stage.
STAGES: dict[str, tuple[int, str]] = {
    "checkout.requested": (1, "requested"),
    "checkout.ready": (2, "checkout"),
    "checkout.expired": (3, "expired"),
    "payment.failed": (3, "payment_failed"),
    "payment.completed": (4, "paid"),
    "tune.started": (5, "training"),
    "tune.trained": (6, "trained"),
    "images.ready": (7, "delivering"),
    "order.completed": (8, "delivered"),
    "tune.failed": (9, "failed"),
    "payment.refunded": (10, "refunded"),
}
# A partial refund (portraits that could not be made) leaves the order where it is.
PARTIAL_REFUND_RANK = 0


def stage_of(topic: str, *, partial_refund: bool = False) -> tuple[int, str | None]:
    if topic == "payment.refunded" and partial_refund:
        return PARTIAL_REFUND_RANK, None
    rank, stage = STAGES[topic]
    return rank, stage


def happened_at(published: str | None, now: datetime) -> datetime:
    """When an event happened: the time its publisher's sidecar stamped on the CloudEvent
    (RFC 3339, to the second), not when it reached us; deliveries of different topics race,
    so a `checkout.ready` can arrive before the `checkout.requested` it answers. Never later
    than `now`, and `now` when the event carries no readable time."""
    if not published:
        return now
    try:
        moment = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        return now
    if moment.tzinfo is None:
        return now
    return min(moment.astimezone(UTC), now)


class _Entry(Protocol):
    @property
    def topic(self) -> str: ...
    @property
    def at(self) -> datetime: ...


E = TypeVar("E", bound=_Entry)


def in_order(entries: Sequence[E]) -> list[E]:
    """An order's events as they happened: by time, and within one second (a CloudEvent's
    time goes no finer) by the stage each reached; as they came after that."""
    return sorted(entries, key=lambda e: (e.at, STAGES.get(e.topic, (0, ""))[0]))


# The stages an order is on its way at, and can be stuck at; a delivered one can be stuck
# only when it came up short of its pack and nothing was refunded.
ON_THE_WAY = ("paid", "training", "trained", "delivering")


@dataclass(frozen=True)
class StuckRules:
    """How long each stage may last before the operator should look."""

    paid_minutes: float = 10  # paid, and no training started
    eta_margin_minutes: float = 30  # training, this long past Astria's ETA
    delivering_minutes: float = 30  # trained or delivering, and not every portrait out;
    # or delivered short of the pack, and the unmade share not refunded


def why_stuck(
    *,
    stage: str,
    stage_at: datetime,
    eta: datetime | None,
    images: int | None,
    expected: int | None,
    refunded: bool,
    now: datetime,
    rules: StuckRules,
) -> str | None:
    """Why an order at `stage` since `stage_at` needs a look, or None. An order delivered
    short of its pack is settled by its partial refund."""
    waited = now - stage_at
    if stage == "paid" and waited > timedelta(minutes=rules.paid_minutes):
        return f"paid, and no training started after {rules.paid_minutes:g} minutes"
    if stage == "training":
        due = (eta or stage_at) + timedelta(minutes=rules.eta_margin_minutes)
        if now > due:
            return f"training, more than {rules.eta_margin_minutes:g} minutes past its ETA"
    if stage in ("trained", "delivering") and waited > timedelta(minutes=rules.delivering_minutes):
        return f"portraits not all delivered after {rules.delivering_minutes:g} minutes"
    short = stage == "delivered" and images is not None and expected and images < expected
    if short and not refunded and waited > timedelta(minutes=rules.delivering_minutes):
        return (
            f"delivered {images} of the pack's {expected} portraits, and nothing refunded "
            f"after {rules.delivering_minutes:g} minutes"
        )
    return None
