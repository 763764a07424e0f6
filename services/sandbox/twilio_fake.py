"""Twilio as the bot sees it: the Messages REST endpoint and signed inbound webhooks.

Field names, status codes and error bodies follow Twilio's Messaging API reference
(twilio.com/docs/messaging/api, twilio.com/docs/messaging/guides/webhook-request).
"""

import base64
import hmac
import json
import re
import secrets
from collections.abc import Callable, Sequence
from email.utils import format_datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from twilio.request_validator import RequestValidator

from services.sandbox import interactive
from services.sandbox.addresses import provider_base
from services.sandbox.people import InboundMessage
from services.sandbox.store import SandboxStore

MAX_BODY = 1600
# What Twilio sends on WhatsApp, by the Content-Type its fetch of a MediaUrl answers
# (twilio.com/docs/whatsapp/guidance-whatsapp-media-messages): images within 5 MB, the
# whole message within 16 MB.
MEDIA_TYPES = {
    "image/jpeg",
    "image/png",
    "audio/ogg",
    "audio/amr",
    "audio/3gpp",
    "audio/aac",
    "audio/mpeg",
    "video/mp4",
    *(interactive.DOCUMENT_TYPES - {"text/plain"}),
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

router = APIRouter(prefix="/twilio", tags=["fake twilio"])
cdn_router = APIRouter(tags=["fake twilio"], include_in_schema=False)


INBOUND_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


def _unauthenticated(request: Request) -> JSONResponse | None:
    """Twilio's 401 for a caller without our account's credentials, else None."""
    sandbox = request.app.state.deps
    header = request.headers.get("authorization", "")
    if _basic_auth_ok(header, sandbox.twilio_account_sid, sandbox.twilio_auth_token):
        return None
    return _error(401, 20003, "Authenticate")


def _basic_auth_ok(header: str, account_sid: str, auth_token: str) -> bool:
    if not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user, account_sid) and hmac.compare_digest(password, auth_token)


async def media_refused(client: httpx.AsyncClient, message: dict[str, Any]) -> int | None:
    """Twilio fetches each MediaUrl after accepting the message: the error that fails it
    (63019, nothing could be fetched; 63021, a kind or size WhatsApp refuses), else None.
    What it fetched is kept as the message's `media_types`."""
    kinds, total = [], 0
    for url in message["media_urls"]:
        try:
            answer = await client.get(url, timeout=10, follow_redirects=True)
        except httpx.HTTPError:
            return 63019
        if answer.status_code != 200 or not answer.content:
            return 63019
        kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
        size = len(answer.content)
        total += size
        if kind not in MEDIA_TYPES or (kind.startswith("image/") and size > MAX_IMAGE_BYTES):
            return 63021
        kinds.append(kind)
    message["media_types"] = kinds
    return 63021 if total > MAX_MESSAGE_BYTES else None


async def report_status(
    *,
    client: httpx.AsyncClient,
    url: str | None,
    auth_token: str,
    message: dict[str, Any],
    on_change: Callable[[], None],
) -> None:
    """Delivery receipts as Twilio sends them, each signed: sent, then delivered; or
    failed, with its ErrorCode, when WhatsApp refused the template's text or the media
    could not be sent."""
    error = message.get("channel_refusal")
    if error is None and message["media_urls"]:
        error = await media_refused(client, message)
    if error is not None:
        message["status"], message["error_code"] = "failed", error
    on_change()
    if url is None:
        return
    for status in ("failed",) if error is not None else ("sent", "delivered"):
        form = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": message["account_sid"],
            "From": message["from"],
            "To": message["to"],
            "ApiVersion": "2010-04-01",
            "ChannelPrefix": "whatsapp",
            **({"ErrorCode": str(error)} if error is not None else {}),
        }
        headers = {"X-Twilio-Signature": sign(auth_token, url, form)}
        try:
            await client.post(url, data=form, headers=headers, timeout=10)
        except httpx.HTTPError:
            return  # Twilio gives up on an unreachable callback too
        message["status"] = status
        on_change()


