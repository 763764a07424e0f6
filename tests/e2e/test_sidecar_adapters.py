"""Our Dapr adapters (shared/dapr/, the image service's blobs) against real daprd: the
runtime `make run` uses and the one Azure Container Apps runs, through the Dapr SDK.

The sidecar is the image service's (the blob binding is scoped to it), on the `local`
profile's components; beside it runs the bench's bare app, so this test talks to the
sidecar alone."""

import asyncio
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from dapr.conf import settings as sdk_settings

from services.image.adapters.blobs import DaprBlobStore
from shared.dapr.client import DaprClient, SidecarError, SidecarRefused, connect
from shared.dapr.publisher import AsyncDaprPublisher, DaprPublisher
from shared.dapr.secret_store import read_secret
from shared.dapr.state import DaprStateStore
from shared.errors import Conflict, NotFound
from shared.events.message import UserErased
from shared.settings import SIDECAR_MAX_BODY_BYTES, ServiceSettings
from tools import devstack
from tools.bench import baseline
from tools.stack import AppProcess, Stack

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024
SETTINGS = ServiceSettings(app_id="image")


@pytest.fixture(params=(devstack.DAPRD_VERSION, devstack.ACA_DAPRD_VERSION), ids=str)
def sidecar(request, stacks):
    version = request.param

    def build(workdir):
        system = Stack(
            "local",
            workdir,
            apps=(),
            daprd_version=None if version == devstack.DAPRD_VERSION else version,
        )
        system.apps["image"] = AppProcess("image", command=baseline.command("parse"))
        return system

    return stacks.get(request, build)


@pytest.fixture
def client(sidecar) -> Iterator[DaprClient]:
    """The SDK's client as an app of that sidecar makes it (the SDK reads its ports from
    the environment when it is imported; this process is not that app)."""
    app = sidecar["image"]
    saved = {name: getattr(sdk_settings, name) for name in ("DAPR_HTTP_PORT", "DAPR_GRPC_PORT")}
    vars(sdk_settings).update(DAPR_HTTP_PORT=app.dapr_http_port, DAPR_GRPC_PORT=app.dapr_grpc_port)
    made = connect(SETTINGS)
    yield made
    made.close()
    vars(sdk_settings).update(saved)


def picture(size: int) -> bytes:
    """A JPEG's first bytes, then noise: as big as asked and as incompressible as a photo."""
    return b"\xff\xd8\xff\xe0" + os.urandom(size - 4)


@pytest.mark.parametrize("size", [10 * MiB, 16 * MiB], ids=["10 MiB", "16 MiB"])
def test_a_picture_up_to_the_largest_we_keep_is_stored_and_read_back_whole(sidecar, client, size):
    blobs, name = DaprBlobStore(client, "blobstore"), f"portraits/p/o/{size}.jpg"
    data = picture(size)
    blobs.put(name, data)
    assert (sidecar.workdir / "blobs" / name).read_bytes() == data
    assert blobs.get(name) == data
    blobs.delete(name)
    assert not (sidecar.workdir / "blobs" / name).exists()


def test_a_body_past_the_sidecars_limit_is_refused_with_its_reason_and_stores_nothing(
    sidecar, client
):
    """No retry shrinks it: a delivery that met this would go to the dead letters."""
    with pytest.raises(SidecarRefused, match="RESOURCE_EXHAUSTED"):
        DaprBlobStore(client, "blobstore").put("too-big.jpg", picture(SIDECAR_MAX_BODY_BYTES))
    assert not (sidecar.workdir / "blobs" / "too-big.jpg").exists()


def test_state_keeps_json_with_etags_and_refuses_a_lost_race(client):
    store = DaprStateStore(client, "statestore")
    store.save("adapters-a", {"step": "photos", "photos": 3})
    value, etag = store.get("adapters-a")
    assert value == {"step": "photos", "photos": 3}
    assert etag
    store.save("adapters-a", {"step": "pack"}, etag=etag)
    with pytest.raises(Conflict):  # the ETag read before the last save is stale now
        store.save("adapters-a", {"step": "lost"}, etag=etag)
    assert store.get("adapters-a")[0] == {"step": "pack"}


