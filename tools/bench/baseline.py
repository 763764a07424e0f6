"""The bare webhooks the project's is measured against, one FastAPI route each.

BASELINE=parse      parse Twilio's form and answer empty TwiML, nothing else;
BASELINE=publish    also verify the signature and publish once through daprd with the
                    Dapr SDK's async client (gRPC), as the project's webhook does;
BASELINE=http       the same publish over daprd's HTTP API on one pooled aiohttp session
                    (the project's way before it took the SDK);
BASELINE=sync       the same publish from the thread pool, with the SDK's client the
                    handlers use (shared.dapr.publisher.DaprPublisher).
"""

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
TOPIC = "bench.baseline"


def command(mode: str, *env: str) -> tuple[str, ...]:
    """How a stack runs one of these apps beside a sidecar (tools/stack.py's `command`:
    "{port}" is its port): `mode` as above, `env` as NAME=value."""
    return (
        "env",
        f"BASELINE={mode}",
        *env,
        sys.executable,
        "-m",
        "uvicorn",
        "tools.bench.baseline:create_app",
        "--factory",
        "--port",
        "{port}",
        "--no-access-log",
    )


def create_app() -> FastAPI:
    mode = os.environ.get("BASELINE", "parse")
    dapr = f"http://127.0.0.1:{os.environ.get('DAPR_HTTP_PORT', '3500')}"
    validator = RequestValidator(os.environ.get("BENCH_TWILIO_TOKEN", ""))
    public_url = os.environ.get("BENCH_PUBLIC_URL", "")
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from shared.dapr.client import connect, connect_async
        from shared.dapr.publisher import WEBHOOK_PUBLISH_SECONDS
        from shared.settings import ServiceSettings

        settings = ServiceSettings(app_id="message")
        if mode == "http":
            state["session"] = aiohttp.ClientSession()
        if mode == "publish":
            state["client"] = connect_async(settings, WEBHOOK_PUBLISH_SECONDS)
        if mode == "sync":
            state["client"] = connect(settings)
        yield
        if "session" in state:
            await state["session"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/ready")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/SmsReceived")
    async def webhook(request: Request) -> Response:
        body = await request.body()
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if mode == "parse":
            return Response(TWIML, media_type="text/xml")
        signature = request.headers.get("x-twilio-signature", "")
        if not validator.validate(public_url, form, signature):
            return Response(status_code=403)
        payload = json.dumps({"sender": form.get("From"), "text": form.get("Body")})
        metadata = {"cloudevent.id": form.get("MessageSid", "")}
        if mode == "http":
            session: aiohttp.ClientSession = state["session"]
            async with session.post(
                f"{dapr}/v1.0/publish/pubsub/{TOPIC}",
                params={"metadata.cloudevent.id": metadata["cloudevent.id"]},
                data=payload,
                headers={"Content-Type": "application/json"},
            ) as answer:
                if answer.status >= 300:
                    return Response(status_code=500)
        elif mode == "publish":
            await state["client"].publish_event(
                "pubsub",
                TOPIC,
                payload,
                publish_metadata=metadata,
                data_content_type="application/json",
            )
        else:
            await run_in_threadpool(
                state["client"].publish_event,
                "pubsub",
                TOPIC,
                payload,
                publish_metadata=metadata,
                data_content_type="application/json",
            )
        return Response(TWIML, media_type="text/xml")

    return app
