"""What the payment handlers need from the outside world: every collaborator a Protocol,
and the plain values that cross it. Adapters implement them; tests fake them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.payment.domain.orders import Announcement, Signal
from shared.clock import Clock
from shared.dapr.ports import Publisher
from shared.errors import Transient
from shared.events.base import Outgoing
from shared.packs import Catalogue, Pack


class AttemptSpent(Transient):
    """Stripe answered a failure it keeps under the request's idempotency key: only a new
    attempt can succeed (services/payment/domain/checkout.py)."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class NewOrder:
    """An order as a checkout request opens it, priced from the catalogue."""

    id: str
    user_address: str
    channel: str
    pack_code: str
    subject: str
    photo_set: int
    amount_minor: int
    currency: str
    restyle_of: str | None = None


class Order(Protocol):
    """An order as recorded (read-only to the handlers)."""

    @property
    def id(self) -> str: ...
    @property
    def user_address(self) -> str: ...
    @property
    def pack_code(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def photo_set(self) -> int: ...
    @property
    def restyle_of(self) -> str | None: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def session_url(self) -> str | None: ...
    @property
    def payment_intent(self) -> str | None: ...
    @property
    def refunded_minor(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def checkout_attempt(self) -> int: ...


# What an order change announces, built inside the transaction that makes the change.
Announce = Callable[[Announcement, Order], Outgoing]


@dataclass(frozen=True)
class Taken:
    """A Stripe event as the order saw it: what it announced, if anything."""

    order: Order | None
    announcement: Announcement | None


class Outbox(Protocol):
    def flush(self, publisher: Publisher) -> int: ...


class Orders(Protocol):
    @property
    def outbox(self) -> Outbox: ...

    def get(self, order_id: str) -> Order | None: ...

    def create_if_absent(self, order: NewOrder) -> Order: ...

    def plan_checkout(self, order_id: str, attempt: int, expires_at: datetime | None) -> Order: ...

    def opened(
        self, order_id: str, *, session_id: str, url: str, expires_at: datetime
    ) -> Order: ...

    def refunded(self, order_id: str, refund_id: str, announce: Announce) -> Order: ...

    def partly_refunded(
        self, order_id: str, refund_id: str, amount_minor: int, announce: Announce
    ) -> Order: ...

    def take(
        self,
        *,
        event_id: str,
        event_type: str,
        signal: Signal,
        order_id: str | None,
        payment_intent: str | None,
        announce: Announce,
    ) -> Taken: ...

    def overdue_checkouts(self, now: datetime) -> Sequence[Order]: ...

    def expire(self, order_id: str, announce: Announce) -> Order | None: ...

    def delete_unpaid_before(self, cutoff: datetime) -> int: ...

    def erase_user(self, user_address: str) -> int: ...


class PaymentGateway(Protocol):
    def open_checkout(
        self,
        *,
        order_id: str,
        pack: Pack,
        subject: str,
        expires_at: datetime,
        attempt: int,
        language: str,
        restyle: bool = False,
    ) -> CheckoutSession:
        """A Checkout Session at the pack's price, or its re-style price, in the person's
        language; the same `attempt` of an order gets the same session."""
        ...

    def refund(self, *, order_id: str, payment_intent: str, amount_minor: int | None = None) -> str:
        """The whole payment back, or `amount_minor` of it (once per order and kind)."""


@dataclass
class PaymentPorts:
    """Everything a payment handler may name; each names only what it uses."""

    publisher: Publisher
    orders: Orders
    gateway: PaymentGateway
    catalogue: Catalogue
    clock: Clock
    checkout_minutes: int = 30
