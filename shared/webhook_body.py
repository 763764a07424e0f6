"""Helpers for the webhooks every service receives."""

from fastapi import Request

from shared.errors import PayloadTooLarge


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
