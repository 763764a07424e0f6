"""Events published by the payment service. Amounts are integers in minor units."""

from datetime import datetime

from pydantic import Field

from shared.events.base import Event
from shared.events.topics import Topic


class CheckoutReady(Event):
    TOPIC = Topic.CHECKOUT_READY

    order_id: str
    user: str
    url: str
    expires_at: datetime | None = None


class PaymentCompleted(Event):
    TOPIC = Topic.PAYMENT_COMPLETED

    order_id: str
    user: str
    pack_code: str
    subject: str
    amount_minor: int
    currency: str
    provider_reference: str
    photo_set: int = Field(default=1, ge=1)  # from the checkout request: what to train from
    restyle_of: str | None = Field(default=None, max_length=64)  # the trained order to reuse


class PaymentFailed(Event):
    TOPIC = Topic.PAYMENT_FAILED

    order_id: str
    user: str


class CheckoutExpired(Event):
    TOPIC = Topic.CHECKOUT_EXPIRED

    order_id: str
    user: str


class PaymentRefunded(Event):
    TOPIC = Topic.PAYMENT_REFUNDED

    order_id: str
    user: str
    amount_minor: int = Field(description="what this refund gives back, in minor units")
    currency: str
    partial: bool = Field(
        default=False, description="only the share of the portraits that could not be made"
    )
