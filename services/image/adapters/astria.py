"""Astria's API: pack tunes with multipart uploads, and the look-ups reconciliation needs."""

import logging
from typing import Any

import httpx

from services.image.ports import AstriaRefused, AstriaTimedOut, PackTune
from shared.errors import Transient

log = logging.getLogger(__name__)


class AstriaClient:
    def __init__(self, *, base_url: str, api_key: str, timeout: float) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"Authorization": f"Bearer {api_key}"},
        )

    def close(self) -> None:
        self._client.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Transient(f"astria timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise Transient(f"astria unreachable: {exc!r}") from exc
        if response.status_code == 422:
            raise AstriaRefused(response.text[:500])
        if response.status_code == 504:
            raise AstriaTimedOut(path)
        if response.status_code == 429 or response.status_code >= 500:
            raise Transient(f"astria answered {response.status_code}")
        if response.status_code >= 400:
            raise AstriaRefused(f"{response.status_code}: {response.text[:300]}")
        if not response.content.strip():
            return None  # DELETE /tunes/:id answers 200 with no body
        try:
            return response.json()
        except ValueError as exc:
            raise Transient(f"astria answered {response.status_code} with no JSON") from exc

    def create_pack_tune(self, tune: PackTune) -> dict[str, Any]:
        fields = [
            ("tune[title]", tune.title),
            ("tune[name]", tune.name),
            ("tune[callback]", tune.callback),
            ("tune[prompt_attributes][callback]", tune.prompt_callback),
            ("tune[prompts_callback]", tune.prompts_callback),
        ]
        if tune.branch:
            fields.append(("tune[branch]", tune.branch))
        files = [("tune[images][]", (name, data, "image/jpeg")) for name, data in tune.images]
        created: dict[str, Any] = self._send(
            "POST", f"/p/{tune.pack_id}/tunes", data=dict(fields), files=files
        )
        return created

    def run_pack_on_tune(self, pack_id: int | str, tune_id: str, prompt_callback: str) -> None:
        """`tune[tune_ids][]`: the pack's prompts only (Astria's pack API, docs.astria.ai
        `docs/api/2-pack`). The answer's shape for a regular pack is unverified, so nothing
        is read from it: the prompts report through their callback, or the reconcile tick
        reads them from the tune. A retry sends the same parameters (the callback names the
        order), which Astria answers with what it made the first time instead of a second
        batch."""
        body = {
            "tune": {
                "tune_ids": [int(tune_id) if tune_id.isdigit() else tune_id],
                "prompt_attributes": {"callback": prompt_callback},
            }
        }
        self._send("POST", f"/p/{pack_id}/tunes", json=body)

    def pack(self, pack_id: int | str) -> dict[str, Any]:
        """`GET /p/:id`: the pack with its `cover_url` (the list of packs has none)."""
        found: dict[str, Any] = self._send("GET", f"/p/{pack_id}")
        return found

    def find_tune(self, title: str) -> dict[str, Any] | None:
        """After a 504: the tune created under this title, if Astria made it."""
        tunes: list[dict[str, Any]] = self._send("GET", "/tunes", params={"limit": 120})
        return next((t for t in tunes if t.get("title") == title), None)

    def get_tune(self, tune_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._send("GET", f"/tunes/{tune_id}")
        return found

    def prompts(self, tune_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._send("GET", f"/tunes/{tune_id}/prompts")
        return found

    def delete_tune(self, tune_id: str) -> None:
        """The tune with its model, training pictures and generated images; a tune already
        gone (404) counts as deleted, so a retried erasure finishes."""
        try:
            self._send("DELETE", f"/tunes/{tune_id}")
        except AstriaRefused as exc:
            if not str(exc).startswith("404"):
                raise
