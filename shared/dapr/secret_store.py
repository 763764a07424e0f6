"""Secrets come from the Dapr secret store (a local file in development, Key Vault on Azure)."""

from shared.dapr.client import DaprClient, calling
from shared.errors import NotFound


def read_secret(client: DaprClient, store_name: str, name: str) -> str:
    """The secret's value; Transient when the store does not answer, NotFound when empty."""
    with calling(f"secret {name!r}"):
        value = client.get_secret(store_name, name).secret.get(name)
    if not value:
        raise NotFound(f"secret {name!r} is missing from store {store_name!r}")
    return str(value)
