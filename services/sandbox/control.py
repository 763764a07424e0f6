"""The sandbox's own API: act as a person on WhatsApp and see what the bot sent."""

import json
import secrets
from typing import Any

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.sandbox import meta_fake, twilio_fake
from services.sandbox.bootstrap import SandboxRuntime
from services.sandbox.people import InboundMessage, decode_media
from services.sandbox.settings import SandboxSettings
from shared.errors import Rejected

router = APIRouter(prefix="/sandbox", tags=["sandbox"])


@router.post(
    "/twilio/inbound",
    summary="Send a WhatsApp text to the bot as Twilio would (signed form webhook).",
)
async def twilio_inbound(message: InboundMessage, request: Request) -> JSONResponse:
    settings: SandboxSettings = request.app.state.settings
    runtime: SandboxRuntime = request.app.state.deps
    message_sid = message.message_sid or twilio_fake.new_sid("MM" if message.media else "SM")
    media = []
    for content_type, data in decode_media(message):
        media_sid = twilio_fake.new_sid("ME")
        runtime.store.add_media(media_sid, content_type, data)
        url = twilio_fake.media_url(
            str(request.base_url).rstrip("/"), runtime.twilio_account_sid, message_sid, media_sid
        )
        media.append((url, content_type))
    form = twilio_fake.build_inbound_form(
        message,
        account_sid=runtime.twilio_account_sid,
        to=settings.twilio_whatsapp_number,
        message_sid=message_sid,
        media=media,
    )
    signature = twilio_fake.sign(runtime.twilio_auth_token, settings.message_webhook_url, form)
    try:
        response = await twilio_fake.deliver_inbound(
            url=settings.message_webhook_url,
            form=form,
            signature=signature,
            timeout=settings.webhook_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        # Twilio logs error 11200 and gives up; the sandbox tells the caller.
        return JSONResponse(
            {"message_sid": message_sid, "error": f"webhook unreachable: {exc!r}"}, status_code=502
        )
    runtime.store.record_inbound({**form, "webhook_status": response.status_code})
    return JSONResponse({"message_sid": message_sid, "webhook_status": response.status_code})


@router.post(
    "/meta/inbound",
    summary="Send a WhatsApp message to the bot as Meta's Cloud API would (signed JSON webhook).",
)
async def meta_inbound(message: InboundMessage, request: Request) -> JSONResponse:
    settings: SandboxSettings = request.app.state.settings
    runtime: SandboxRuntime = request.app.state.deps
    message_id = message.message_sid or meta_fake.new_wamid()
    media = []
    for content_type, data in decode_media(message):
        media_id = str(int.from_bytes(secrets.token_bytes(7), "big"))
        runtime.store.add_media(media_id, content_type, data)
        media.append((media_id, content_type))
    notification = meta_fake.build_notification(
        wa_id=message.phone.lstrip("+"),
        profile_name=message.profile_name,
        message_id=message_id,
        text=message.text,
        media=media,
        phone_number_id=settings.meta_phone_number_id,
        display_number=settings.meta_display_number,
    )
    raw = json.dumps(notification).encode()
    try:
        response = await meta_fake.deliver(
            url=settings.message_meta_webhook_url,
            raw=raw,
            signature=meta_fake.sign(runtime.meta_app_secret, raw),
            timeout=settings.webhook_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        return JSONResponse(
            {"message_sid": message_id, "error": f"webhook unreachable: {exc!r}"}, status_code=502
        )
    runtime.store.record_inbound(
        {"channel": "meta", **notification, "webhook_status": response.status_code}
    )
    return JSONResponse({"message_sid": message_id, "webhook_status": response.status_code})


@router.get("/stripe", summary="What the fake Stripe holds: sessions, refunds, deliveries.")
def stripe_state(request: Request) -> dict[str, Any]:
    state = request.app.state.deps.store.stripe
    return {
        "sessions": list(state.sessions.values()),
        "refunds": state.refunds,
        "deliveries": state.deliveries,
    }


@router.get("/astria", summary="What the fake Astria holds: tunes, prompts, the requests it got.")
def astria_state(request: Request) -> dict[str, Any]:
    state = request.app.state.deps.store.astria
    return {
        "tunes": list(state.tunes.values()),
        "prompts": list(state.prompts.values()),
        "requests": state.requests,
        "knobs": state.knobs,
    }


@router.post("/astria/knobs", summary="Make Astria slow, or lose or repeat its callbacks.")
def astria_knobs(changes: dict[str, Any], request: Request) -> dict[str, Any]:
    knobs: dict[str, Any] = request.app.state.deps.store.astria.knobs
    unknown = set(changes) - set(knobs)
    if unknown:
        raise Rejected(f"unknown knobs: {sorted(unknown)}")
    knobs.update(changes)
    return knobs


@router.get("/messages", summary="What the bot sent, optionally to one address.")
def outbound_messages(
    request: Request,
    to: str | None = Query(default=None, examples=["whatsapp:+15551234567"]),
) -> dict[str, Any]:
    runtime: SandboxRuntime = request.app.state.deps
    return {"messages": runtime.store.outbound_to(to)}
