"""Outbound messages through Meta's Graph API (the Cloud API send endpoint)."""

import logging
from typing import Any

import httpx

from shared.errors import Rejected, Transient
from shared.json_logs import mask_phone

log = logging.getLogger(__name__)


def recipient(address: str) -> str:
    """Meta wants the bare number (or user id) without "whatsapp:" and "+"."""
    return address.removeprefix("whatsapp:").removeprefix("+")


class MetaSender:
    def __init__(
        self,
        *,
        graph_base: str,
        phone_number_id: str,
        access_token: str,
        timeout: float,
        template_name: str = "portrait_update",
    ) -> None:
        self._template = template_name
        self._url = f"{graph_base.rstrip('/')}/{phone_number_id}/messages"
        self._client = httpx.Client(
            timeout=timeout, headers={"Authorization": f"Bearer {access_token}"}
        )

    def close(self) -> None:
        self._client.close()

    def send_text(self, *, to: str, body: str) -> str:
        return self._send(to, {"type": "text", "text": {"body": body, "preview_url": False}})

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        image: dict[str, Any] = {"link": url}
        if caption:
            image["caption"] = caption
        return self._send(to, {"type": "image", "image": image})

    def send_template(self, *, to: str, text: str, language: str) -> str:
        template = {
            "name": self._template,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": text[:1024]}]}],
        }
        return self._send(to, {"type": "template", "template": template})

    def _send(self, to: str, content: dict[str, Any]) -> str:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient(to),
            **content,
        }
        try:
            response = self._client.post(self._url, json=payload)
        except httpx.HTTPError as exc:
            raise Transient(f"graph api unreachable: {exc!r}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise Transient(f"graph api answered {response.status_code}")
        if response.status_code >= 400:
            raise Rejected(f"graph api refused the message: {response.text[:300]}")
        message_id = str(response.json()["messages"][0]["id"])
        log.info("sent", extra={"to": mask_phone(to), "id": message_id, "channel": "meta"})
        return message_id
