"""Serve an ASGI app on a free loopback port for the duration of a test."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tools.devstack import free_port


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def in_process(
    create_app: Callable[..., FastAPI], runtime: object, *settings: object
) -> Iterator[TestClient]:
    """A service app on `runtime` through TestClient, started and stopped around a test: the
    body of each service test module's `client` fixture."""
    with TestClient(create_app(*settings, build_deps=lambda _settings: runtime)) as client:
        yield client
