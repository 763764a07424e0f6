"""Provider webhooks: verify, de-duplicate, publish, acknowledge — nothing slow."""

import hmac
import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from services.message.adapters import meta_inbound, twilio_inbound
from services.message.adapters.provider_errors import window_error
from services.message.bootstrap import MessageRuntime
from services.message.handlers import accept_inbound, record_status
from services.message.settings import MessageSettings
from shared.errors import Rejected, Unauthorized
from shared.injection import call
from shared.webhook_body import parse_json, read_limited_body

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])


def parse_form(body: bytes) -> FormData:
    """Twilio posts application/x-www-form-urlencoded; repeated keys are kept."""
    try:
        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        )
    except UnicodeDecodeError as exc:
        raise Rejected("form body is not UTF-8") from exc
    return FormData(pairs)


async def verified_twilio_form(
    request: Request, settings: MessageSettings, runtime: MessageRuntime
) -> FormData:
    """The form of a Twilio request, once its signature over the public URL verifies."""
    form = parse_form(await read_limited_body(request, settings.max_webhook_bytes))
    url = twilio_inbound.public_url(
        request_url=str(request.url),
        path=request.url.path,
        query=request.url.query,
        headers=request.headers,
        public_base_url=settings.public_base_url,
        trust_forwarded_headers=settings.trust_forwarded_headers,
    )
    signature = request.headers.get("x-twilio-signature", "")
    if not twilio_inbound.signature_is_valid(runtime.twilio_auth_token, url, form, signature):
        raise Unauthorized("X-Twilio-Signature does not match")
    return form


@router.post(
    "/SmsReceived",
    summary="Twilio WhatsApp inbound webhook",
    description=(
        "Form-encoded webhook signed with `X-Twilio-Signature`. Verifies the signature, "
        "publishes `whatsapp.inbound` with an id derived from the `MessageSid` (a redelivery "
        "is decided once by the conversation) and answers empty TwiML; the reply is sent "
        "through the REST API by the subscriber."
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/xml": {}}, "description": "accepted (or a duplicate)"},
        403: {"description": "missing or forged signature"},
        413: {"description": "body too large"},
        422: {"description": "signed but malformed form"},
        503: {"description": "the broker did not take it; the provider delivers again"},
    },
)
async def sms_received(request: Request) -> Response:
    settings: MessageSettings = request.app.state.settings
    runtime: MessageRuntime = request.app.state.deps
    form = await verified_twilio_form(request, settings, runtime)
    event = twilio_inbound.parse_inbound(form, runtime.ports.clock())
    await accept_inbound(event, runtime.inbound)
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post(
    "/twilio/status",
    summary="Twilio delivery status callback",
    description=(
        "Signed like the inbound webhook. Updates the outbound log (statuses only move forward); "
        "error 63016 closes the person's 24-hour window, so the next message is a template."
    ),
    responses={403: {"description": "missing or forged signature"}},
)
async def twilio_status(request: Request) -> Response:
    settings: MessageSettings = request.app.state.settings
    runtime: MessageRuntime = request.app.state.deps
    form = await verified_twilio_form(request, settings, runtime)
    message_sid = str(form.get("MessageSid") or form.get("SmsSid") or "")
    status = str(form.get("MessageStatus") or form.get("SmsStatus") or "")
    if not message_sid or not status:
        raise Rejected("MessageSid and MessageStatus are required")
    await _record_status(runtime, "twilio", message_sid, status, form.get("ErrorCode"))
    return Response(status_code=204)


async def _record_status(
    runtime: MessageRuntime, channel: str, message_id: str, status: str, code: object
) -> None:
    error_code = str(code) if code else None
    await run_in_threadpool(
        call,
        record_status,
        runtime.ports,
        channel=channel,
        provider_message_id=message_id,
        status=status,
        error_code=error_code,
        window_closed=window_error(channel, error_code),
    )


@router.get(
    "/webhooks/meta",
    summary="Meta webhook verification",
    description="Answers Meta's `hub.challenge` when `hub.verify_token` matches.",
    response_class=PlainTextResponse,
    responses={403: {"description": "wrong mode or verify token"}},
)
def meta_verify(
    request: Request,
    mode: str = Query(default="", alias="hub.mode"),
    verify_token: str = Query(default="", alias="hub.verify_token"),
    challenge: str = Query(default="", alias="hub.challenge"),
) -> PlainTextResponse:
    runtime: MessageRuntime = request.app.state.deps
    if mode != "subscribe" or not hmac.compare_digest(verify_token, runtime.meta_verify_token):
        raise Unauthorized("hub.verify_token does not match")
    return PlainTextResponse(challenge)


@router.post(
    "/webhooks/meta",
    summary="Meta WhatsApp Cloud API webhook",
    description=(
        "JSON notifications signed with `X-Hub-Signature-256` (HMAC-SHA256 of the raw body). "
        "Every message of a batch is published once as `whatsapp.inbound`; delivery statuses "
        "are logged."
    ),
    responses={
        403: {"description": "missing or forged signature"},
        413: {"description": "body too large"},
        422: {"description": "signed but not a WhatsApp notification"},
    },
)
async def meta_received(request: Request) -> JSONResponse:
    settings: MessageSettings = request.app.state.settings
    runtime: MessageRuntime = request.app.state.deps
    raw = await read_limited_body(request, settings.max_meta_webhook_bytes)
    signature = request.headers.get("x-hub-signature-256", "")
    if not meta_inbound.signature_is_valid(runtime.meta_app_secret, raw, signature):
        raise Unauthorized("X-Hub-Signature-256 does not match")
    messages, statuses = meta_inbound.parse_notification(parse_json(raw), runtime.ports.clock())
    for event in messages:  # in the batch's order
        await accept_inbound(event, runtime.inbound)
    for status in statuses:
        [error, *_] = status.get("errors") or [{}]
        await _record_status(
            runtime,
            "meta",
            str(status.get("id") or ""),
            str(status.get("status") or ""),
            error.get("code"),
        )
    return JSONResponse({"accepted": len(messages), "statuses": len(statuses)})
