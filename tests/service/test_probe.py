"""The containers' health check: ready only when the app's /ready says so."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared import probe


class _App(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/ready" else 404)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def app(monkeypatch) -> Iterator[type[_App]]:
    handler = type("App", (_App,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PORT", str(server.server_address[1]))
    yield handler
    server.shutdown()
    server.server_close()


def test_ready_when_the_app_and_what_it_needs_answer(app):
    assert probe.main() == 0


def test_not_ready_while_the_database_or_the_sidecar_does_not(app):
    app.status = 503
    assert probe.main() == 1


def test_not_ready_when_nothing_listens(app, monkeypatch):
    app.status = 200
    monkeypatch.setenv("PORT", "1")
    assert probe.main() == 1
