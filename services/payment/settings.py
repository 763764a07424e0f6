from pathlib import Path

from pydantic import Field

from shared import timeouts
from shared.packs import DEFAULT_CATALOGUE
from shared.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    app_id: str = "payment"
    # Point the stripe library somewhere else than https://api.stripe.com (the sandbox).
    stripe_api_base: str | None = None
    # Deliberate: the library retries connection errors, 409 and 5xx with jitter; the
    # Dapr retry of the whole delivery comes on top.
    stripe_max_network_retries: int = Field(default=timeouts.STRIPE.tries - 1, ge=0, le=5)
    stripe_timeout_seconds: float = Field(default=timeouts.STRIPE.seconds, gt=0)
    stripe_webhook_tolerance_seconds: int = 300
    checkout_minutes: int = Field(default=30, ge=30, le=24 * 60)
    success_url: str = "https://wa.me/14155238886?text=paid"
    cancel_url: str = "https://wa.me/14155238886?text=cancelled"
    max_webhook_bytes: int = Field(default=512 * 1024, gt=0)
    packs_file: Path = DEFAULT_CATALOGUE
