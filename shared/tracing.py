"""W3C trace context, carried from what a service hears to what it publishes.

Dapr makes the spans (a publish, each delivery) and puts the context in the CloudEvent; a
service only has to hand it on. It is held in a context variable while a delivery is
handled, staged with each event in the outbox, and sent as the `traceparent` header of
the publish, so that one order is one trace: the pack tapped, the checkout, the payment,
the training, the portraits. A webhook or callback with no context of its own continues
the one its order was stored with.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[str | None] = ContextVar("traceparent", default=None)
# version-traceid-parentid-flags, the ids not all zeros (W3C Trace Context §3.2)
_TRACEPARENT = re.compile(r"^00-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")


def valid(traceparent: object) -> str | None:
    """The header if it is a well-formed W3C traceparent, else None (never trusted blindly:
    it comes from outside)."""
    if isinstance(traceparent, str) and _TRACEPARENT.match(traceparent.strip().lower()):
        return traceparent.strip().lower()
    return None


def current() -> str | None:
    return _CURRENT.get()


def trace_id(traceparent: str | None = None) -> str | None:
    """The 32 hex digits that name the trace (of `traceparent`, or of the current one)."""
    found = valid(traceparent if traceparent is not None else current())
    return found.split("-")[1] if found else None


def headers() -> dict[str, str]:
    """What a publish sends so that its span joins the current trace."""
    found = current()
    return {"traceparent": found} if found else {}


@contextmanager
def continuing(traceparent: str | None) -> Iterator[None]:
    """Work under `traceparent` (ignored when malformed; None leaves the current one)."""
    found = valid(traceparent)
    if found is None:
        yield
        return
    token = _CURRENT.set(found)
    try:
        yield
    finally:
        _CURRENT.reset(token)
