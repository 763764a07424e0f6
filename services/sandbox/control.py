"""The sandbox's own API: act as a person on WhatsApp and see what the bot sent."""

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from services.sandbox import meta_fake, samples, twilio_fake
from services.sandbox.addresses import provider_base
from services.sandbox.bootstrap import SandboxRuntime
from services.sandbox.outages import Outage
from services.sandbox.people import InboundMessage, decode_media
from services.sandbox.settings import SandboxSettings
from shared.errors import Rejected

router = APIRouter(prefix="/sandbox", tags=["sandbox"])


def log_inbound(
    runtime: SandboxRuntime,
    message: InboundMessage,
    channel: str,
    message_id: str,
    media_ids: list[str],
    webhook_status: int,
) -> None:
    """What the person sent, as the chat page shows it."""
    runtime.store.record_inbound(
        {
            "sid": message_id,
            "direction": "in",
            "channel": channel,
            "phone": message.phone,
            "body": message.choice.title if message.choice else message.text,
            "media_urls": [f"/sandbox/media/{media_id}" for media_id in media_ids],
            "time": runtime.clock().timestamp(),
            "webhook_status": webhook_status,
        }
    )


@router.post(
    "/twilio/inbound",
    summary="Send a WhatsApp text to the bot as Twilio would (signed form webhook).",
)
async def twilio_inbound(message: InboundMessage, request: Request) -> JSONResponse:
    settings: SandboxSettings = request.app.state.settings
    runtime: SandboxRuntime = request.app.state.deps
    message_sid = message.message_sid or twilio_fake.new_sid("MM" if message.media else "SM")
    media = []
    shown: list[str] = []
    for content_type, data in decode_media(message):
        media_sid = twilio_fake.new_sid("ME")
        runtime.store.add_media(media_sid, content_type, data)
        shown.append(media_sid)
        url = twilio_fake.media_url(
            provider_base(request), runtime.twilio_account_sid, message_sid, media_sid
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
    delivery = twilio_fake.deliver_inbound(
        runtime.http,
        url=settings.message_webhook_url,
        form=form,
        signature=signature,
        timeout=settings.webhook_timeout_seconds,
    )
    return await _delivered(delivery, runtime, message, "twilio", message_sid, shown)


@router.post(
    "/meta/inbound",
    summary="Send a WhatsApp message to the bot as Meta's Cloud API would (signed JSON webhook).",
)
async def meta_inbound(message: InboundMessage, request: Request) -> JSONResponse:
    settings: SandboxSettings = request.app.state.settings
    runtime: SandboxRuntime = request.app.state.deps
    message_id = message.message_sid or meta_fake.new_wamid()
    media = []
    shown: list[str] = []
    for content_type, data in decode_media(message):
        media_id = str(int.from_bytes(secrets.token_bytes(7), "big"))
        runtime.store.add_media(media_id, content_type, data)
        media.append((media_id, content_type))
        shown.append(media_id)
    notification = meta_fake.build_notification(
        wa_id=message.phone.lstrip("+"),
        profile_name=message.profile_name,
        message_id=message_id,
        text=message.text,
        media=media,
        phone_number_id=settings.meta_phone_number_id,
        display_number=settings.meta_display_number,
        sent_at=runtime.clock(),
        choice=message.choice,
        offered_in=_offered_in(runtime, message.phone, message.choice.id)
        if message.choice
        else None,
    )
    raw = json.dumps(notification).encode()
    delivery = meta_fake.deliver(
        runtime.http,
        url=settings.message_meta_webhook_url,
        raw=raw,
        signature=meta_fake.sign(runtime.meta_app_secret, raw),
        timeout=settings.webhook_timeout_seconds,
    )
    return await _delivered(delivery, runtime, message, "meta", message_id, shown)


def _offered_in(runtime: SandboxRuntime, phone: str, choice_id: str) -> dict[str, Any] | None:
    """The newest message the bot sent this person that offered the tapped choice."""
    for sent in reversed(runtime.store.outbound_to(f"whatsapp:{phone}")):
        options = (sent.get("interactive") or {}).get("options") or []
        if any(o.get("id") == choice_id for o in options):
            found: dict[str, Any] = sent
            return found
    return None


async def _delivered(
    delivery: Awaitable[httpx.Response],
    runtime: SandboxRuntime,
    message: InboundMessage,
    channel: str,
    message_id: str,
    shown: list[str],
) -> JSONResponse:
    """The provider's webhook delivered; when the bot can't be reached the provider gives up
    (Twilio logs error 11200), and the sandbox tells the caller."""
    try:
        response = await delivery
    except httpx.HTTPError as exc:
        return JSONResponse(
            {"message_sid": message_id, "error": f"webhook unreachable: {exc!r}"}, status_code=502
        )
    log_inbound(runtime, message, channel, message_id, shown, response.status_code)
    return JSONResponse({"message_sid": message_id, "webhook_status": response.status_code})


@router.get("/stripe", summary="What the fake Stripe holds: sessions, refunds, deliveries.")
def stripe_state(request: Request) -> dict[str, Any]:
    state = request.app.state.deps.store.stripe
    return {
        "sessions": list(state.sessions.values()),
        "refunds": state.refunds,
        "deliveries": state.deliveries,
    }


@router.post(
    "/{provider}/down",
    summary="An outage: for `seconds`, the fake Stripe's or Astria's API answers 5xx "
    "(`mode=error`) or holds each call until the outage ends (`mode=hang`).",
)
def provider_down(
    provider: Literal["stripe", "astria"],
    request: Request,
    seconds: float = Query(ge=0, le=3600),
    mode: Literal["error", "hang"] = "error",
) -> dict[str, Any]:
    runtime: SandboxRuntime = request.app.state.deps
    outage = Outage(until=runtime.clock().timestamp() + seconds, hang=mode == "hang")
    if provider == "stripe":
        runtime.store.stripe.outage = outage
    else:
        runtime.store.astria.outage = outage
    return {"provider": provider, "down_until": outage.until, "mode": mode}


@router.get("/astria", summary="What the fake Astria holds: tunes, prompts, the requests it got.")
def astria_state(request: Request) -> dict[str, Any]:
    state = request.app.state.deps.store.astria
    return {
        "tunes": list(state.tunes.values()),
        "prompts": list(state.prompts.values()),
        "requests": state.requests,
        "knobs": state.knobs,
        "deleted_tunes": state.deleted_tunes,
    }


@router.get("/media", summary="Inbound media the providers still hold, and what was deleted.")
def media_state(request: Request) -> dict[str, Any]:
    store = request.app.state.deps.store
    return {"held": sorted(store.media), "deleted": list(store.deleted_media)}


@router.post("/astria/knobs", summary="Make Astria slow, or lose or repeat its callbacks.")
def astria_knobs(changes: dict[str, Any], request: Request) -> dict[str, Any]:
    knobs: dict[str, Any] = request.app.state.deps.store.astria.knobs
    unknown = set(changes) - set(knobs)
    if unknown:
        raise Rejected(f"unknown knobs: {sorted(unknown)}")
    knobs.update(changes)
    return knobs


class SendFailures(BaseModel):
    """What the next sends through a fake provider answer: (HTTP status, error code) each."""

    twilio: list[tuple[int, int]] = Field(default_factory=list, max_length=100)
    meta: list[tuple[int, int]] = Field(default_factory=list, max_length=100)


@router.post(
    "/send-failures",
    summary="Make the next sends fail with given provider errors (e.g. Meta 131056, Twilio 63018).",
)
def send_failures(failures: SendFailures, request: Request) -> dict[str, Any]:
    store = request.app.state.deps.store
    for channel, queue in (("twilio", failures.twilio), ("meta", failures.meta)):
        store.send_failures[channel].extend(queue)
    return {"queued": store.send_failures}


@router.get("/messages", summary="What the bot sent, optionally to one address.")
def outbound_messages(
    request: Request,
    to: str | None = Query(default=None, examples=["whatsapp:+15551234567"]),
    after: int = Query(
        default=0, ge=0, le=2**63 - 1, description="only messages whose `seq` is above this"
    ),
) -> dict[str, Any]:
    runtime: SandboxRuntime = request.app.state.deps
    return {"messages": runtime.store.outbound_to(to, after)}


@router.get("/typing", summary="The person's messages the bot marked read, showing typing.")
def typing_shown(request: Request) -> dict[str, Any]:
    runtime: SandboxRuntime = request.app.state.deps
    return {"typing": list(runtime.store.typing)}


def conversation(runtime: SandboxRuntime, phone: str) -> dict[str, Any]:
    """One person's chat, both directions in time order, and the events about them."""
    address = f"whatsapp:{phone}"
    store = runtime.store
    inbound = [m for m in store.inbound if m.get("phone") == phone]
    outbound = [{**m, "direction": "out"} for m in store.outbound_to(address)]
    messages = sorted([*inbound, *outbound], key=lambda m: m.get("time", 0))
    events = [
        {k: v for k, v in e.items() if k != "data"}
        for e in list(store.events)  # a copy: the observer appends meanwhile
        if e["user"] == address
    ]
    return {"version": store.version, "messages": messages, "events": events}


@router.get(
    "/events",
    summary="Every event the sandbox saw on the bus (one more subscriber to every topic), "
    "oldest first, optionally on one topic.",
)
def events_seen(
    request: Request, topic: str | None = Query(default=None, examples=["payment.completed"])
) -> dict[str, Any]:
    store = request.app.state.deps.store
    seen = [
        {k: e.get(k) for k in ("topic", "id", "source", "time", "traceparent", "data")}
        for e in list(store.events)
        if topic is None or e["topic"] == topic
    ]
    return {"events": seen}


@router.get("/chat", summary="One person's chat and the events about them (the page's data).")
def chat(request: Request, phone: str = Query(pattern=r"^\+\d{6,15}$")) -> dict[str, Any]:
    return conversation(request.app.state.deps, phone)


@router.get("/stream", summary="The same, as server-sent events whenever something changes.")
async def stream(
    request: Request, phone: str = Query(pattern=r"^\+\d{6,15}$")
) -> StreamingResponse:
    runtime: SandboxRuntime = request.app.state.deps

    async def updates() -> AsyncIterator[str]:
        seen = -1
        while not await request.is_disconnected():
            if runtime.store.version != seen:
                seen = runtime.store.version
                yield f"data: {json.dumps(conversation(runtime, phone))}\n\n"
            await asyncio.sleep(0.25)

    return StreamingResponse(updates(), media_type="text/event-stream")


@router.get("/media/{media_id}", include_in_schema=False)
def media(media_id: str, request: Request) -> Response:
    """A person's own photo, for the chat page (the sandbox's, so no provider auth)."""
    return twilio_fake.cdn_media(media_id, request)


@router.get("/samples", summary="Names of the sample selfies.")
def sample_list() -> dict[str, list[str]]:
    return {"samples": [f"/sandbox/samples/{n}.jpg" for n in range(1, samples.COUNT + 1)]}


@router.get("/samples/{number}.jpg", include_in_schema=False)
def sample_photo(number: int) -> Response:
    if not 1 <= number <= samples.COUNT:
        return Response(status_code=404)
    return Response(samples.sample(number), media_type="image/jpeg")
