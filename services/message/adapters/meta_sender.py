"""Outbound messages through Meta's Graph API (the Cloud API send endpoint)."""

import json
import logging
from collections.abc import Sequence
from typing import Any

import urllib3

from services.message.adapters.provider_errors import as_error, meta_verdict
from services.message.domain.conversation import Option
from shared.errors import Transient
from shared.json_logs import mask_phone

log = logging.getLogger(__name__)


def _error_of(body: bytes) -> tuple[int | None, str]:
    """`error.code` and `error.message` of Meta's error envelope, when the body has them."""
    try:
        error = json.loads(body)["error"]
        code, message = error.get("code"), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, body[:300].decode("utf-8", "replace")
    return (code if isinstance(code, int) else None), message[:300]


def recipient(address: str) -> str:
    """Meta wants the bare number (or user id) without "whatsapp:" and "+"."""
    return address.removeprefix("whatsapp:").removeprefix("+")


class MetaSender:
    def __init__(
        self,
        *,
        graph_base: str,
        phone_number_id: str | None,
        access_token: str,
        timeout: float,
        template_name: str = "portrait_update",
    ) -> None:
        self._template = template_name
        # Unset on a Twilio-only deployment; a Meta reply then waits (RETRY, and the dead
        # letters after Dapr's retries) until the operator sets it, rather than vanish.
        self._url = (
            f"{graph_base.rstrip('/')}/{phone_number_id}/messages" if phone_number_id else ""
        )
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
        }
        self._timeout = timeout
        # One pool, as for Twilio: the cheapest sync client measured (`make bench`).
        self._pool = urllib3.PoolManager(maxsize=16, retries=False)

    def close(self) -> None:
        self._pool.clear()

    def send_text(self, *, to: str, body: str) -> str:
        return self._send(to, {"type": "text", "text": {"body": body, "preview_url": False}})

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        image: dict[str, Any] = {"link": url}
        if caption:
            image["caption"] = caption
        return self._send(to, {"type": "image", "image": image})

    def send_document(self, *, to: str, url: str, filename: str) -> str:
        return self._send(to, {"type": "document", "document": {"link": url, "filename": filename}})

    # Meta's session messages carry no language (only a template does).
    def send_buttons(
        self,
        *,
        to: str,
        body: str,
        buttons: Sequence[Option],
        language: str,  # noqa: ARG002
    ) -> str:
        replies = [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in buttons]
        return self._interactive(to, "button", body, {"buttons": replies})

    def send_menu(
        self,
        *,
        to: str,
        body: str,
        button: str,
        rows: Sequence[Option],
        language: str,  # noqa: ARG002
    ) -> str:
        listed = [
            {
                "id": r.id,
                "title": r.title,
                **({"description": r.description} if r.description else {}),
            }
            for r in rows
        ]
        return self._interactive(
            to, "list", body, {"button": button, "sections": [{"rows": listed}]}
        )

    def send_link(
        self,
        *,
        to: str,
        body: str,
        label: str,
        url: str,
        language: str,  # noqa: ARG002
    ) -> str:
        action = {"name": "cta_url", "parameters": {"display_text": label, "url": url}}
        return self._interactive(to, "cta_url", body, action)

    def _interactive(self, to: str, kind: str, body: str, action: dict[str, Any]) -> str:
        interactive = {"type": kind, "body": {"text": body}, "action": action}
        return self._send(to, {"type": "interactive", "interactive": interactive})

    def send_template(self, *, to: str, text: str, language: str) -> str:
        template = {
            "name": self._template,
            # "deterministic" is the only policy, and Meta's spec requires it.
            "language": {"code": language, "policy": "deterministic"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
        }
        return self._send(to, {"type": "template", "template": template})

    def show_typing(self, *, message_id: str) -> None:
        # The typing indicator marks the message read too.
        self._post(
            {
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": message_id,
                "typing_indicator": {"type": "text"},
            }
        )

    def _send(self, to: str, content: dict[str, Any]) -> str:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient(to),
            **content,
        }
        response = self._post(payload)
        try:
            message_id = str(json.loads(response.data)["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise Transient(f"graph api answered {response.status} without a message id") from exc
        log.info("sent", extra={"to": mask_phone(to), "id": message_id, "channel": "meta"})
        return message_id

    def _post(self, payload: dict[str, Any]) -> urllib3.BaseHTTPResponse:
        if not self._url:
            raise Transient("META_PHONE_NUMBER_ID is not set: no Meta reply can go out")
        try:
            response = self._pool.request(
                "POST",
                self._url,
                body=json.dumps(payload),
                headers=self._headers,
                timeout=self._timeout,
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:  # refused, reset, timed out
            raise Transient(f"graph api unreachable: {exc!r}") from exc
        if response.status >= 400:
            code, message = _error_of(response.data)
            verdict = meta_verdict(response.status, code)
            raise as_error(verdict, f"graph api answered {response.status} ({code}): {message}")
        return response
