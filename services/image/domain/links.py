"""Links that work without WhatsApp and stop working: a path, when it expires, and an
HMAC of both under a key only the image service holds. Nothing is stored per link."""

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote, urlencode


def signature(key: str, path: str, expires: int) -> str:
    message = f"{path}\n{expires}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def signed_url(base: str, key: str, path: str, until: datetime) -> str:
    expires = int(until.timestamp())
    query = urlencode({"expires": expires, "signature": signature(key, path, expires)})
    return f"{base.rstrip('/')}{quote(path)}?{query}"


def valid(key: str, path: str, expires: int, given: str, now: datetime) -> bool:
    """True for a signature of this path and time, before that time; False for anything
    else a caller may send (a time past any calendar, a signature that is not hex)."""
    try:
        if datetime.fromtimestamp(expires, UTC) <= now:
            return False
    except (OverflowError, OSError, ValueError):
        return False
    return hmac.compare_digest(signature(key, path, expires).encode(), given.encode())
