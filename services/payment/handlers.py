"""Use cases of the payment service. Write first, publish after: a failed publish
fails the delivery, and the retry finds the write done and publishes again. Each names
the ports it uses (shared/injection.py)."""

import logging
from typing import Any

from services.payment.domain.checkout import attempt_now, checkout_lifetime
from services.payment.domain.orders import Announcement, OrderStatus, Signal, unmade_share
from services.payment.ports import AttemptSpent, NewOrder, Order, Orders, PaymentGateway
from shared.clock import Clock
from shared.dapr.ports import Publisher
from shared.errors import Rejected
from shared.events import image, maintenance, message, payment
from shared.events.base import Event, Outgoing
from shared.json_logs import mask_phone
from shared.metrics import ORDERS, REFUNDS
from shared.packs import Catalogue

log = logging.getLogger(__name__)


def handle_checkout_requested(
    event: message.CheckoutRequested,
    *,
    catalogue: Catalogue,
    orders: Orders,
    gateway: PaymentGateway,
    publisher: Publisher,
    clock: Clock,
    checkout_minutes: int,
) -> None:
    """Idempotent on the order id: a redelivery finds the order and its session, and a
    retry after a failure still gets one usable session (domain/checkout.py)."""
    pack = catalogue.get(event.pack_code)
    if pack is None or event.subject not in pack.classes:
        raise Rejected(f"no pack {event.pack_code!r} for {event.subject!r}")
    restyle = event.restyle_of is not None
    if restyle and pack.restyle_price_minor is None:
        raise Rejected(f"pack {pack.code!r} is not offered as a re-style")
    # The price comes from the catalogue, never from the event.
    order = orders.create_if_absent(
        NewOrder(
            id=event.order_id,
            user_address=event.user,
            channel=event.channel.value,
            pack_code=pack.code,
            subject=event.subject,
            photo_set=event.photo_set,
            amount_minor=pack.price(restyle=restyle),
            currency=pack.currency,
            restyle_of=event.restyle_of,
        )
    )
    if order.status == OrderStatus.CREATED:
        lifetime = checkout_lifetime(checkout_minutes)
        attempt = attempt_now(order.checkout_attempt, order.expires_at, clock(), lifetime)
        if (attempt.number, attempt.expires_at) != (order.checkout_attempt, order.expires_at):
            orders.plan_checkout(order.id, attempt.number, attempt.expires_at)
        try:
            session = gateway.open_checkout(
                order_id=order.id,
                pack=pack,
                subject=event.subject,
                expires_at=attempt.expires_at,
                attempt=attempt.number,
                language=event.language,
                restyle=order.restyle_of is not None,
            )
        except AttemptSpent:
            orders.plan_checkout(order.id, attempt.failed(), None)
            raise
        order = orders.opened(
            order.id, session_id=session.id, url=session.url, expires_at=session.expires_at
        )
        ORDERS.labels("checkout").inc()
    if order.status != OrderStatus.OPEN:
        log.info("checkout already settled", extra={"order_id": order.id, "status": order.status})
        return
    ready = payment.CheckoutReady(
        order_id=order.id,
        user=order.user_address,
        url=str(order.session_url),
        expires_at=order.expires_at,
    )
    publisher.publish(ready, event_id=f"{ready.TOPIC}-{order.id}")


def outgoing(announcement: Announcement, order: Order) -> Outgoing:
    """What an order change tells the rest of the system, with an id that makes a second
    telling harmless."""
    common: dict[str, Any] = {"order_id": order.id, "user": order.user_address}
    event: Event
    if announcement is Announcement.COMPLETED:
        event = payment.PaymentCompleted(
            **common,
            pack_code=order.pack_code,
            subject=order.subject,
            amount_minor=order.amount_minor,
            currency=order.currency,
            provider_reference=order.payment_intent or order.session_id or "",
            photo_set=order.photo_set,
            restyle_of=order.restyle_of,
        )
    elif announcement is Announcement.FAILED:
        event = payment.PaymentFailed(**common)
    elif announcement is Announcement.EXPIRED:
        event = payment.CheckoutExpired(**common)
    elif order.status == OrderStatus.PARTLY_REFUNDED:
        refunded = order.refunded_minor or 0
        event = payment.PaymentRefunded(
            **common, amount_minor=refunded, currency=order.currency, partial=True
        )
        # Its own id: a full refund of the rest later is another announcement.
        return Outgoing(event, f"{event.TOPIC}-{order.id}-partial")
    else:
        # The whole payment, or what a partial refund left (refunded later in Stripe).
        rest = order.amount_minor - (order.refunded_minor or 0)
        event = payment.PaymentRefunded(**common, amount_minor=rest, currency=order.currency)
    return Outgoing(event, f"{event.TOPIC}-{order.id}")


def _publish_staged(orders: Orders, publisher: Publisher) -> None:
    """Publish what order changes staged; Transient (so a retry publishes) if the broker is
    down. Nothing is lost meanwhile: it stays staged, and the reconcile tick also flushes."""
    orders.outbox.flush(publisher)


_SESSION_SIGNALS = {
    "checkout.session.async_payment_succeeded": Signal.ASYNC_SUCCEEDED,
    "checkout.session.async_payment_failed": Signal.ASYNC_FAILED,
    "checkout.session.expired": Signal.EXPIRED,
}


