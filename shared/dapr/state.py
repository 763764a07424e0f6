"""Keyed, short-lived data in the Dapr state store (conversation state, sent marks)."""

import json
from typing import Any

import grpc
from dapr.clients.grpc._state import Concurrency, Consistency, StateOptions

from shared.dapr.client import DaprClient, SidecarError, calling
from shared.errors import Conflict

# The sidecar was not reached, or did not answer in time: the write may or may not be done.
_NO_ANSWER = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, None)


class DaprStateStore:
    def __init__(self, client: DaprClient, store_name: str) -> None:
        self._client = client
        self._store = store_name

    def get(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        with calling("state get"):
            answer = self._client.get_state(self._store, key)
        if not answer.data:
            return None, None
        return json.loads(answer.data), answer.etag or None

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        with calling("state bulk get"):
            answer = self._client.get_bulk_state(self._store, keys, parallelism=10)
        return {item.key: json.loads(item.data) for item in answer.items if item.data}

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
        # First-write without an ETag saves only a key that does not exist yet.
        concurrency = Concurrency.first_write if etag or insert_only else Concurrency.last_write
        try:
            with calling("state save"):
                self._client.save_state(
                    self._store,
                    key,
                    json.dumps(value),
                    etag=etag,
                    options=StateOptions(consistency=Consistency.strong, concurrency=concurrency),
                    state_metadata=metadata,
                )
        except SidecarError as exc:
            if exc.code == grpc.StatusCode.ABORTED:  # the ETag did not match
                raise Conflict(f"state {key!r} changed concurrently") from exc
            answered = exc.code not in _NO_ANSWER
            if insert_only and answered and self.get(key)[0] is not None:
                # Redis and PostgreSQL refuse an insert over an existing key as an
                # internal error, not as an ETag mismatch. (A call that got no answer may
                # have written the key itself: that is no conflict, and the retry says.)
                raise Conflict(f"state {key!r} exists already") from exc
            raise

    def delete(self, key: str) -> None:
        with calling("state delete"):
            self._client.delete_state(self._store, key)
