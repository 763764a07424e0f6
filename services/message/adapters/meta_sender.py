"""Outbound messages through Meta's Graph API (the Cloud API send endpoint)."""

import logging
from typing import Any

import httpx

from services.message.adapters.provider_errors import as_error, meta_verdict
from shared.errors import Transient
from shared.json_logs import mask_phone

log = logging.getLogger(__name__)


def _error_of(response: httpx.Response) -> tuple[int | None, str]:
    """`error.code` and `error.message` of Meta's error envelope, when the body has them."""
    try:
        error = response.json()["error"]
        code, message = error.get("code"), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, response.text[:300]
    return (code if isinstance(code, int) else None), message[:300]


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
        if response.status_code >= 400:
            code, message = _error_of(response)
            verdict = meta_verdict(response.status_code, code)
            raise as_error(
                verdict, f"graph api answered {response.status_code} ({code}): {message}"
            )
        message_id = str(response.json()["messages"][0]["id"])
        log.info("sent", extra={"to": mask_phone(to), "id": message_id, "channel": "meta"})
        return message_id
