"""Which Stripe request a checkout makes now: the idempotency key's attempt number and
the session's expiry, so that a retry an hour later still gets exactly one usable link.

Stripe keeps the answer to a request under its idempotency key for 24 hours (a 500
included) and refuses the key with other parameters; it refuses an expiry less than 30
minutes after the request reaches it (docs.stripe.com/api/idempotent_requests,
docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at). So:

- an attempt is a key and an expiry, written down before Stripe is asked;
- a redelivery (a crash between Stripe's answer and our record) repeats the attempt
  exactly, and Stripe answers with the session it made;
- a failure Stripe saved (a 5xx), or an expiry too close to be accepted, starts the next
  attempt: a new key, and an expiry counted from now. A failure that saved nothing (no
  connection, a rate limit, the same key still in flight) repeats the attempt.

A session an earlier attempt may have made is never shown to anyone: only the session
of the attempt that answered is recorded, and only a recorded link is sent. It expires
unpaid, so no second charge is possible.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

# Stripe refuses an expiry less than 30 minutes after it receives the request.
STRIPE_MINIMUM = timedelta(minutes=30)
# Room for Stripe's library to retry within one attempt, and for clocks that disagree.
RETRY_MARGIN = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=1)


def checkout_lifetime(minutes: int) -> timedelta:
    return max(timedelta(minutes=minutes), STRIPE_MINIMUM + RETRY_MARGIN)


@dataclass(frozen=True)
class CheckoutAttempt:
    """The n-th request for an order's session, and the expiry it asks for."""

    number: int
    expires_at: datetime

    def failed(self) -> int:
        """The next attempt's number: after a failure Stripe may replay this key's answer
        for a day, so it is never used again."""
        return self.number + 1


def attempt_now(
    number: int, planned_expiry: datetime | None, now: datetime, lifetime: timedelta
) -> CheckoutAttempt:
    """The attempt to make at `now`: attempt `number` with its planned expiry while Stripe
    would still take it, else the next one, expiring `lifetime` from now."""
    if planned_expiry is None:
        return CheckoutAttempt(number, now + lifetime)
    if planned_expiry - now >= STRIPE_MINIMUM + CLOCK_SKEW:
        return CheckoutAttempt(number, planned_expiry)
    return CheckoutAttempt(number + 1, now + lifetime)
