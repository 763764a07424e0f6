"""Fetch a person's photo from the provider that received it, and from nowhere else.

Twilio: Basic auth to Twilio's API host, on our own account's media path only,
then its redirect to the media CDN without credentials. Meta: `GET /{media-id}`
with the bearer token, then the short-lived URL (on Meta's CDN only) with the
same token. Any other host, a redirect elsewhere, a private address or a body
over the limit is refused.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from services.image.ports import MediaRefused, MediaTooLarge
from shared.errors import Transient


@dataclass(frozen=True)
class MediaSettings:
    twilio_api_base: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_media_hosts: frozenset[str]
    meta_graph_base: str
    meta_access_token: str
    meta_media_hosts: frozenset[str]
    max_bytes: int
    timeout: float
    # Only for local runs, where the sandbox plays the providers on 127.0.0.1.
    allow_private_hosts: bool = False


def _host_is_public(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
        ):
            return False
    return True


class MediaFetcher:
    def __init__(self, settings: MediaSettings) -> None:
        self._s = settings
        base = urlsplit(settings.twilio_api_base)
        self._twilio_origin = (base.scheme, base.netloc)
        sid = re.escape(settings.twilio_account_sid)
        prefix = re.escape(base.path.rstrip("/"))
        self._twilio_path = re.compile(
            rf"^{prefix}/2010-04-01/Accounts/{sid}/Messages/[A-Za-z0-9]{{2,64}}/Media/ME[0-9a-fA-F]{{32}}$"
        )
        # One pooled client for the fetcher's life: a new one costs tens of ms of CPU (its
        # TLS context) per photo. Credentials go per request, never as client defaults.
        self._client = httpx.Client(timeout=settings.timeout, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def fetch(self, channel: str, reference: str) -> bytes:
        if channel == "twilio":
            return self._twilio(reference)
        if channel == "meta":
            return self._meta(reference)
        raise MediaRefused(f"unknown channel {channel!r}")

    def forget(self, channel: str, reference: str) -> bool:
        """Delete the provider's copy; True when one was deleted. Twilio keeps inbound media
        until its Media resource is deleted. Meta offers no deletion of media a person sent
        (it removes them itself after 30 days), so there is nothing to do there."""
        if channel != "twilio":
            return False
        parts = urlsplit(reference)
        if (parts.scheme, parts.netloc) != self._twilio_origin or not self._twilio_path.match(
            parts.path
        ):
            return False  # not ours to delete (and never sent our credentials)
        auth = (self._s.twilio_account_sid, self._s.twilio_auth_token)
        try:
            response = self._client.delete(f"{reference}.json", auth=auth)
        except httpx.TransportError as exc:
            raise Transient(f"twilio unreachable: {exc!r}") from exc
        if response.status_code == 404:
            return False  # already gone
        if response.status_code == 429 or response.status_code >= 500:
            raise Transient(f"twilio answered {response.status_code} to a media DELETE")
        if response.status_code >= 400:
            raise MediaRefused(f"twilio refused a media DELETE: {response.status_code}")
        return True

    def download(self, url: str) -> bytes:
        """A picture at a public address (a pack's cover): no credentials, no redirect, no
        private host, bounded like a photo."""
        final = self._get(self._check(url, None))
        if final.is_redirect:
            raise MediaRefused("the picture's URL redirected")
        return final.content

    def _check(self, url: str, allowed: set[tuple[str, str]] | frozenset[str] | None) -> httpx.URL:
        """`allowed`: the provider's hosts; None for any host that is public."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise MediaRefused("not an http(s) URL")
        if (
            allowed is not None
            and parts.netloc not in allowed
            and (parts.scheme, parts.netloc) not in allowed
        ):
            raise MediaRefused(f"host {parts.netloc!r} is not the provider's")
        if not self._s.allow_private_hosts and not _host_is_public(parts.hostname):
            raise MediaRefused(f"host {parts.hostname!r} resolves to a private address")
        return httpx.URL(url)

    def _get(self, url: httpx.URL, **kwargs: object) -> httpx.Response:
        try:
            with self._client.stream("GET", url, **kwargs) as response:  # type: ignore[arg-type]
                if response.is_redirect:
                    return response
                if (
                    response.status_code == 404
                    or response.status_code >= 500
                    or response.status_code == 429
                ):
                    # Media can briefly 404 right after the webhook; Dapr's retry comes back.
                    raise Transient(f"media answered {response.status_code}")
                if response.status_code >= 400:
                    raise MediaRefused(f"media answered {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self._s.max_bytes:
                        raise MediaTooLarge(f"body over {self._s.max_bytes} bytes")
                response._content = bytes(body)
                return response
        except httpx.TransportError as exc:
            raise Transient(f"media unreachable: {exc!r}") from exc

    def _twilio(self, reference: str) -> bytes:
        parts = urlsplit(reference)
        if (parts.scheme, parts.netloc) != self._twilio_origin or not self._twilio_path.match(
            parts.path
        ):
            raise MediaRefused("not a media URL of our Twilio account")
        url = self._check(reference, {self._twilio_origin})
        auth = (self._s.twilio_account_sid, self._s.twilio_auth_token)
        response = self._get(url, auth=auth)
        if not response.is_redirect:
            return response.content
        # The CDN gets no credentials.
        target = urljoin(reference, response.headers.get("location", ""))
        cdn = self._check(target, self._s.twilio_media_hosts)
        final = self._get(cdn)
        if final.is_redirect:
            raise MediaRefused("the media CDN redirected again")
        return final.content

    def _meta(self, media_id: str) -> bytes:
        if not media_id.isdigit():
            raise MediaRefused("not a Meta media id")
        headers = {"Authorization": f"Bearer {self._s.meta_access_token}"}
        graph = f"{self._s.meta_graph_base.rstrip('/')}/{media_id}"
        try:
            described = self._client.get(graph, headers=headers)
        except httpx.TransportError as exc:
            raise Transient(f"graph api unreachable: {exc!r}") from exc
        if described.status_code >= 500 or described.status_code == 429:
            raise Transient(f"graph api answered {described.status_code}")
        if described.status_code != 200:
            raise MediaRefused(f"graph api answered {described.status_code}")
        url = self._check(str(described.json().get("url", "")), self._s.meta_media_hosts)
        final = self._get(url, headers=headers)
        if final.is_redirect:
            raise MediaRefused("the media URL redirected")
        return final.content