def test_an_insert_over_an_existing_key_is_a_conflict(client):
    store = DaprStateStore(client, "statestore")
    store.save("adapters-once", {"n": 1}, insert_only=True, ttl_seconds=600)
    with pytest.raises(Conflict):
        store.save("adapters-once", {"n": 2}, insert_only=True, ttl_seconds=600)
    assert store.get("adapters-once")[0] == {"n": 1}


def test_many_keys_are_read_in_one_call_and_deleted_keys_are_gone(client):
    store = DaprStateStore(client, "statestore")
    store.save("adapters-m1", {"n": 1})
    store.save("adapters-m2", {"n": 2})
    store.delete("adapters-m2")
    assert store.get_many(["adapters-m1", "adapters-m2", "adapters-never"]) == {
        "adapters-m1": {"n": 1}
    }
    assert store.get("adapters-m2") == (None, None)
    assert store.get_many([]) == {}


def test_secrets_are_read_and_a_missing_one_is_named(client):
    stored = json.loads(devstack.ensure_secrets_file().read_text())
    assert read_secret(client, "secretstore", "twilio-auth-token") == stored["twilio-auth-token"]
    with pytest.raises((NotFound, SidecarError), match="no-such-secret"):
        read_secret(client, "secretstore", "no-such-secret")


def published(sidecar: Stack, topic: str) -> list[dict[str, Any]]:
    """The CloudEvents on `topic`, read from the broker's stream itself."""
    assert sidecar.broker is not None
    broker = redis.Redis(port=sidecar.broker.port)
    try:
        entries: list[tuple[bytes, dict[bytes, bytes]]] = broker.xrange(topic)  # type: ignore[assignment]
        return [json.loads(fields[b"data"]) for _id, fields in entries]
    finally:
        broker.close()


def test_an_event_is_published_as_json_with_the_id_it_was_given(sidecar, client):
    """(That it carries the trace it belongs to is tests/e2e/test_tracing.py's: only a
    sidecar that samples puts it in the CloudEvent.)"""
    event = UserErased(user="whatsapp:+15550000001")
    DaprPublisher(client, "pubsub").publish(event, event_id="erase-1")
    [envelope] = published(sidecar, event.TOPIC)
    assert envelope["id"] == "erase-1"
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["data"] == event.model_dump(mode="json")


def test_the_event_loops_publisher_publishes_the_same_way(sidecar, client):
    app = sidecar["image"]
    event = UserErased(user="whatsapp:+15550000002")

    async def publish() -> None:
        publisher = AsyncDaprPublisher(SETTINGS)
        await publisher.open()
        try:
            await publisher.publish(event, event_id="erase-2")
        finally:
            await publisher.close()

    assert app.dapr_grpc_port == sdk_settings.DAPR_GRPC_PORT  # the client fixture's
    asyncio.run(publish())
    envelope = next(e for e in published(sidecar, event.TOPIC) if e["id"] == "erase-2")
    assert envelope["data"] == event.model_dump(mode="json")


def test_a_restarted_sidecar_is_reached_again_by_the_same_client(sidecar, client):
    """A sidecar's crash is a Transient failure for the calls meanwhile, never a hang, and
    the client's connection comes back by itself once daprd serves again."""
    store = DaprStateStore(client, "statestore")
    sidecar.kill("image", "daprd")
    with pytest.raises(SidecarError):
        store.get("adapters-a")
    time.sleep(3)  # long enough for the client to have failed to reconnect a few times
    sidecar.restart("image", "daprd")
    restarted = time.monotonic()
    while True:
        try:
            assert store.get("adapters-a")[0] == {"step": "pack"}
            return
        except SidecarError:
            if time.monotonic() - restarted > 60:
                raise
            time.sleep(0.2)
