"""One error hierarchy for every service.

Domain code raises these; `shared.app` maps them to HTTP statuses and
`shared.dapr.subscriptions` maps them to Dapr's SUCCESS/RETRY/DROP, each in one place.
"""


class BotError(Exception):
    """Base of every error the services raise on purpose."""

    http_status = 500


class Rejected(BotError):
    """The input can never succeed (malformed, impossible transition): do not retry."""

    http_status = 422


class WindowClosed(Rejected):
    """WhatsApp's 24-hour window is closed: only an approved template may be sent."""


class Unauthorized(BotError):
    """A signature, token or credential did not verify."""

    http_status = 403


class WrongToken(BotError):
    """A shared token (e.g. in a callback URL) is missing or wrong."""

    http_status = 401


class NotFound(BotError):
    http_status = 404


class PayloadTooLarge(BotError):
    http_status = 413


class Transient(BotError):
    """A dependency is down or slow (database, sidecar, provider 5xx): retry later."""

    http_status = 503


class Conflict(BotError):
    """Optimistic concurrency lost (a state ETag changed): reload and try again."""

    http_status = 409
