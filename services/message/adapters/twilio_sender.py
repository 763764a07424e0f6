"""Outbound WhatsApp messages through the official twilio library."""

import base64
import hashlib
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from services.message.adapters.provider_errors import as_error, twilio_verdict
from services.message.domain.conversation import Option
from shared.errors import Rejected, Transient
from shared.json_logs import mask_phone

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
# The typing indicator's and the Content API's hosts; a fake serves them under
# `base_url` + "/messaging" and + "/content".
OTHER_HOSTS = {
    "https://messaging.twilio.com": "/messaging",
    "https://content.twilio.com": "/content",
}


class PooledHttpClient(HttpClient):  # type: ignore[misc]
    """The library's transport on one urllib3 pool: half the CPU per send of its default
    `requests` session (`make bench`). The library still builds every request and reads
    every answer. `base_url` sends what it addresses to api.twilio.com elsewhere, which is
    Twilio's documented way to point the library at a fake; production leaves it unset."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(logger=log, is_async=False, timeout=timeout)
        self._base = base_url.rstrip("/") if base_url else None
        self._pool = urllib3.PoolManager(maxsize=16, retries=False)

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self._base and url.startswith(TWILIO_API):
            url = self._base + url[len(TWILIO_API) :]
        for host, path in OTHER_HOSTS.items():
            if self._base and url.startswith(host):
                url = self._base + path + url[len(host) :]
        if params:
            url += "?" + urlencode(params, doseq=True)
        sent = dict(headers or {})
        if auth:
            sent["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        body = None
        if data and sent.get("Content-Type") == "application/json":
            body = json.dumps(data)  # the Content API takes JSON
        elif data:
            body = urlencode(data, doseq=True)  # lists (MediaUrl) as repeated fields
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            answer = self._pool.request(
                method,
                url,
                body=body,
                headers=sent,
                timeout=timeout or self.timeout,
                redirect=allow_redirects,
            )
        except urllib3.exceptions.HTTPError as exc:  # refused, reset, timed out
            raise Transient(f"twilio unreachable: {exc!r}") from exc
        return Response(answer.status, answer.data.decode("utf-8", "replace"), answer.headers)

    def close(self) -> None:
        self._pool.clear()


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
        template_sids: Mapping[str, str] | None = None,
        status_callback: str | None = None,
    ) -> None:
        self._http = PooledHttpClient(api_base, timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._client.messages  # noqa: B018 - the library imports its API modules on first use
        self._from = from_
        self._contents = Contents(self._client)
        self._template_sid = template_sid
        self._template_sids = dict(template_sids or {})
        self._status_callback = status_callback

    def close(self) -> None:
        self._http.close()

    def send_text(self, *, to: str, body: str) -> str:
        return self._send(to=to, body=body)

    def send_image(self, *, to: str, url: str, caption: str | None = None) -> str:
        return self._send(to=to, body=caption, media_url=[url])

    def send_document(self, *, to: str, url: str, filename: str) -> str:  # noqa: ARG002
        # Twilio takes no filename or caption for a WhatsApp document: the file is the URL's,
        # named by its path, and its content type (application/pdf) makes it a document.
        return self._send(to=to, media_url=[url])

    def send_buttons(self, *, to: str, body: str, buttons: Sequence[Option], language: str) -> str:
        actions = [{"type": "QUICK_REPLY", "title": b.title, "id": b.id} for b in buttons]
        kind = {"body": "{{1}}", "actions": actions}
        return self._send_content(to, {"twilio/quick-reply": kind}, {"1": body}, language)

    def send_menu(
        self, *, to: str, body: str, button: str, rows: Sequence[Option], language: str
    ) -> str:
        # Twilio's list-picker requires every item's description (72 characters at most).
        items = [{"id": r.id, "item": r.title, "description": r.description} for r in rows]
        kind = {"body": "{{1}}", "button": button, "items": items}
        return self._send_content(to, {"twilio/list-picker": kind}, {"1": body}, language)

    def send_link(self, *, to: str, body: str, label: str, url: str, language: str) -> str:
        # A URL's variable part must end it: the site is the content's, the path a variable.
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}/"
        action = {"type": "URL", "title": label, "url": site + "{{2}}"}
        kind = {"body": "{{1}}", "actions": [action]}
        variables = {"1": body, "2": url[len(site) :]}
        return self._send_content(to, {"twilio/call-to-action": kind}, variables, language)

    def _send_content(
        self, to: str, types: dict[str, Any], variables: dict[str, str], language: str
    ) -> str:
        sid = self._contents.sid_for(types, variables, language)
        return self._send(to=to, content_sid=sid, content_variables=json.dumps(variables))

    def send_template(self, *, to: str, text: str, language: str) -> str:
        # A Content template carries its language: the person's own when WhatsApp approved
        # one in it (TWILIO_TEMPLATE_SIDS), else the default; {{1}} is the update.
        sid = self._template_sids.get(language) or self._template_sid
        if not sid:
            raise Rejected("outside the 24-hour window and no template (TWILIO_TEMPLATE_SID)")
        variables = json.dumps({"1": text})
        return self._send(to=to, content_sid=sid, content_variables=variables)

    def show_typing(self, *, message_id: str) -> None:
        """Twilio's typing indicator (public beta), which marks the message read too."""
        try:
            self._client.messaging.v2.typing_indicator.create(
                channel="whatsapp", message_id=message_id
            )
        except TwilioRestException as exc:
            verdict = twilio_verdict(exc.status, exc.code)
            raise as_error(verdict, f"twilio answered {exc.status}, code {exc.code}") from exc

    def _send(self, *, to: str, **content: object) -> str:
        try:
            message = self._client.messages.create(
                to=to, from_=self._from, status_callback=self._status_callback, **content
            )
        except TwilioRestException as exc:
            verdict = twilio_verdict(exc.status, exc.code)
            raise as_error(verdict, f"twilio answered {exc.status}, code {exc.code}") from exc
        log.info("sent", extra={"to": mask_phone(to), "sid": message.sid})
        return str(message.sid)


class Contents:
    """Twilio Content templates for interactive messages, one per shape (the body and the
    link's path are variables), created on first use and found again by name after a
    restart: the account's list is read once per process, so none is created twice."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._sids: dict[str, str] | None = None

    def sid_for(self, types: dict[str, Any], variables: dict[str, str], language: str) -> str:
        shape = json.dumps([language, types], sort_keys=True, ensure_ascii=False)
        name = "astria_bot_" + hashlib.sha256(shape.encode()).hexdigest()[:24]
        with self._lock:
            try:
                if self._sids is None:
                    listed = self._client.content.v1.contents.list(page_size=500)
                    self._sids = {str(c.friendly_name): str(c.sid) for c in listed}
                if name not in self._sids:
                    sample = dict.fromkeys(variables, "x")  # Twilio asks for samples
                    request = ContentList.ContentCreateRequest(
                        {
                            "friendly_name": name,
                            "language": language,
                            "variables": sample,
                            "types": types,
                        }
                    )
                    created = self._client.content.v1.contents.create(request)
                    self._sids[name] = str(created.sid)
                    log.info("content template created", extra={"sid": created.sid})
            except TwilioRestException as exc:
                verdict = twilio_verdict(exc.status, exc.code)
                raise as_error(
                    verdict, f"twilio content answered {exc.status}: {exc.code}"
                ) from exc
            return self._sids[name]
