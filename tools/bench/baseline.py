"""The bare webhooks the project's is measured against, one FastAPI route each.

BASELINE=parse      parse Twilio's form and answer empty TwiML, nothing else;
BASELINE=publish    also verify the signature and publish once through daprd over
                    HTTP on one pooled aiohttp session (what a lean webhook needs);
BASELINE=sync       the same publish from the thread pool, with the client the handlers
                    use (shared.dapr.sidecar, urllib3).
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

import aiohttp
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
TOPIC = "bench.baseline"


def create_app() -> FastAPI:
    mode = os.environ.get("BASELINE", "parse")
    dapr = f"http://127.0.0.1:{os.environ.get('DAPR_HTTP_PORT', '3500')}"
    validator = RequestValidator(os.environ.get("BENCH_TWILIO_TOKEN", ""))
    public_url = os.environ.get("BENCH_PUBLIC_URL", "")
    state: dict[str, object] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if mode == "publish":
            state["session"] = aiohttp.ClientSession()
        if mode == "sync":
            from shared.dapr.sidecar import Sidecar

            state["client"] = Sidecar(int(os.environ.get("DAPR_HTTP_PORT", "3500")))
        yield
        if "session" in state:
            await state["session"].close()  # type: ignore[attr-defined]

    app = FastAPI(lifespan=lifespan)

    @app.get("/ready")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/SmsReceived")
    async def webhook(request: Request) -> Response:
        body = await request.body()
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if mode != "parse":
            signature = request.headers.get("x-twilio-signature", "")
            if not validator.validate(public_url, form, signature):
                return Response(status_code=403)
            payload = {"sender": form.get("From"), "text": form.get("Body")}
            event_id = form.get("MessageSid", "")
            if mode == "publish":
                session: aiohttp.ClientSession = state["session"]  # type: ignore[assignment]
                async with session.post(
                    f"{dapr}/v1.0/publish/pubsub/{TOPIC}",
                    params={"metadata.cloudevent.id": event_id},
                    json=payload,
                ) as answer:
                    if answer.status >= 300:
                        return Response(status_code=500)
            else:
                import json

                client = state["client"]
                await run_in_threadpool(
                    client.publish,  # type: ignore[attr-defined]
                    "pubsub",
                    TOPIC,
                    json.dumps(payload),
                    event_id,
                )
        return Response(TWIML, media_type="text/xml")

    return app
