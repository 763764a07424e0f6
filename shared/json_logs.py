"""Structured JSON logs carrying the app-id; phone numbers never appear in full."""

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

_PHONE = re.compile(r"\+?\d{6,}")


def mask_phone(value: str) -> str:
    """Keep the channel prefix and the last three digits: whatsapp:+34*******123."""

    def _mask(match: re.Match[str]) -> str:
        digits = match.group(0)
        keep_head = 3 if digits.startswith("+") else 2
        return digits[:keep_head] + "*" * (len(digits) - keep_head - 3) + digits[-3:]

    return _PHONE.sub(_mask, value)


class _AppIdFilter(logging.Filter):
    def __init__(self, app_id: str) -> None:
        super().__init__()
        self.app_id = app_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.app_id = self.app_id
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
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn installs its own handlers; route its records through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
