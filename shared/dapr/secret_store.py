"""Secrets come from the Dapr secret store (a local file in development, Key Vault on Azure)."""

import grpc
from dapr.clients import DaprClient

from shared.errors import NotFound, Transient


def read_secret(client: DaprClient, store_name: str, name: str) -> str:
    try:
        response = client.get_secret(store_name, name)
    except grpc.RpcError as exc:  # the SDK does not wrap secret errors
        raise Transient(f"secret store unavailable while reading {name!r}") from exc
    value = response.secret.get(name)
    if not value:
        raise NotFound(f"secret {name!r} is missing from store {store_name!r}")
    return str(value)
