from pydantic import Field

from shared.settings import ServiceSettings


class MaintenanceSettings(ServiceSettings):
    app_id: str = "maintenance"
    # Orders quieter than this are reconciled with Astria and Stripe.
    # How long after its expected time (a tune's ETA, a checkout's expiry) work counts as
    # stuck and is re-driven; fractions of a minute are allowed.
    reconcile_overdue_minutes: float = Field(default=10, ge=0)
