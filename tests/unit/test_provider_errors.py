"""Provider errors, code by code: Meta's Cloud API codes, Twilio's 63xxx, Stripe's statuses."""

import pytest
import stripe

from services.message.adapters.provider_errors import (
    Verdict,
    as_error,
    meta_verdict,
    twilio_verdict,
    window_error,
)
from services.payment.adapters import stripe_gateway
from services.payment.ports import AttemptSpent
from shared.errors import Rejected, Transient, WindowClosed


@pytest.mark.parametrize(
    ("status", "code", "verdict"),
    [
        (429, 20429, Verdict.RETRY),  # too many concurrent requests
        (429, 63018, Verdict.RETRY),  # rate limited
        (400, 63018, Verdict.RETRY),  # the code decides, not the status
        (400, 21611, Verdict.RETRY),  # queue overflow
        (400, 30001, Verdict.RETRY),
        (400, 63016, Verdict.WINDOW),  # outside the 24-hour window
        (400, 63038, Verdict.DROP),
        (400, 63024, Verdict.DROP),
        (400, 63032, Verdict.DROP),
        (400, 63014, Verdict.DROP),
        (400, 63021, Verdict.DROP),
        (400, 30007, Verdict.DROP),
        (400, 21656, Verdict.DROP),
        (400, 21617, Verdict.DROP),
        (503, None, Verdict.RETRY),  # unknown: by status
        (500, 99999, Verdict.RETRY),
        (429, None, Verdict.RETRY),
        (400, None, Verdict.DROP),
        (404, 20404, Verdict.DROP),
    ],
)
def test_twilio_errors(status, code, verdict):
    assert twilio_verdict(status, code) is verdict


@pytest.mark.parametrize(
    ("status", "code", "verdict"),
    [
        (400, 131056, Verdict.RETRY),  # pair rate limit, returned as a 400
        (400, 130429, Verdict.RETRY),  # throughput
        (400, 80007, Verdict.RETRY),  # WABA rate limit
        (400, 4, Verdict.RETRY),  # app rate limit
        (503, 131016, Verdict.RETRY),
        (400, 131047, Verdict.WINDOW),
        (400, 131026, Verdict.DROP),
        (400, 131051, Verdict.DROP),
        (400, 131053, Verdict.DROP),
        (400, 131009, Verdict.DROP),
        (400, 131008, Verdict.DROP),
        (400, 100, Verdict.DROP),
        (400, 131048, Verdict.DROP),
        (403, 368, Verdict.DROP),
        (403, 131031, Verdict.DROP),
        (500, None, Verdict.RETRY),
        (429, 12345, Verdict.RETRY),
        (401, 190, Verdict.DROP),  # a bad token will not fix itself
    ],
)
def test_meta_errors(status, code, verdict):
    assert meta_verdict(status, code) is verdict


def test_each_verdict_is_one_error_of_the_hierarchy():
    assert isinstance(as_error(Verdict.RETRY, "x"), Transient)
    assert isinstance(as_error(Verdict.WINDOW, "x"), WindowClosed)
    assert isinstance(as_error(Verdict.DROP, "x"), Rejected)
    assert not isinstance(as_error(Verdict.DROP, "x"), WindowClosed)


def test_window_errors_in_delivery_receipts():
    assert window_error("twilio", "63016")
    assert window_error("meta", "131047")
    assert not window_error("twilio", "131047")
    assert not window_error("meta", "63018")
    assert not window_error("meta", None)
    assert not window_error("twilio", "abc")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (stripe.APIError("down", http_status=500), AttemptSpent),  # saved under the key
        (stripe.APIError("bad gateway", http_status=502), AttemptSpent),
        (stripe.APIConnectionError("no route"), Transient),  # nothing saved
        (stripe.RateLimitError("slow down", http_status=429), Transient),
        (stripe.IdempotencyError("in flight", http_status=409), Transient),
        (stripe.InvalidRequestError("no such locale", "locale", http_status=400), Rejected),
        (stripe.IdempotencyError("other parameters", http_status=400), Rejected),
    ],
)
def test_stripe_failures_say_whether_the_same_request_can_succeed(error, kind):
    translated = stripe_gateway._translate(error)
    assert type(translated) is kind
