"""The sandbox's addresses in compose: links on whoever follows them, public links reached
as the internet would."""

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from services.sandbox.bootstrap import PublicRoutes


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"{self.path} {self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def image() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(routes: dict[str, str], url: str) -> httpx.Response:
    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=PublicRoutes(routes), timeout=5) as client:
            return await client.get(url)

    return asyncio.run(get())


def test_a_public_link_is_reached_at_its_private_address_with_its_own_host(image):
    public = "http://localhost.invalid:8002"
    answer = fetch({public: image}, f"{public}/portraits/a/b.jpg?expires=1&signature=x")
    assert answer.text == "/portraits/a/b.jpg?expires=1&signature=x localhost.invalid:8002"


def test_any_other_address_is_reached_as_it_is(image):
    assert fetch({"http://localhost.invalid:8002": "http://127.0.0.1:1"}, f"{image}/x").text == (
        f"/x {image.removeprefix('http://')}"
    )
    with pytest.raises(httpx.ConnectError):
        fetch({}, "http://localhost.invalid:8002/x")
