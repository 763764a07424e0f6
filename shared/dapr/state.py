"""Keyed, short-lived data in the Dapr state store (conversation state, de-dup keys)."""

import json
from typing import Any

import grpc
from dapr.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError
from dapr.clients.grpc._state import Concurrency, Consistency, StateOptions

from shared.errors import Conflict, Transient


class DaprStateStore:
    def __init__(self, client: DaprClient, store_name: str) -> None:
        self._client = client
        self._store = store_name

    def get(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        try:
            response = self._client.get_state(self._store, key)
        except DaprGrpcError as exc:
            raise Transient(f"state get failed: {exc.code()}") from exc
        if not response.data:
            return None, None
        return json.loads(response.data), response.etag or None

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        try:
            items = self._client.get_bulk_state(self._store, keys).items
        except DaprGrpcError as exc:
            raise Transient(f"state bulk get failed: {exc.code()}") from exc
        return {item.key: json.loads(item.data) for item in items if item.data}

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
        options = StateOptions(
            concurrency=Concurrency.first_write if etag or insert_only else Concurrency.last_write,
            consistency=Consistency.strong,
        )
        try:
            self._client.save_state(
                self._store,
                key,
                json.dumps(value),
                etag=etag,
                options=options,
                state_metadata=metadata,
            )
        except DaprGrpcError as exc:
            if exc.code() in (grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION):
                raise Conflict(f"state {key!r} changed concurrently") from exc
            if insert_only and self.get(key)[0] is not None:
                # Redis and PostgreSQL refuse an insert over an existing key as an
                # internal error, not as an ETag mismatch.
                raise Conflict(f"state {key!r} exists already") from exc
            raise Transient(f"state save failed: {exc.code()}") from exc

    def delete(self, key: str) -> None:
        try:
            self._client.delete_state(self._store, key)
        except DaprGrpcError as exc:
            raise Transient(f"state delete failed: {exc.code()}") from exc
