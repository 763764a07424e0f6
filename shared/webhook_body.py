"""Helpers for the webhooks every service receives."""

import json
from typing import Any

from fastapi import Request

from shared.errors import PayloadTooLarge, Rejected


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 past `limit` bytes (declared or actual)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"body over {limit} bytes")
    return bytes(body)


def parse_json(raw: bytes) -> Any:
    """A JSON body, or Rejected (422; a DROP for a subscription) for anything but plain JSON text:
    invalid UTF-8, lone surrogates (valid JSON escapes that no UTF-8 text can carry, so
    they would fail later, half-way through a batch), numbers too long for Python to
    read, NaN and Infinity, or nesting deep enough to exhaust the stack."""
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError, UnicodeError) as exc:  # JSONDecodeError is a ValueError
        raise Rejected("body is not JSON, or not plain JSON text") from exc
    return body


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
