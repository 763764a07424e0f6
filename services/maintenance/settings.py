from pydantic import Field

from shared.settings import ServiceSettings


class MaintenanceSettings(ServiceSettings):
    app_id: str = "maintenance"
    # Orders quieter than this are reconciled with Astria and Stripe.
    # How long after its expected time (a tune's ETA, a checkout's expiry) work counts as
    # stuck and is re-driven; fractions of a minute are allowed.
    reconcile_overdue_minutes: float = Field(default=10, ge=0)
    # When an order counts as stuck (GET /orders/stuck): paid and not training, training
    # past Astria's ETA by, trained and not every portrait delivered, each in minutes.
    stuck_paid_minutes: float = Field(default=10, ge=0)
    stuck_eta_margin_minutes: float = Field(default=30, ge=0)
    stuck_delivering_minutes: float = Field(default=30, ge=0)