@router.post("/messaging/v2/Indicators/Typing.json")
async def typing_indicator(request: Request) -> JSONResponse:
    """Twilio's typing indicator (public beta, on messaging.twilio.com): it marks the inbound
    message read and shows "typing…" until the reply, or 25 s."""
    if (refused := _unauthenticated(request)) is not None:
        return refused
    sandbox = request.app.state.deps
    form = await request.form()
    message_id = str(form.get("messageId") or "")
    if form.get("channel") != "whatsapp" or not INBOUND_SID.fullmatch(message_id):
        # The beta resource documents no error codes: 20001 (invalid parameter) stands in.
        return _error(400, 20001, "messageId must be the SID of an inbound WhatsApp message")
    record = {"channel": "twilio", "message_id": message_id, "time": sandbox.clock().timestamp()}
    sandbox.store.record_typing(record)
    return JSONResponse({"success": True})


# The account's template WhatsApp approved, in English and in Spanish (made in Twilio's
# console, not by the bot): what the message service sends outside the 24-hour window
# (TWILIO_TEMPLATE_SID, TWILIO_TEMPLATE_SIDS).
APPROVED_TEMPLATE_SID = "HX" + "0" * 32
APPROVED_TEMPLATE_SIDS = {"es": "HX" + "0" * 31 + "1"}
# WhatsApp approves no body that starts or ends with a placeholder.
_APPROVED = {
    "en": (APPROVED_TEMPLATE_SID, "News from your portrait bot: {{1}} Reply to go on."),
    "es": (
        APPROVED_TEMPLATE_SIDS["es"],
        "Novedades de tu bot de retratos: {{1}} Responde para seguir.",
    ),
}


def approved_templates(account_sid: str, now: str) -> list[dict[str, Any]]:
    return [
        {
            "sid": sid,
            "account_sid": account_sid,
            "friendly_name": "portrait_update",
            "language": language,
            "variables": {"1": "…"},
            "types": {"twilio/text": {"body": body}},
            "date_created": now,
            "date_updated": now,
            "whatsapp_approved": True,
        }
        for language, (sid, body) in _APPROVED.items()
    ]


def _template_failure(content: dict[str, Any], variables: dict[str, str], body: str) -> int | None:
    """What WhatsApp makes of an approved template's send, which Twilio reports in the
    message's receipt (the create itself answers 201): 63013 for a variable WhatsApp
    refuses, 63021 for a text over 1,024 characters."""
    if not content.get("whatsapp_approved"):
        return None
    if any(interactive.TEMPLATE_VARIABLE_REFUSED.search(v) for v in variables.values()):
        return 63013
    return 63021 if len(body) > interactive.TEMPLATE_TEXT_MAX else None


def _content_resource(content: dict[str, Any], base: str) -> dict[str, Any]:
    url = f"{base}/v1/Content/{content['sid']}"
    return {
        **content,
        "url": url,
        "links": {"approval_fetch": f"{url}/ApprovalRequests"},
    }


@router.post("/content/v1/Content", status_code=201)
async def create_content(request: Request) -> JSONResponse:
    """The Content API (JSON, on content.twilio.com): a template for buttons, lists or links."""
    if (refused := _unauthenticated(request)) is not None:
        return refused
    sandbox = request.app.state.deps
    try:
        asked = await request.json()
    except json.JSONDecodeError:
        return _error(400, 20001, "The request body must be JSON")
    if not isinstance(asked, dict) or not str(asked.get("friendly_name") or ""):
        return _error(400, 20001, "friendly_name is required")
    try:
        interactive.twilio_types(asked.get("types"))
        interactive.twilio_variables(json.dumps(asked.get("variables") or {}))
    except interactive.Refused as exc:
        return _error(400, 20001, f"Invalid content: {exc}")
    now = sandbox.clock().isoformat()
    content = {
        "sid": new_sid("HX"),
        "account_sid": sandbox.twilio_account_sid,
        "friendly_name": str(asked["friendly_name"]),
        "language": str(asked.get("language") or "en"),
        "variables": asked.get("variables") or {},
        "types": asked["types"],
        "date_created": now,
        "date_updated": now,
    }
    sandbox.store.add_content(content)
    base = provider_base(request) + "/twilio/content"
    return JSONResponse(_content_resource(content, base), status_code=201)


