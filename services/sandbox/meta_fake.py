"""Meta's WhatsApp Cloud API as the bot sees it: signed webhooks, media, the send endpoint.

Shapes follow Meta's Cloud API reference (developers.facebook.com/documentation/
business-messaging/whatsapp: send messages, media, webhooks).
"""

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response

from services.sandbox import interactive
from services.sandbox.addresses import provider_base
from services.sandbox.people import Choice

router = APIRouter(prefix="/meta", tags=["fake meta"])

MAX_TEXT = 4096


def new_wamid() -> str:
    return "wamid." + secrets.token_urlsafe(24)


def _graph_error(status: int, code: int, message: str, details: str = "") -> JSONResponse:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_hex(8),
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return JSONResponse({"error": error}, status_code=status)


def _bearer_ok(request: Request) -> bool:
    expected = f"Bearer {request.app.state.deps.meta_access_token}"
    return hmac.compare_digest(request.headers.get("authorization", ""), expected)


@router.post("/{version}/{phone_number_id}/messages")
async def send_message(
    version: str,  # noqa: ARG001
    phone_number_id: str,
    request: Request,
    background: BackgroundTasks,
) -> JSONResponse:
    if not _bearer_ok(request):
        return _graph_error(401, 190, "Invalid OAuth access token.")
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return _graph_error(400, 100, "Invalid parameter")
    if body.get("status") == "read":
        return _read(body, request)
    to = str(body.get("to") or "")
    kind = body.get("type")
    if (
        body.get("messaging_product") != "whatsapp"
        or not to
        or kind not in ("text", "image", "document", "template", "interactive")
    ):
        return _graph_error(400, 100, "Invalid parameter")
    text, shown = "", None
    if kind == "interactive":
        try:
            text, shown = interactive.meta(body.get("interactive"))
        except interactive.Refused as exc:
            return _graph_error(400, 131009, f"(#131009) Parameter value is not valid: {exc}")
    template = body.get("template") or {}
    if kind == "template" and not (
        template.get("name") and (template.get("language") or {}).get("code")
    ):
        return _graph_error(400, 100, "Param template must have a name and a language code")
    if kind == "text":
        text = (body.get("text") or {}).get("body", "")
    elif kind == "template":
        parameters = (template.get("components") or [{}])[0].get("parameters") or [{}]
        text = str(parameters[0].get("text", ""))
        if any(
            interactive.TEMPLATE_VARIABLE_REFUSED.search(str(p.get("text", ""))) for p in parameters
        ):
            return _graph_error(
                400,
                132018,
                "(#132018) There was an issue with the parameters in your template.",
                details="Param text cannot have new-line/tab characters or more than 4 "
                "consecutive spaces",
            )
    # An image or a document: a media object by `link` (or an uploaded `id`).
    image = (body.get(kind) or {}) if kind in ("image", "document") else {}
    if kind == "text" and not 0 < len(text) <= MAX_TEXT:
        return _graph_error(400, 100, "Param text['body'] must be 1-4096 characters")
    if kind in ("image", "document") and not (image.get("link") or image.get("id")):
        return _graph_error(400, 100, f"Param {kind} must have a link or an id")
    store = request.app.state.deps.store
    if failure := store.next_send_failure("meta"):
        status, code = failure
        return _graph_error(status, code, f"(#{code}) Sandbox: error {code}, as asked")
    wamid = new_wamid()
    sent: dict[str, Any] = {
        "sid": wamid,
        "channel": "meta",
        "to": f"whatsapp:+{to}" if to.isdigit() else f"whatsapp:{to}",
        "from": phone_number_id,
        "body": text or image.get("caption", ""),
        "media_urls": [image["link"]] if image.get("link") else [],
        "status": "accepted",
        "time": request.app.state.deps.clock().timestamp(),
        "template": template.get("name"),
        "interactive": shown,
        "filename": image.get("filename") if kind == "document" else None,
        "kind": kind,
        "error_code": None,
    }
    store.record_outbound(sent)
    background.add_task(report_statuses, request.app, sent, to)
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }
    )


