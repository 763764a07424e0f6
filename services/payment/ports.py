"""What the payment handlers need from the outside world."""

from datetime import datetime
from typing import Protocol

from services.payment.adapters.stripe_gateway import CheckoutSession
from shared.packs import Pack


class PaymentGateway(Protocol):
    def open_checkout(
        self, *, order_id: str, pack: Pack, subject: str, expires_at: datetime
    ) -> CheckoutSession: ...

    def refund(self, *, order_id: str, payment_intent: str) -> str: ...
