"""Secrets come from the Dapr secret store (a local file in development, Key Vault on Azure)."""

from shared.dapr.sidecar import Sidecar
from shared.errors import NotFound


def read_secret(sidecar: Sidecar, store_name: str, name: str) -> str:
    """The secret's value; Transient when the store does not answer, NotFound when empty."""
    value = sidecar.get_secret(store_name, name).get(name)
    if not value:
        raise NotFound(f"secret {name!r} is missing from store {store_name!r}")
    return str(value)
