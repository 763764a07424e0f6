"""What a provider's send error means for us: retry later, template instead, or give up.

One table per provider, decided on the provider's error code first and on the HTTP
status only when the code is unknown: Meta returns rate limits as HTTP 400 with a code
(131056, 130429, 80007), and Twilio's codes say more than its statuses. Sources:
Meta's Cloud API error codes (developers.facebook.com/documentation/business-messaging/
whatsapp/support/error-codes) and Twilio's (twilio.com/docs/api/errors, 63xxx for WhatsApp).
"""

from enum import StrEnum

from shared.errors import BotError, Rejected, Transient, WindowClosed


class Verdict(StrEnum):
    RETRY = "retry"  # the provider will take it later: back off, same recipient, never drop
    WINDOW = "window"  # outside the 24-hour window: an approved template instead
    DROP = "drop"  # it will never go through as sent: log it and move on


TWILIO: dict[int, Verdict] = {
    20429: Verdict.RETRY,  # too many concurrent REST requests; not processed
    63018: Verdict.RETRY,  # channel or WhatsApp rate limit
    21611: Verdict.RETRY,  # queue overflow
    30001: Verdict.RETRY,  # queue overflow
    63016: Verdict.WINDOW,  # free-form message outside the 24-hour window
    63038: Verdict.DROP,  # daily account limit
    63024: Verdict.DROP,  # not a WhatsApp user, terms not accepted
    63032: Verdict.DROP,  # Meta's marketing experiment: not delivered, no retry time
    63014: Verdict.DROP,  # blocked by the user
    63021: Verdict.DROP,  # content rejected (a template's text over 1,024 characters)
    63013: Verdict.DROP,  # channel policy (a template variable WhatsApp refuses)
    30007: Verdict.DROP,  # filtered as spam
    21656: Verdict.DROP,  # ContentVariables invalid
    21654: Verdict.DROP,  # ContentVariables without ContentSid
    21617: Verdict.DROP,  # body over 1,600 characters
}

META: dict[int, Verdict] = {
    4: Verdict.RETRY,  # app-level API rate limit
    80007: Verdict.RETRY,  # WABA rate limit
    130429: Verdict.RETRY,  # throughput per number
    131056: Verdict.RETRY,  # pair rate limit: too many to this person just now
    131016: Verdict.RETRY,  # service temporarily unavailable
    131047: Verdict.WINDOW,  # re-engagement: over 24 hours since the person wrote
    131026: Verdict.DROP,  # undeliverable
    131051: Verdict.DROP,  # unsupported message type
    131053: Verdict.DROP,  # our media could not be used
    131009: Verdict.DROP,  # parameter value invalid
    131008: Verdict.DROP,  # required parameter missing
    132000: Verdict.DROP,  # a template's parameters do not match it in number
    132018: Verdict.DROP,  # a template parameter with a new line, a tab or 4+ spaces
    100: Verdict.DROP,  # invalid parameter
    131048: Verdict.DROP,  # spam rate limit: stop, do not retry
    368: Verdict.DROP,  # blocked for policy violations
    131031: Verdict.DROP,  # business account locked
}


def _by_status(status: int) -> Verdict:
    if status == 429 or status >= 500:
        return Verdict.RETRY
    return Verdict.DROP


def twilio_verdict(status: int, code: int | None) -> Verdict:
    return TWILIO.get(code or 0) or _by_status(status)


def meta_verdict(status: int, code: int | None) -> Verdict:
    return META.get(code or 0) or _by_status(status)


def window_error(channel: str, code: str | None) -> bool:
    """A delivery receipt's error code says the 24-hour window was closed."""
    if not code or not code.isdigit():
        return False
    table = TWILIO if channel == "twilio" else META
    return table.get(int(code)) == Verdict.WINDOW


def as_error(verdict: Verdict, message: str) -> BotError:
    """The error a sender raises for a verdict (mapped to RETRY/DROP in one place)."""
    match verdict:
        case Verdict.RETRY:
            return Transient(message)
        case Verdict.WINDOW:
            return WindowClosed(message)
        case Verdict.DROP:
            return Rejected(message)
