"""The payment service's own tables. Amounts are integers in minor units; no card data."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime, now_default
from shared.outbox import OutboxColumns


class PaymentBase(DeclarativeBase):
    metadata = NAMING_CONVENTION()


class Order(PaymentBase):
    __tablename__ = "customer_order"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_address: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    pack_code: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(16))
    photo_set: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The earlier order whose trained model a re-style runs on; None for a new training.
    restyle_of: Mapped[str | None] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))
    session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    session_url: Mapped[str | None] = mapped_column(String(1024))
    payment_intent: Mapped[str | None] = mapped_column(String(255), index=True)
    # Until the session opens: the expiry the current checkout attempt asks Stripe for.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The attempt number in the Stripe idempotency key (domain/checkout.py).
    checkout_attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    refund_id: Mapped[str | None] = mapped_column(String(255))
    # Given back for portraits that could not be made (a partial refund), in minor units.
    refunded_minor: Mapped[int | None] = mapped_column(Integer)
    # The order's W3C trace context (shared/tracing.py), continued by Stripe's webhooks.
    traceparent: Mapped[str | None] = mapped_column(String(55))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=now_default, onupdate=now_default
    )


class PaymentEvent(PaymentBase):
    """Every Stripe event taken into account, once."""

    __tablename__ = "payment_event"

    stripe_event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    announcement: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now_default)


class OutboxEntry(OutboxColumns, PaymentBase):
    """Announcements staged with the order changes they announce (shared/outbox.py)."""
