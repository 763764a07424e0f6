"""What shared/dapr/client.py adds to the Dapr SDK's calls, without a sidecar."""

from types import SimpleNamespace
from typing import Any, cast

import grpc
import pytest

from shared import tracing
from shared.dapr.client import SidecarError, SidecarRefused, _call_details, calling
from shared.dapr.state import DaprStateStore
from shared.errors import Conflict, Rejected, Transient

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def details(**overrides):
    made = {
        "method": "/dapr.proto.runtime.v1.Dapr/PublishEvent",
        "timeout": None,
        "metadata": [("dapr-api-token", "t")],
        "credentials": None,
        "wait_for_ready": None,
    }
    return SimpleNamespace(**{**made, **overrides})


def test_every_call_gets_a_deadline_unless_it_has_one():
    assert _call_details(details(), 30).timeout == 30
    assert _call_details(details(timeout=2), 30).timeout == 2


def test_a_call_carries_the_trace_it_is_made_in_and_keeps_its_metadata():
    assert _call_details(details(), 30).metadata == [("dapr-api-token", "t")]
    with tracing.continuing(TRACEPARENT):
        made = _call_details(details(), 30)
    assert made.metadata == [("dapr-api-token", "t"), ("traceparent", TRACEPARENT)]
    assert made.method == "/dapr.proto.runtime.v1.Dapr/PublishEvent"


class Failed(grpc.RpcError):  # type: ignore[misc]
    """What the SDK raises: a gRPC error with its status code and details."""

    def __init__(self, code, details):
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


def test_a_failed_call_is_a_transient_sidecar_error_that_names_what_failed_and_why():
    with pytest.raises(SidecarError) as failed, calling("state save"):
        raise Failed(grpc.StatusCode.UNAVAILABLE, "connection refused")
    assert isinstance(failed.value, Transient)
    assert failed.value.code == grpc.StatusCode.UNAVAILABLE
    assert str(failed.value) == "state save failed: StatusCode.UNAVAILABLE connection refused"


def test_a_message_too_large_for_the_sidecar_is_refused_not_retried():
    too_large = "grpc: received message larger than max (22020109 vs. 20971520)"
    with pytest.raises(SidecarRefused) as refused, calling("binding blobstore create"):
        raise Failed(grpc.StatusCode.RESOURCE_EXHAUSTED, too_large)
    assert isinstance(refused.value, Rejected)
    assert "larger than max" in str(refused.value)


def test_what_is_not_the_sidecars_failure_passes_through():
    with pytest.raises(ValueError, match="ours"), calling("state save"):
        raise ValueError("ours")


class OneKeyStore:
    """The SDK client's state calls, as far as DaprStateStore uses them: the key is there,
    and saving it fails with `code`."""

    def __init__(self, code):
        self.code = code

    def save_state(self, *_args, **_kwargs):
        raise Failed(self.code, "failed")

    def get_state(self, *_args, **_kwargs):
        return SimpleNamespace(data=b'{"n": 1}', etag="1")


def store_failing_with(code) -> DaprStateStore:
    return DaprStateStore(cast(Any, OneKeyStore(code)), "s")


def test_an_insert_over_a_key_is_a_conflict_only_when_the_sidecar_answered():
    """Redis and PostgreSQL refuse such an insert as an internal error. A call that timed
    out may have written the key itself: a Transient failure, for the retry to settle."""
    with pytest.raises(Conflict):
        store_failing_with(grpc.StatusCode.INTERNAL).save("k", {"n": 1}, insert_only=True)
    for silent in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE):
        with pytest.raises(SidecarError) as failed:
            store_failing_with(silent).save("k", {"n": 1}, insert_only=True)
        assert not isinstance(failed.value, Conflict)
