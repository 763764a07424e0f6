from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.image.app import create_app as image_app
from services.maintenance.app import create_app as maintenance_app
from services.payment.app import create_app as payment_app
from shared.app import BaseDeps

APPS: dict[str, Callable[..., FastAPI]] = {
    "image": image_app,
    "payment": payment_app,
    "maintenance": maintenance_app,
}


class AnyPort:
    """Ports with every name: these tests exercise the app's frame, not its handlers."""

    def __getattr__(self, name: str) -> None:
        return None


@dataclass(kw_only=True)
class Bare(BaseDeps):
    ports: object = field(default_factory=AnyPort)


def broken():
    raise ConnectionError("sidecar down")


@pytest.mark.parametrize("name", APPS)
def test_liveness_says_which_service_answers(name):
    with TestClient(APPS[name](build_deps=lambda _s: Bare())) as client:
        assert client.get("/health").json() == {"status": "ok", "app_id": name}


@pytest.mark.parametrize("name", APPS)
def test_readiness_reports_each_dependency(name):
    deps = Bare(ready_checks={"database": lambda: None, "sidecar": broken})
    with TestClient(APPS[name](build_deps=lambda _s: deps)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "sidecar": "failed: ConnectionError"}


def test_ready_when_every_dependency_answers():
    deps = Bare(ready_checks={"database": lambda: None, "sidecar": lambda: None})
    with TestClient(image_app(build_deps=lambda _s: deps)) as client:
        response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_dependencies_are_closed_on_shutdown():
    closed = []
    deps = Bare(closers=[lambda: closed.append("db"), lambda: closed.append("dapr")])
    with TestClient(payment_app(build_deps=lambda _s: deps)):
        assert closed == []
    assert closed == ["dapr", "db"]


def test_no_more_deliveries_run_at_once_than_subscriber_threads_allows():
    """The rest wait on the event loop, which stays free for webhooks."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from shared.dapr.subscriptions import Subscriptions, subscribe
    from shared.events.base import AnyEvent
    from shared.settings import ServiceSettings

    running, peak, lock = [0], [0], threading.Lock()

    def slow(event):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1

    app = FastAPI()
    app.state.settings = ServiceSettings(app_id="t", subscriber_threads=2)
    app.state.deps = Bare()
    subscriptions = Subscriptions()
    subscribe(subscriptions, pubsub="pubsub", topic="t.one", model=AnyEvent, handler=slow)
    subscriptions.mount(app)
    envelope = '{"id": "e", "topic": "t.one", "data": {}}'
    with TestClient(app) as client, ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: client.post("/events/t.one", content=envelope), range(6)))
    assert [a.json() for a in answers] == [{"status": "SUCCESS"}] * 6
    assert peak[0] == 2


def test_a_handler_naming_a_port_its_service_lacks_fails_the_start():
    @dataclass(kw_only=True)
    class Lacking(BaseDeps):
        ports: object = field(default_factory=lambda: object())

    app = payment_app(build_deps=lambda _s: Lacking())
    with pytest.raises(TypeError, match=r"handle_checkout_requested needs \['catalogue'"):
        TestClient(app).__enter__()  # the lifespan's start is what refuses
