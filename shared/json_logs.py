"""Structured JSON logs carrying the app-id; no secret and no full phone number in any line.

Call sites mask what they log on purpose (`mask_phone`); every record also passes
`_Redact` on its way out, so a token in a URL (an access log line, an HTTP client's
request line) or an address in an exception message is caught where a call site forgot.
"""

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from shared import tracing

_PHONE = re.compile(r"\+?\d{6,}")
# What surely is a person's address in free text: E.164 after "+" or a channel prefix.
_ADDRESS = re.compile(r"(?:(?<=whatsapp:)|(?<=meta:)|(?<=%2B)|\+)\d{6,15}\b")
# Query parameters and headers that carry credentials (callback tokens, API keys, …).
_SECRET_PARAM = re.compile(
    r"(?i)\b((?:[a-z_]*token|api[_-]?key|key|secret|signature|password|sig)=)[^&\s\"']+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# LogRecord's own attributes; anything else on a record came in through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def mask_phone(value: str) -> str:
    """Keep the channel prefix and the last three digits: whatsapp:+34*******123."""

    def _mask(match: re.Match[str]) -> str:
        digits = match.group(0)
        keep_head = 3 if digits.startswith("+") else 2
        return digits[:keep_head] + "*" * (len(digits) - keep_head - 3) + digits[-3:]

    return _PHONE.sub(_mask, value)


def redact(text: str) -> str:
    """Credentials in URLs and headers replaced, addresses masked."""
    text = _SECRET_PARAM.sub(r"\1[redacted]", text)
    text = _BEARER.sub(r"\1 [redacted]", text)
    return _ADDRESS.sub(lambda m: mask_phone(m.group(0)), text)


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


# Requests from the sidecar (deliveries, health probes, its start-up calls) are many and
# say nothing an operator needs: outcomes other than success are logged by the handlers.
_SIDECAR_PATHS = ("/events/", "/health", "/ready", "/dapr/")


class _QuietSidecarRequests(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn's access records: (client, method, path, http version, status).
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            return not (args[2].startswith(_SIDECAR_PATHS) and args[4] < 400)  # type: ignore[operator]
        return True


class _AppIdFilter(logging.Filter):
    def __init__(self, app_id: str) -> None:
        super().__init__()
        self.app_id = app_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.app_id = self.app_id
        trace = tracing.trace_id()
        if trace and not hasattr(record, "trace_id"):
            record.trace_id = trace  # the line is found from the trace, and back
        return True


def configure_logging(app_id: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(app_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_AppIdFilter(app_id))
    handler.addFilter(_Redact())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # HTTP clients' and provider SDKs' request lines carry account ids, media URLs, phone
    # numbers in form bodies: our own log lines say what matters, so only their warnings.
    for name in ("httpx", "httpcore", "twilio.http_client", "stripe"):
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
    # uvicorn installs its own handlers and levels; route its records through ours, at ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.filters = [f for f in access.filters if not isinstance(f, _QuietSidecarRequests)]
    access.addFilter(_QuietSidecarRequests())
