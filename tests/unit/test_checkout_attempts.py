"""Which Stripe request a checkout makes, by Stripe's rules on expiry and idempotency."""

from datetime import timedelta

import pytest

from services.payment.domain.checkout import (
    STRIPE_MINIMUM,
    CheckoutAttempt,
    attempt_now,
    checkout_lifetime,
)
from tests.fakes import T0

LIFETIME = timedelta(minutes=35)


def test_the_first_attempt_plans_its_expiry_from_now():
    assert attempt_now(1, None, T0, LIFETIME) == CheckoutAttempt(1, T0 + LIFETIME)


@pytest.mark.parametrize("later", [timedelta(0), timedelta(minutes=4)])
def test_a_redelivery_repeats_the_attempt_while_stripe_takes_its_expiry(later):
    assert attempt_now(1, T0 + LIFETIME, T0 + later, LIFETIME) == CheckoutAttempt(1, T0 + LIFETIME)


def test_an_expiry_stripe_would_refuse_starts_the_next_attempt_from_now():
    now = T0 + timedelta(minutes=5)  # 30 minutes left: not enough with the clocks' skew
    attempt = attempt_now(1, T0 + LIFETIME, now, LIFETIME)
    assert attempt == CheckoutAttempt(2, now + LIFETIME)
    assert attempt.expires_at - now >= STRIPE_MINIMUM


def test_a_failed_attempts_key_is_never_used_again():
    assert CheckoutAttempt(3, T0).failed() == 4
    assert attempt_now(4, None, T0, LIFETIME).number == 4


def test_the_lifetime_leaves_room_above_stripes_minimum():
    assert checkout_lifetime(30) == STRIPE_MINIMUM + timedelta(minutes=5)
    assert checkout_lifetime(120) == timedelta(minutes=120)
