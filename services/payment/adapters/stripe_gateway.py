"""Stripe Checkout and refunds through the official library."""

import logging
from datetime import UTC, datetime
from typing import Any

import stripe
from stripe import StripeClient

from services.payment.ports import AttemptSpent, CheckoutSession
from shared import timeouts
from shared.errors import Rejected, Transient
from shared.packs import Pack

log = logging.getLogger(__name__)

# What the product name says of a re-style, in each language the bot speaks.
RESTYLE_SUFFIX = {"en": " (another style, no training)", "es": " (otro estilo, sin entrenamiento)"}


def _translate(exc: stripe.StripeError) -> Exception:
    """Stripe saves the answer to a request that reached its endpoint, a 5xx included,
    and replays it under the same idempotency key for a day (AttemptSpent). Connection
    trouble, rate limits and a 409 (the same key still in flight) left nothing saved:
    the same request may succeed later. Any other 4xx never will."""
    status = exc.http_status
    if status is not None and status >= 500:
        return AttemptSpent(f"stripe failed: {type(exc).__name__} {status}")
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or status == 409:
        return Transient(f"stripe unavailable: {type(exc).__name__}")
    return Rejected(f"stripe refused: {exc.user_message or exc}")


class StripeGateway:
    def __init__(
        self,
        *,
        api_key: str,
        api_base: str | None,
        max_network_retries: int,
        success_url: str,
        timeout: float = timeouts.STRIPE.seconds,
        cancel_url: str,
    ) -> None:
        # The library's own default waits 80 s a try: longer than Dapr waits for the delivery.
        options: dict[str, object] = {
            "max_network_retries": max_network_retries,
            "http_client": stripe.RequestsClient(timeout=timeout),
        }
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self._client = StripeClient(api_key, **options)  # type: ignore[arg-type]
        self._success_url = success_url
        self._cancel_url = cancel_url

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
        title = pack.text("title", language)
        if restyle:
            title += RESTYLE_SUFFIX.get(language, RESTYLE_SUFFIX["en"])
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": pack.currency,
                        "unit_amount": pack.price(restyle=restyle),
                        "product_data": {
                            "name": title,
                            "description": pack.text("description", language),
                        },
                    },
                }
            ],
            "client_reference_id": order_id,
            "metadata": {"order_id": order_id, "pack_code": pack.code, "subject": subject},
            "payment_intent_data": {"metadata": {"order_id": order_id}},
            "expires_at": int(expires_at.timestamp()),
            # The page in the person's language (Stripe's locales include "en" and "es").
            "locale": language,
            "success_url": self._success_url,
            "cancel_url": self._cancel_url,
        }
        try:
            # The same attempt returns the same session (domain/checkout.py).
            session = self._client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"checkout-{order_id}-{attempt}"},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        log.info("checkout session opened", extra={"order_id": order_id, "session": session.id})
        return CheckoutSession(
            id=session.id,
            url=str(session.url),
            expires_at=datetime.fromtimestamp(session.expires_at, UTC),
        )

    def refund(self, *, order_id: str, payment_intent: str, amount_minor: int | None = None) -> str:
        params: dict[str, Any] = {
            "payment_intent": payment_intent,
            "metadata": {"order_id": order_id},
        }
        # One key per order and kind: a retry returns the refund already made.
        key = f"refund-{order_id}"
        if amount_minor is not None:
            params["amount"], key = amount_minor, f"partial-refund-{order_id}"
        try:
            refund = self._client.v1.refunds.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": key},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        log.info("refund created", extra={"order_id": order_id, "refund": refund.id})
        return str(refund.id)