@router.get("/content/v1/Content")
def list_content(
    request: Request, page_size: int = Query(50, alias="PageSize", ge=1, le=1000)
) -> JSONResponse:
    """The account's templates, one page (the sandbox never holds more than a page)."""
    if (refused := _unauthenticated(request)) is not None:
        return refused
    base = provider_base(request) + "/twilio/content"
    contents = list(request.app.state.deps.store.contents.values())[:page_size]
    page = f"{base}/v1/Content?PageSize={page_size}&Page=0"
    return JSONResponse(
        {
            "contents": [_content_resource(c, base) for c in contents],
            "meta": {
                "page": 0,
                "page_size": page_size,
                "first_page_url": page,
                "previous_page_url": None,
                "url": page,
                "next_page_url": None,
                "key": "contents",
            },
        }
    )


@router.post("/2010-04-01/Accounts/{account_sid}/Messages.json", status_code=201)
async def create_message(
    account_sid: str, request: Request, background: BackgroundTasks
) -> JSONResponse:
    sandbox = request.app.state.deps
    if account_sid != sandbox.twilio_account_sid or not _basic_auth_ok(
        request.headers.get("authorization", ""),
        sandbox.twilio_account_sid,
        sandbox.twilio_auth_token,
    ):
        return _error(401, 20003, "Authenticate")
    form = await request.form()
    to, from_ = str(form.get("To") or ""), str(form.get("From") or "")
    body = str(form.get("Body") or "")
    media = [str(url) for url in form.getlist("MediaUrl")]
    content_sid = str(form.get("ContentSid") or "") or None
    if not to:
        return _error(400, 21604, "A 'To' phone number is required.")
    if not from_ and not form.get("MessagingServiceSid"):
        return _error(400, 21603, "A 'From' phone number is required.")
    if not body and not media and not content_sid:
        return _error(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    shown, refused = None, None
    raw_variables = form.get("ContentVariables")
    if raw_variables is not None and not content_sid:
        return _error(400, 21654, "ContentVariables specified without a ContentSid.")
    if content_sid:
        content = sandbox.store.contents.get(content_sid)
        if content is None:
            return _error(400, 21655, "The Content SID is invalid.")
        try:
            variables = interactive.twilio_variables(
                None if raw_variables is None else str(raw_variables)
            )
            body, shown = interactive.twilio_render(content["types"], variables)
        except interactive.Refused as exc:
            return _error(400, 21656, f"The ContentVariables Parameter is invalid: {exc}")
        refused = _template_failure(content, variables, body)
    if failure := sandbox.store.next_send_failure("twilio"):
        status, code = failure
        return _error(status, code, f"Sandbox: error {code}, as asked")
    now = format_datetime(request.app.state.deps.clock())
    sid = new_sid("MM" if media else "SM")
    message: dict[str, Any] = {
        "sid": sid,
        "account_sid": account_sid,
        "to": to,
        "from": from_,
        "body": body,
        "media_urls": media,
        "content_sid": content_sid,
        "content_variables": raw_variables,
        "interactive": shown,
        "status_callback": form.get("StatusCallback"),
        "status": "queued",
        "time": request.app.state.deps.clock().timestamp(),
        "num_media": str(len(media)),
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "date_created": now,
        "date_updated": now,
        "date_sent": None,
        "error_code": None,
        "error_message": None,
        # What the channel will make of it, told by the receipt (not part of the resource).
        "channel_refusal": refused,
        "price": None,
        "price_unit": "USD",
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        "subresource_uris": {
            "media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"
        },
    }
    store: SandboxStore = sandbox.store
    store.record_outbound(message)
    answer = JSONResponse(
        {k: v for k, v in message.items() if k != "channel_refusal"}, status_code=201
    )
    if message["status_callback"] or media or refused:
        background.add_task(
            report_status,
            client=sandbox.http,
            url=str(message["status_callback"]) if message["status_callback"] else None,
            auth_token=sandbox.twilio_auth_token,
            message=message,
            on_change=store.touch,
        )
    return answer


def media_url(base_url: str, account_sid: str, message_sid: str, media_sid: str) -> str:
    message = f"{base_url}/twilio/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}"
    return f"{message}/Media/{media_sid}"


def build_inbound_form(
    message: InboundMessage,
    *,
    account_sid: str,
    to: str,
    message_sid: str,
    media: Sequence[tuple[str, str]] = (),
) -> dict[str, str]:
    """Twilio's form for a message; `media` is [(url, content type)] in order."""
    digits = message.phone.lstrip("+")
    form = {
        "SmsMessageSid": message_sid,
        "NumMedia": str(len(media)),
        "ProfileName": message.profile_name or "",
        "MessageType": "image" if media else "interactive" if message.choice else "text",
        "SmsSid": message_sid,
        "WaId": digits,
        "SmsStatus": "received",
        "Body": message.choice.title if message.choice else message.text,
        "To": to,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "ChannelMetadata": json.dumps(
            {
                "type": "whatsapp",
                "data": {"context": {"ProfileName": message.profile_name or "", "WaId": digits}},
            },
            separators=(",", ":"),
        ),
        "From": f"whatsapp:{message.phone}",
        "ApiVersion": "2010-04-01",
    }
    if message.choice and message.choice.kind == "button":
        form |= {"ButtonPayload": message.choice.id, "ButtonText": message.choice.title}
    elif message.choice:
        form |= {"ListId": message.choice.id, "ListTitle": message.choice.title}
    for index, (url, content_type) in enumerate(media):
        form[f"MediaUrl{index}"] = url
        form[f"MediaContentType{index}"] = content_type
    return form


def _media_sid(account_sid: str, message_sid: str, media_sid: str) -> str:  # noqa: ARG001
    """The Media resource's path, as Twilio serves it: only its own sid matters here."""
    return media_sid


MediaSid = Annotated[str, Depends(_media_sid)]


@router.get("/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}")
def get_media(media_sid: MediaSid, request: Request) -> Response:
    """Media behind HTTP Basic auth, answered with a redirect to a short-lived CDN URL."""
    refused = _media_refused(request, media_sid)
    return refused or RedirectResponse(f"/twilio-cdn/{media_sid}", status_code=307)


@router.delete(
    "/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}.json",
    status_code=204,
)
def delete_media(media_sid: MediaSid, request: Request) -> Response:
    """Twilio keeps inbound media until its Media resource is deleted (204, then 404)."""
    refused = _media_refused(request, media_sid)
    if refused is None:
        request.app.state.deps.store.delete_media(media_sid)
    return refused or Response(status_code=204)


def _media_refused(request: Request, media_sid: str) -> Response | None:
    """Twilio's answer to a caller without our credentials (401) or for no such media (404)."""
    if (refused := _unauthenticated(request)) is not None:
        return refused
    if media_sid not in request.app.state.deps.store.media:
        return _error(404, 20404, "The requested resource was not found")
    return None


@cdn_router.get("/twilio-cdn/{media_sid}")
def cdn_media(media_sid: str, request: Request) -> Response:
    found = request.app.state.deps.store.media.get(media_sid)
    if found is None:
        return Response(status_code=404)
    content_type, data = found
    return Response(data, media_type=content_type)


def sign(auth_token: str, url: str, form: dict[str, str]) -> str:
    return str(RequestValidator(auth_token).compute_signature(url, form))


async def deliver_inbound(
    client: httpx.AsyncClient, *, url: str, form: dict[str, str], signature: str, timeout: float
) -> httpx.Response:
    headers = {
        "X-Twilio-Signature": signature,
        "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        "User-Agent": "TwilioProxy/1.1",
    }
    return await client.post(url, data=form, headers=headers, timeout=timeout)