def signal_of(event_type: str, obj: dict[str, Any]) -> Signal | None:
    if event_type == "checkout.session.completed":
        # Completed is not paid: a delayed method reports later.
        paid = obj.get("payment_status") in ("paid", "no_payment_required")
        return Signal.COMPLETED_PAID if paid else Signal.COMPLETED_UNPAID
    if event_type == "charge.refunded":
        # A partial refund (ours, for unmade portraits, is recorded when made) changes
        # nothing; a charge refunded in full refunds the order.
        return Signal.REFUNDED if obj.get("refunded") is True else None
    return _SESSION_SIGNALS.get(event_type)


_STAGES = {
    Announcement.COMPLETED: "paid",
    Announcement.FAILED: "payment_failed",
    Announcement.EXPIRED: "expired",
    Announcement.REFUNDED: "refunded",
}


def handle_stripe_event(event: dict[str, Any], *, orders: Orders, publisher: Publisher) -> str:
    """A verified Stripe event; returns what was done, for the response and the logs."""
    event_type = str(event.get("type") or "")
    obj: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    signal = signal_of(event_type, obj)
    if signal is None:
        return "ignored"  # acknowledged, or Stripe would retry it for days
    is_session = obj.get("object") == "checkout.session"
    order_id = (obj.get("metadata") or {}).get("order_id") or obj.get("client_reference_id")
    taken = orders.take(
        event_id=str(event["id"]),
        event_type=event_type,
        signal=signal,
        order_id=str(order_id) if order_id and is_session else None,
        payment_intent=obj.get("payment_intent"),
        announce=outgoing,
    )
    _publish_staged(
        orders, publisher
    )  # this event's announcement, or one a failed earlier try left
    if taken.order is None:
        log.warning("stripe event for an unknown order", extra={"event_id": event["id"]})
        return "unknown order"
    if taken.announcement is None:
        return "no change"
    ORDERS.labels(_STAGES[taken.announcement]).inc()
    if taken.announcement is Announcement.REFUNDED:
        REFUNDS.labels("in_stripe").inc()  # ours are refunded here already: no change
    log.info("announced", extra={"order_id": taken.order.id, "topic": taken.announcement.value})
    return taken.announcement.value


def handle_tune_failed(
    event: image.TuneFailed, *, orders: Orders, gateway: PaymentGateway, publisher: Publisher
) -> None:
    """A customer never pays for images they did not get; refunded once per order."""
    order = orders.get(event.order_id)
    if order is None:
        log.warning("tune failed for an unknown order", extra={"order_id": event.order_id})
        return
    if order.status == OrderStatus.PAID:
        if not order.payment_intent:
            raise Rejected(f"order {order.id} is paid but has no payment intent")
        refund_id = gateway.refund(order_id=order.id, payment_intent=order.payment_intent)
        order = orders.refunded(order.id, refund_id, outgoing)
        REFUNDS.labels("tune_failed").inc()
        ORDERS.labels("refunded").inc()
    _publish_staged(orders, publisher)
    log.info("refund handled", extra={"order_id": order.id, "user": mask_phone(order.user_address)})


def handle_order_completed(
    event: image.OrderCompleted,
    *,
    orders: Orders,
    gateway: PaymentGateway,
    publisher: Publisher,
) -> None:
    """Fewer portraits than the pack promises (prompts failed at Astria): the unmade share
    of the price goes back, once per order. A redelivery finds the order partly refunded;
    a crash between Stripe and the record retries with the same idempotency key, and Stripe
    answers with the refund it already made."""
    order = orders.get(event.order_id)
    if order is None:
        log.warning("order completed for an unknown order", extra={"order_id": event.order_id})
        return
    # What Astria's pack makes of the subject, as the image service read it for the order.
    expected = event.expected or event.images
    share = unmade_share(order.amount_minor, expected, event.images)
    if order.status == OrderStatus.PAID and share > 0:
        if not order.payment_intent:
            raise Rejected(f"order {order.id} is paid but has no payment intent")
        refund_id = gateway.refund(
            order_id=order.id, payment_intent=order.payment_intent, amount_minor=share
        )
        order = orders.partly_refunded(order.id, refund_id, share, outgoing)
        REFUNDS.labels("portraits_missing").inc()
        ORDERS.labels("partly_refunded").inc()
        log.info(
            "partial refund",
            extra={"order_id": order.id, "images": event.images, "expected": expected},
        )
    _publish_staged(orders, publisher)


def handle_user_erased(event: message.UserErased, *, orders: Orders, publisher: Publisher) -> None:
    """DELETE: the person's orders go (Stripe keeps its own records of the payment)."""
    count = orders.erase_user(event.user)
    report = maintenance.Report(
        service="payment", run_id=maintenance.erasure_run_id(event.user), counts={"orders": count}
    )
    publisher.publish(report, event_id=report.event_id)


def handle_reconcile(
    event: maintenance.ReconcileRequested, *, orders: Orders, publisher: Publisher
) -> None:
    """Checkouts past their time expire even if Stripe's webhook never came; and whatever an
    earlier failure left staged is published."""
    for order in orders.overdue_checkouts(event.requested_at):
        orders.expire(order.id, outgoing)
    _publish_staged(orders, publisher)


def handle_cleanup(
    event: maintenance.CleanupRequested, *, orders: Orders, publisher: Publisher
) -> None:
    """Retention: orders that were never paid go; paid ones stay for the accounts."""
    count = orders.delete_unpaid_before(event.retention_cutoff)
    report = maintenance.Report(
        service="payment", run_id=event.run_id, counts={"unpaid_orders": count}
    )
    publisher.publish(report, event_id=report.event_id)
