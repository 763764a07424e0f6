"""Meta's WhatsApp Cloud API webhook: verification handshake, signature, envelope parsing."""

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from shared.errors import Rejected
from shared.events.message import Channel, InboundMedia, WhatsAppInbound

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")


def signature_is_valid(app_secret: str, raw_body: bytes, header: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw body with the app secret."""
    if not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").lower())


def address_of(contact: dict[str, Any] | None, sender: str) -> str:
    """Phone when Meta gives one ("whatsapp:+<digits>"), else the business-scoped user id."""
    if sender.isdigit():
        return f"whatsapp:+{sender}"
    user_id = (contact or {}).get("user_id") or sender
    return f"whatsapp:{user_id}"


def _timestamp(raw: object, fallback: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(raw)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback


def _message(
    raw: dict[str, Any], contacts: dict[str, dict[str, Any]], received_at: datetime
) -> WhatsAppInbound | None:
    kind = str(raw.get("type") or "")
    if kind == "reaction":
        return None  # a reaction to one of our messages needs no answer
    if kind == "system":
        # WhatsApp's own news about the person (a changed number or user id), not words of
        # theirs: nothing to answer, and no one to answer it at the old number.
        return None
    sender = str(raw.get("from") or raw.get("from_user_id") or "")
    message_id = str(raw.get("id") or "")
    if not sender or not message_id:
        raise Rejected("a message without from or id")
    contact = contacts.get(sender)
    text, choice = "", None
    media: tuple[InboundMedia, ...] = ()
    if kind == "text":
        text = str((raw.get("text") or {}).get("body") or "")
    elif kind in MEDIA_TYPES:
        body = raw.get(kind) or {}
        if not body.get("id"):
            raise Rejected(f"{kind} message without a media id")
        media = (
            InboundMedia(reference=str(body["id"]), content_type=str(body.get("mime_type") or "")),
        )
        text = str(body.get("caption") or "")
    elif kind == "interactive":
        reply = raw.get("interactive") or {}
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        text = str(chosen.get("title") or "")
        choice = str(chosen.get("id") or "")[:256] or None  # route on the id, never the title
    elif kind == "button":
        text = str((raw.get("button") or {}).get("text") or "")
    return WhatsAppInbound(
        channel=Channel.META,
        provider_message_id=message_id,
        sender=address_of(contact, sender),
        profile_name=((contact or {}).get("profile") or {}).get("name"),
        text=text,
        media=media,
        message_type=kind or None,
        choice=choice,
        received_at=_timestamp(raw.get("timestamp"), received_at),
    )


def parse_notification(
    body: object, received_at: datetime
) -> tuple[list[WhatsAppInbound], list[dict[str, Any]]]:
    """Every message and status of a (possibly batched) notification.

    A message without a usable `timestamp` counts as received at `received_at`.
    """
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        raise Rejected("not a WhatsApp Business Account notification")
    messages: list[WhatsAppInbound] = []
    statuses: list[dict[str, Any]] = []
    try:
        for entry in body.get("entry") or []:
            for change in entry.get("changes") or []:
                if change.get("field") != "messages":
                    continue
                value = change.get("value") or {}
                contacts = {
                    str(c.get("wa_id") or c.get("user_id")): c for c in value.get("contacts") or []
                }
                for raw in value.get("messages") or []:
                    parsed = _message(raw, contacts, received_at)
                    if parsed is not None:
                        messages.append(parsed)
                statuses.extend(value.get("statuses") or [])
    except (AttributeError, TypeError, ValidationError) as exc:
        # Whole batch or nothing: nothing is published before every message parsed.
        raise Rejected("the notification does not have Meta's shape") from exc
    return messages, statuses
