"""Orders and the Stripe events taken into account, in the payment service's database."""

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.payment.adapters.models import Order, OutboxEntry, PaymentEvent
from services.payment.domain.orders import OrderStatus, Signal, apply
from services.payment.ports import Announce, NewOrder, Taken
from shared import tracing
from shared.db import Repository
from shared.outbox import SqlOutbox

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SqlOrders(Repository):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, MIGRATIONS)
        self.outbox = SqlOutbox(engine, OutboxEntry)

    def get(self, order_id: str) -> Order | None:
        with self._sessions() as session:
            return session.get(Order, order_id)

    def create_if_absent(self, new: NewOrder) -> Order:
        # The order's trace, which Stripe's webhooks and later announcements continue.
        order = Order(
            **asdict(new), status=OrderStatus.CREATED.value, traceparent=tracing.current()
        )
        try:
            with self._sessions.begin() as session:
                session.add(order)
        except IntegrityError:
            pass  # the same checkout.requested, delivered again
        found = self.get(order.id)
        assert found is not None
        return found

    def plan_checkout(self, order_id: str, attempt: int, expires_at: datetime | None) -> Order:
        with self._sessions.begin() as session:
            order = session.get_one(Order, order_id)
            order.checkout_attempt, order.expires_at = attempt, expires_at
            return order

    def opened(self, order_id: str, *, session_id: str, url: str, expires_at: datetime) -> Order:
        with self._sessions.begin() as session:
            order = session.get_one(Order, order_id)
            transition = apply(OrderStatus(order.status), Signal.SESSION_OPENED)
            # Two deliveries racing: the first session recorded is the only one ever sent.
            if transition.changed:
                order.status = transition.after
                order.session_id, order.session_url, order.expires_at = session_id, url, expires_at
            return order

    def refunded(self, order_id: str, refund_id: str, announce: Announce) -> Order:
        with self._sessions.begin() as session:
            order = session.get_one(Order, order_id)
            transition = apply(OrderStatus(order.status), Signal.REFUNDED)
            order.status = transition.after
            order.refund_id = refund_id
            if transition.announcement:
                self.outbox.stage(
                    session, announce(transition.announcement, order), trace=order.traceparent
                )
            return order

    def partly_refunded(
        self, order_id: str, refund_id: str, amount_minor: int, announce: Announce
    ) -> Order:
        with self._sessions.begin() as session:
            order = session.get_one(Order, order_id)
            transition = apply(OrderStatus(order.status), Signal.PARTLY_REFUNDED)
            order.status = transition.after
            if transition.changed:
                order.refund_id, order.refunded_minor = refund_id, amount_minor
            if transition.announcement:
                self.outbox.stage(
                    session, announce(transition.announcement, order), trace=order.traceparent
                )
            return order

    def take(
        self,
        *,
        event_id: str,
        event_type: str,
        signal: Signal,
        order_id: str | None,
        payment_intent: str | None,
        announce: Announce,
    ) -> Taken:
        """Record a Stripe event once, move its order and stage what that announces, in
        one transaction. A redelivered event changes nothing: what it staged is in the
        outbox until published."""
        with self._sessions.begin() as session:
            seen = session.get(PaymentEvent, event_id)
            if seen is not None:
                return Taken(session.get(Order, seen.order_id) if seen.order_id else None, None)
            order = self._find(session, order_id, payment_intent)
            announcement = None
            if order is not None:
                transition = apply(OrderStatus(order.status), signal)
                order.status = transition.after
                order.payment_intent = order.payment_intent or payment_intent
                announcement = transition.announcement
                if announcement:
                    self.outbox.stage(
                        session, announce(announcement, order), trace=order.traceparent
                    )
            session.add(
                PaymentEvent(
                    stripe_event_id=event_id,
                    type=event_type,
                    order_id=order.id if order else None,
                    announcement=announcement.value if announcement else None,
                )
            )
            return Taken(order, announcement)

    @staticmethod
    def _find(session: Session, order_id: str | None, payment_intent: str | None) -> Order | None:
        if order_id:
            return session.get(Order, order_id)
        if payment_intent:
            return session.scalar(select(Order).where(Order.payment_intent == payment_intent))
        return None

    def overdue_checkouts(self, now: datetime) -> list[Order]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Order).where(
                        Order.status == OrderStatus.OPEN.value, Order.expires_at < now
                    )
                )
            )

    def expire(self, order_id: str, announce: Announce) -> Order | None:
        """Expire an open checkout whose time is up; None if it moved on meanwhile."""
        with self._sessions.begin() as session:
            order = session.get_one(Order, order_id)
            transition = apply(OrderStatus(order.status), Signal.EXPIRED)
            if not transition.changed:
                return None
            order.status = transition.after
            if transition.announcement:
                self.outbox.stage(
                    session, announce(transition.announcement, order), trace=order.traceparent
                )
            return order

    def delete_unpaid_before(self, cutoff: datetime) -> int:
        unpaid = (OrderStatus.CREATED, OrderStatus.OPEN, OrderStatus.EXPIRED, OrderStatus.FAILED)
        with self._sessions.begin() as session:
            ids = list(
                session.scalars(
                    select(Order.id).where(
                        Order.status.in_([s.value for s in unpaid]), Order.created_at < cutoff
                    )
                )
            )
            session.execute(delete(PaymentEvent).where(PaymentEvent.order_id.in_(ids)))
            session.execute(delete(Order).where(Order.id.in_(ids)))
        return len(ids)

    def erase_user(self, user_address: str) -> int:
        with self._sessions.begin() as session:
            ids = list(session.scalars(select(Order.id).where(Order.user_address == user_address)))
            session.execute(delete(PaymentEvent).where(PaymentEvent.order_id.in_(ids)))
            session.execute(delete(Order).where(Order.id.in_(ids)))
        return len(ids)
