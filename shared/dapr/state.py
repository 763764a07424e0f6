"""Keyed, short-lived data in the Dapr state store (conversation state, sent marks)."""

import json
from typing import Any

from shared.dapr.sidecar import Sidecar, SidecarError
from shared.errors import Conflict


class DaprStateStore:
    def __init__(self, sidecar: Sidecar, store_name: str) -> None:
        self._sidecar = sidecar
        self._store = store_name

    def get(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        data, etag = self._sidecar.get_state(self._store, key)
        if not data:
            return None, None
        return json.loads(data), etag or None

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        found = self._sidecar.get_bulk_state(self._store, keys)
        # Values saved as JSON come back parsed; a store may hand back the JSON text.
        return {key: json.loads(v) if isinstance(v, str) else v for key, v in found.items()}

    def save(
        self,
        key: str,
        value: dict[str, Any],
        *,
        etag: str | None = None,
        insert_only: bool = False,
        ttl_seconds: int | None = None,
    ) -> None:
        metadata = {"contentType": "application/json"}
        if ttl_seconds:
            metadata["ttlInSeconds"] = str(ttl_seconds)
        try:
            # First-write without an ETag saves only a key that does not exist yet.
            self._sidecar.save_state(
                self._store,
                key,
                value,
                etag=etag,
                first_write=bool(etag) or insert_only,
                metadata=metadata,
            )
        except SidecarError as exc:
            if insert_only and exc.status is not None and self.get(key)[0] is not None:
                # Redis and PostgreSQL refuse an insert over an existing key as an
                # internal error, not as an ETag mismatch.
                raise Conflict(f"state {key!r} exists already") from exc
            raise

    def delete(self, key: str) -> None:
        self._sidecar.delete_state(self._store, key)