# What the Cloud API sends by link, fetched after it accepted the message
# (developers.facebook.com/docs/whatsapp/cloud-api/reference/media#supported-media-types):
# images JPEG or PNG within 5 MB, documents within 100 MB.
MEDIA_LIMITS = {
    "image": (frozenset({"image/jpeg", "image/png"}), 5 * 1024 * 1024),
    "document": (interactive.DOCUMENT_TYPES, 100 * 1024 * 1024),
}
MEDIA_UPLOAD_ERROR = 131053


async def media_failure(client: httpx.AsyncClient, message: dict[str, Any]) -> str | None:
    """Why Meta could not send the message's media (its error 131053), else None; what it
    fetched is kept as the message's `media_types`."""
    allowed, limit = MEDIA_LIMITS.get(message.get("kind") or "", (frozenset(), 0))
    kinds = []
    for url in message["media_urls"]:
        try:
            answer = await client.get(url, timeout=10, follow_redirects=True)
        except httpx.HTTPError:
            return "the media could not be downloaded"
        if answer.status_code != 200 or not answer.content:
            return f"downloading the media answered {answer.status_code}"
        kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in allowed:
            return f"{kind or 'no type'} is not a supported {message.get('kind')} type"
        if len(answer.content) > limit:
            return f"the {message.get('kind')} is over {limit // (1024 * 1024)} MB"
        kinds.append(kind)
    message["media_types"] = kinds
    return None


async def report_statuses(app: Any, message: dict[str, Any], to: str) -> None:
    """What Meta posts to the webhook after a send: `sent`, then `delivered`, each a
    `statuses` notification signed with the app secret (Meta's status webhook reference);
    or `failed` with error 131053 when it could not use the media the link points to."""
    deps, settings = app.state.deps, app.state.settings
    failure = await media_failure(deps.http, message) if message["media_urls"] else None
    if failure is not None:
        message["status"], message["error_code"] = "failed", MEDIA_UPLOAD_ERROR
        deps.store.touch()
    for status in ("failed",) if failure is not None else ("sent", "delivered"):
        statuses: list[dict[str, Any]] = [
            {
                "id": message["sid"],
                "status": status,
                "timestamp": str(int(deps.clock().timestamp())),
                "recipient_id": to,
            }
        ]
        if failure is not None:
            statuses[0]["errors"] = [
                {
                    "code": MEDIA_UPLOAD_ERROR,
                    "title": "Media upload error",
                    "message": "Media upload error",
                    "error_data": {"details": failure},
                }
            ]
        raw = json.dumps(
            notification(
                display_number=settings.meta_display_number,
                phone_number_id=message["from"],
                statuses=statuses,
            )
        ).encode()
        try:
            await deliver(
                deps.http,
                url=settings.message_meta_webhook_url,
                raw=raw,
                signature=sign(deps.meta_app_secret, raw),
                timeout=settings.webhook_timeout_seconds,
            )
        except httpx.HTTPError:
            return  # the bot is not there: Meta would retry; the sandbox lets it go
        message["status"] = status
        deps.store.touch()


def _read(body: dict[str, Any], request: Request) -> JSONResponse:
    """Mark as read, with the typing indicator when asked: the Cloud API's answer to an
    inbound message id, `{"success": true}`."""
    message_id = str(body.get("message_id") or "")
    typing = body.get("typing_indicator")
    if body.get("messaging_product") != "whatsapp" or not message_id.startswith("wamid."):
        return _graph_error(400, 100, "Param message_id must be a valid WhatsApp message id")
    if typing is not None and typing != {"type": "text"}:
        return _graph_error(400, 100, "Param typing_indicator['type'] must be text")
    deps = request.app.state.deps
    if typing is not None:
        record = {"channel": "meta", "message_id": message_id, "time": deps.clock().timestamp()}
        deps.store.record_typing(record)
    return JSONResponse({"success": True})


