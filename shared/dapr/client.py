"""The Dapr SDK's clients: one per process for the handlers' threads, one for the event loop.

The SDK reads where its sidecar is from the variables `dapr run`, Kubernetes and Azure
Container Apps set (`DAPR_GRPC_PORT`, `DAPR_HTTP_PORT` for the health wait,
`DAPR_API_TOKEN`), and waits for the sidecar when a client is made. What it leaves to us
is here: a deadline on every call, the trace context handed on, messages as large as
our largest picture, and its errors read as ours (shared/errors.py).
"""

import collections
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import grpc.aio
from dapr.aio.clients import DaprClient as AsyncDaprClient
from dapr.clients import DaprClient

from shared import tracing
from shared.errors import Rejected, Transient
from shared.settings import ServiceSettings

__all__ = [
    "AsyncDaprClient",
    "DaprClient",
    "SidecarError",
    "SidecarRefused",
    "calling",
    "connect",
    "connect_async",
]


class SidecarError(Transient):
    """daprd answered with an error, or did not answer."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.code = code


class SidecarRefused(Rejected):
    """daprd refuses the call as it stands (a message past its --max-body-size): trying
    again cannot help, so a delivery that made it goes to the dead letters, with this."""


@contextmanager
def calling(what: str) -> Iterator[None]:
    """Around one SDK call: a gRPC failure (the SDK wraps some in DaprGrpcError, raises
    others as they come) is a SidecarError, Transient like every dependency that fails,
    but for a message too large, which no retry will shrink."""
    try:
        yield
    except grpc.RpcError as exc:
        code = exc.code() if callable(getattr(exc, "code", None)) else None
        details = exc.details() if callable(getattr(exc, "details", None)) else str(exc)
        message = f"{what} failed: {code} {details}"
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            raise SidecarRefused(message) from exc
        raise SidecarError(message, code) from exc


class _Details(
    collections.namedtuple(
        "_Details",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,  # type: ignore[misc]
):
    """A call's details as gRPC's interceptors take them (the SDK's own class is private)."""


def _call_details(details: Any, timeout: float) -> _Details:
    """The call as made, with a deadline when it has none and the current trace context."""
    metadata = list(details.metadata or ())
    metadata += tracing.headers().items()
    return _Details(
        details.method,
        details.timeout if details.timeout is not None else timeout,
        metadata,
        details.credentials,
        details.wait_for_ready,
        getattr(details, "compression", None),
    )


class _EveryCall(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        return continuation(_call_details(client_call_details, self._timeout), request)


class _EveryAsyncCall(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        details = _call_details(client_call_details, self._timeout)
        # grpc.aio's call details have no compression field.
        aio_details = grpc.aio.ClientCallDetails(
            details.method,
            details.timeout,
            grpc.aio.Metadata(*details.metadata),
            details.credentials,
            details.wait_for_ready,
        )
        return await continuation(aio_details, request)


def connect(settings: ServiceSettings) -> DaprClient:
    """The handlers' client (gRPC, thread-safe); blocks until the sidecar can serve or
    `DAPR_HEALTH_TIMEOUT` (60 s) passes, as every Dapr SDK does."""
    return DaprClient(
        interceptors=[_EveryCall(settings.dapr_timeout_seconds)],
        max_grpc_message_length=settings.dapr_max_message_bytes,
    )


def connect_async(settings: ServiceSettings, timeout: float) -> AsyncDaprClient:
    """The event loop's client, whose calls fail after `timeout` seconds; made on the loop
    that uses it, once the sidecar answers."""
    return AsyncDaprClient(
        interceptors=[_EveryAsyncCall(timeout)],
        max_grpc_message_length=settings.dapr_max_message_bytes,
    )
