"""An order's life: created → open → paid / expired / failed → (partly) refunded.

Stripe's events arrive late, twice and out of order; the order's own state
decides what each one means. An impossible pair is ignored (and acknowledged),
never retried forever. Money taken is always honoured: a payment that
completes after the session was reported expired still fulfils the order.
"""

from dataclasses import dataclass
from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    OPEN = "open"
    AWAITING_PAYMENT = "awaiting_payment"  # completed, but a delayed method has not paid yet
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"
    # Paid, and the share of the portraits that could not be made given back.
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"


class Signal(StrEnum):
    SESSION_OPENED = "session_opened"
    COMPLETED_PAID = "completed_paid"
    COMPLETED_UNPAID = "completed_unpaid"
    ASYNC_SUCCEEDED = "async_succeeded"
    ASYNC_FAILED = "async_failed"
    EXPIRED = "expired"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"


class Announcement(StrEnum):
    """What the rest of the system hears when an order changes."""

    COMPLETED = "payment.completed"
    FAILED = "payment.failed"
    EXPIRED = "checkout.expired"
    REFUNDED = "payment.refunded"


_PAID_BY = {Signal.COMPLETED_PAID, Signal.ASYNC_SUCCEEDED}
_BEFORE_PAYMENT = (
    OrderStatus.CREATED,
    OrderStatus.OPEN,
    OrderStatus.AWAITING_PAYMENT,
    OrderStatus.EXPIRED,
    OrderStatus.FAILED,
)

_NEXT: dict[tuple[OrderStatus, Signal], OrderStatus] = {
    (OrderStatus.CREATED, Signal.SESSION_OPENED): OrderStatus.OPEN,
    # Money taken is honoured from any state before a refund.
    **{(state, signal): OrderStatus.PAID for state in _BEFORE_PAYMENT for signal in _PAID_BY},
    (OrderStatus.OPEN, Signal.COMPLETED_UNPAID): OrderStatus.AWAITING_PAYMENT,
    (OrderStatus.OPEN, Signal.ASYNC_FAILED): OrderStatus.FAILED,
    (OrderStatus.AWAITING_PAYMENT, Signal.ASYNC_FAILED): OrderStatus.FAILED,
    (OrderStatus.OPEN, Signal.EXPIRED): OrderStatus.EXPIRED,
    (OrderStatus.CREATED, Signal.EXPIRED): OrderStatus.EXPIRED,
    (OrderStatus.PAID, Signal.REFUNDED): OrderStatus.REFUNDED,
    (OrderStatus.PAID, Signal.PARTLY_REFUNDED): OrderStatus.PARTLY_REFUNDED,
    # The rest refunded later, in Stripe's dashboard.
    (OrderStatus.PARTLY_REFUNDED, Signal.REFUNDED): OrderStatus.REFUNDED,
}

_ANNOUNCED: dict[OrderStatus, Announcement] = {
    OrderStatus.PAID: Announcement.COMPLETED,
    OrderStatus.FAILED: Announcement.FAILED,
    OrderStatus.EXPIRED: Announcement.EXPIRED,
    OrderStatus.PARTLY_REFUNDED: Announcement.REFUNDED,
    OrderStatus.REFUNDED: Announcement.REFUNDED,
}


@dataclass(frozen=True)
class Transition:
    before: OrderStatus
    after: OrderStatus
    announcement: Announcement | None

    @property
    def changed(self) -> bool:
        return self.before is not self.after


def apply(status: OrderStatus, signal: Signal) -> Transition:
    """The order's next status for a signal; the same status when the pair is impossible."""
    after = _NEXT.get((status, signal), status)
    announcement = _ANNOUNCED.get(after) if after is not status else None
    return Transition(status, after, announcement)


def unmade_share(amount_minor: int, expected: int, delivered: int) -> int:
    """What is owed back when `delivered` of `expected` portraits were made: the unmade
    share of the price, to the nearest minor unit (half up: the person's favour). Nothing
    when all were made; never more than was paid."""
    if expected <= 0 or delivered >= expected:
        return 0
    missing = expected - max(delivered, 0)
    return min(amount_minor, (2 * amount_minor * missing + expected) // (2 * expected))
