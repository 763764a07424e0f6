"""The sandbox's two addresses: where a person's browser finds it, and where the services do.

Under `make run` both are the address a request came in on. In compose they differ: the
person is on the host (http://localhost:8000) and the services reach the sandbox by its
service name (http://sandbox:8000), so a link the fakes make is made on the address of
whoever will follow it, as the providers' own links are on hosts both can reach.
"""

from fastapi import Request


def public_base(request: Request) -> str:
    """For links a person opens: the checkout page."""
    configured = request.app.state.settings.public_url
    return str(configured or request.base_url).rstrip("/")


def provider_base(request: Request) -> str:
    """For the providers' own URLs the services fetch or call: media, covers, portraits,
    Content resources."""
    configured = request.app.state.settings.provider_url
    return str(configured or request.base_url).rstrip("/")
