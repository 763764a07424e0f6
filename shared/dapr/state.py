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

    def save(
        self,
        key: str,
        value: dict[str, Any],
        *,
        etag: str | None = None,
        ttl_seconds: int | None = None,
    ) -> None:
        metadata = {"contentType": "application/json"}
        if ttl_seconds:
            metadata["ttlInSeconds"] = str(ttl_seconds)
        options = StateOptions(
            concurrency=Concurrency.first_write if etag else Concurrency.last_write,
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
            raise Transient(f"state save failed: {exc.code()}") from exc

    def delete(self, key: str) -> None:
        try:
            self._client.delete_state(self._store, key)
        except DaprGrpcError as exc:
            raise Transient(f"state delete failed: {exc.code()}") from exc
