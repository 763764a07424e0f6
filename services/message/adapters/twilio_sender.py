"""Outbound WhatsApp messages through the official twilio library."""

import json
import logging

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from services.message.adapters.provider_errors import as_error, twilio_verdict
from shared.errors import Rejected, Transient
from shared.json_logs import mask_phone

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"


class _RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Sends what the library addresses to api.twilio.com to another base URL.

    This is Twilio's documented way to point the library at a fake; production
    leaves the base unset.
    """

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = base_url.rstrip("/") if base_url else None

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        if self._base and url.startswith(TWILIO_API):
            url = self._base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioSender:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_: str,
        api_base: str | None,
        timeout: float,
        template_sid: str | None = None,
        status_callback: str | None = None,
    ) -> None:
        http_client = _RebasedHttpClient(api_base, timeout)
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._from = from_
        self._template_sid = template_sid
        self._status_callback = status_callback

    def send_text(self, *, to: str, body: str) -> str:
        return self._send(to=to, body=body)

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        return self._send(to=to, body=caption, media_url=[url])

    def send_template(self, *, to: str, text: str, language: str) -> str:  # noqa: ARG002
        # Twilio's Content templates carry their own language; {{1}} is the update.
        if not self._template_sid:
            raise Rejected("outside the 24-hour window and no template (TWILIO_TEMPLATE_SID)")
        variables = json.dumps({"1": text[:1024]})
        return self._send(to=to, content_sid=self._template_sid, content_variables=variables)

    def _send(self, *, to: str, **content: object) -> str:
        try:
            message = self._client.messages.create(
                to=to, from_=self._from, status_callback=self._status_callback, **content
            )
        except TwilioRestException as exc:
            verdict = twilio_verdict(exc.status, exc.code)
            raise as_error(verdict, f"twilio answered {exc.status}, code {exc.code}") from exc
        except requests.RequestException as exc:  # the connection failed or timed out
            raise Transient(f"twilio unreachable: {exc!r}") from exc
        log.info("sent", extra={"to": mask_phone(to), "sid": message.sid})
        return str(message.sid)