@router.get("/{version}/{media_id}")
def media_metadata(version: str, media_id: str, request: Request) -> JSONResponse:  # noqa: ARG001
    """Step 1 of a download: the short-lived URL, fetched again with the same bearer token."""
    if not _bearer_ok(request):
        return _graph_error(401, 190, "Invalid OAuth access token.")
    found = request.app.state.deps.store.media.get(media_id)
    if found is None:
        return _graph_error(404, 100, "Unsupported get request.")
    content_type, data = found
    base = provider_base(request)
    issued = int(request.app.state.deps.clock().timestamp())
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "url": f"{base}/meta-cdn/{media_id}?ext={issued}",
            "mime_type": content_type,
            "sha256": hashlib.sha256(data).hexdigest(),
            "file_size": str(len(data)),
            "id": media_id,
        }
    )


cdn_router = APIRouter(tags=["fake meta"], include_in_schema=False)


@cdn_router.get("/meta-cdn/{media_id}")
def media_bytes(media_id: str, request: Request) -> Response:
    if not _bearer_ok(request):
        return Response(status_code=401)
    found = request.app.state.deps.store.media.get(media_id)
    if found is None:
        return Response(status_code=404)
    content_type, data = found
    return Response(data, media_type=content_type)


def build_notification(
    *,
    wa_id: str,
    profile_name: str | None,
    message_id: str,
    text: str,
    media: list[tuple[str, str]],
    phone_number_id: str,
    display_number: str,
    sent_at: datetime,
    choice: Choice | None = None,
    offered_in: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One user message as Meta delivers it: one message per photo, as WhatsApp sends them.
    A tap carries the `context` of the message that offered it (`offered_in`, the fake's
    record of it) and a list row its description, as Meta's interactive webhook does."""
    timestamp = str(int(sent_at.timestamp()))
    messages: list[dict[str, Any]] = []
    if media:
        for index, (media_id, content_type) in enumerate(media):
            body: dict[str, Any] = {"mime_type": content_type, "sha256": "", "id": media_id}
            if index == 0 and text:
                body["caption"] = text
            messages.append(
                {
                    "from": wa_id,
                    "id": f"{message_id}.{index}",
                    "timestamp": timestamp,
                    "type": "image",
                    "image": body,
                }
            )
    elif choice is not None:
        kind = "button_reply" if choice.kind == "button" else "list_reply"
        reply = {"id": choice.id, "title": choice.title}
        options = ((offered_in or {}).get("interactive") or {}).get("options") or []
        described = next((o.get("description") for o in options if o.get("id") == choice.id), "")
        if kind == "list_reply" and described:
            reply["description"] = described
        tapped: dict[str, Any] = {
            "from": wa_id,
            "id": message_id,
            "timestamp": timestamp,
            "type": "interactive",
            "interactive": {"type": kind, kind: reply},
        }
        if offered_in is not None:
            tapped["context"] = {"from": display_number, "id": offered_in["sid"]}
        messages.append(tapped)
    else:
        messages.append(
            {
                "from": wa_id,
                "id": message_id,
                "timestamp": timestamp,
                "type": "text",
                "text": {"body": text},
            }
        )
    return notification(
        display_number=display_number,
        phone_number_id=phone_number_id,
        contacts=[{"profile": {"name": profile_name or ""}, "wa_id": wa_id}],
        messages=messages,
    )


def notification(*, display_number: str, phone_number_id: str, **value: Any) -> dict[str, Any]:
    """The envelope of every webhook Meta posts: one change of the `messages` field, whose
    value holds `messages` (with their `contacts`) or `statuses`."""
    metadata = {"display_phone_number": display_number, "phone_number_id": phone_number_id}
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {"messaging_product": "whatsapp", "metadata": metadata, **value},
                    }
                ],
            }
        ],
    }


def sign(app_secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


async def deliver(
    client: httpx.AsyncClient, *, url: str, raw: bytes, signature: str, timeout: float
) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    return await client.post(url, content=raw, headers=headers, timeout=timeout)
