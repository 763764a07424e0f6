"""Stripe as the bot sees it: Checkout Sessions, refunds, the hosted page, signed events.

Object and event shapes follow Stripe's API reference (docs.stripe.com/api, Checkout
Sessions, Events, Refunds; docs.stripe.com/webhooks for the signature). The page's
knobs make Stripe's hard cases happen on demand: duplicate deliveries, an
expiry after the payment, delayed (async) methods.
"""

import asyncio
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from services.sandbox.addresses import public_base
from services.sandbox.outages import Outage
from shared.money import money

# The version the payment service's stripe library pins (stripe.api_version): events come in it.
API_VERSION = "2026-10-28.endive"

router = APIRouter(prefix="/stripe", tags=["fake stripe"])


# Checkout's page languages (docs.stripe.com/api/checkout/sessions/create#locale).
LOCALES = frozenset(
    {
        "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil",
        "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl",
        "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK",
        "zh-TW",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Saved:
    params: list[tuple[str, str]]
    status: int
    body: dict[str, Any]


@dataclass
class StripeState:
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    # (kind, idempotency key) -> the request's parameters and the answer Stripe saved.
    idempotent: dict[str, "Saved"] = field(default_factory=dict)
    # Idempotency keys whose first request is still being processed.
    in_flight: set[str] = field(default_factory=set)
    # What the hosted page shows of a session (not part of Stripe's object).
    product_names: dict[str, str] = field(default_factory=dict)
    # payment intent -> its charge: every refund of a payment is of that one charge.
    charges: dict[str, str] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    # The API's outage (the checkout page still works).
    outage: Outage = field(default_factory=Outage)
    lock: threading.Lock = field(default_factory=threading.Lock)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def parse_brackets(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`line_items[0][price_data][currency]=usd`) into objects."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)  # type: ignore[no-any-return]


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    return node


def _error(
    status: int, message: str, param: str | None = None, kind: str = "invalid_request_error"
) -> JSONResponse:
    body = {"error": {"type": kind, "message": message, "param": param}}
    return JSONResponse(body, status_code=status, headers={"Request-Id": new_id("req")})


async def _down(request: Request) -> bool:
    now: float = request.app.state.deps.clock().timestamp()
    return await _state(request).outage.strikes(now)


def _authorised(request: Request) -> bool:
    key = request.app.state.deps.stripe_secret_key
    return hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {key}")


def _state(request: Request) -> StripeState:
    return request.app.state.deps.store.stripe  # type: ignore[no-any-return]


async def _form(request: Request) -> list[tuple[str, str]]:
    form = await request.form()
    return [(k, str(v)) for k, v in form.multi_items()]


async def _accepted(
    request: Request, kind: str
) -> tuple[dict[str, Any], list[tuple[str, str]]] | JSONResponse:
    """What Stripe settles before a POST does anything: the key, and an idempotency key
    it has seen (docs.stripe.com/api/idempotent_requests): the same parameters get the
    saved answer again, a 500 included, for 24 hours; other parameters are refused, and
    so is the key while its first request is still going through (409). An outage is an
    answer the endpoint began, so its 500 is saved too. Then the parameters."""
    if not _authorised(request):
        return _error(401, "Invalid API Key provided")
    pairs = await _form(request)
    state, key = _state(request), request.headers.get("idempotency-key")
    slot = f"{kind}:{key}"
    if key and (earlier := state.idempotent.get(slot)) is not None:
        if sorted(earlier.params) != sorted(pairs):
            message = (
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request."
            )
            return _error(400, message, kind="idempotency_error")
        headers = {"Idempotent-Replayed": "true", "Request-Id": new_id("req")}
        if earlier.status >= 500:
            headers["Stripe-Should-Retry"] = "false"
        return JSONResponse(earlier.body, status_code=earlier.status, headers=headers)
    if key and slot in state.in_flight:
        message = (
            "There is currently another in-progress request using this Idempotent Key (that "
            "probably means you submitted twice, and the other request is still going "
            f"through): {key}. Please try again later."
        )
        return _error(409, message, kind="idempotency_error")
    if key:
        state.in_flight.add(slot)
    try:
        down = await _down(request)  # the only wait between the check and the answer
    finally:
        state.in_flight.discard(slot)
    if down:
        answer = _error(500, "Sandbox: Stripe is down, as asked", kind="api_error")
        answer.headers["Stripe-Should-Retry"] = "false"
        _remember(state, request, kind, pairs, answer)
        return answer
    return parse_brackets(pairs), pairs


def _remember(
    state: StripeState,
    request: Request,
    kind: str,
    pairs: list[tuple[str, str]],
    answer: JSONResponse,
) -> None:
    """The answer a retry with the same idempotency key gets."""
    if key := request.headers.get("idempotency-key"):
        with state.lock:
            state.idempotent[f"{kind}:{key}"] = Saved(
                pairs, answer.status_code, json.loads(bytes(answer.body))
            )


@router.post("/v1/checkout/sessions")
async def create_session(request: Request) -> JSONResponse:
    accepted = await _accepted(request, "session")
    if isinstance(accepted, JSONResponse):
        return accepted
    params, pairs = accepted
    now = int(request.app.state.deps.clock().timestamp())
    items = params.get("line_items") or []
    if params.get("mode") != "payment" or not items:
        return _error(400, "mode=payment with line_items is required", "line_items")
    price = items[0].get("price_data") or {}
    try:
        amount = int(price["unit_amount"]) * int(items[0].get("quantity", 1))
        expires_at = int(params.get("expires_at") or now + 24 * 3600)
    except (KeyError, ValueError):
        return _error(400, "line_items[0][price_data][unit_amount] is required", "line_items")
    if not now + 30 * 60 <= expires_at <= now + 24 * 3600:
        message = "The `expires_at` timestamp must be between 30 minutes and 24 hours from now"
        return _error(400, message, "expires_at")
    locale = params.get("locale")
    if locale is not None and locale not in LOCALES:
        return _error(400, f"Invalid locale: must be one of {', '.join(sorted(LOCALES))}", "locale")
    session_id = new_id("cs")
    session = {
        "id": session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "open",
        "payment_status": "unpaid",
        "client_reference_id": params.get("client_reference_id"),
        "metadata": params.get("metadata") or {},
        "amount_subtotal": amount,
        "amount_total": amount,
        "currency": price.get("currency", "usd"),
        "customer": None,
        "customer_details": None,
        "customer_email": None,
        "locale": locale,
        "payment_intent": None,
        "payment_link": None,
        "success_url": params.get("success_url"),
        "cancel_url": params.get("cancel_url"),
        "url": f"{public_base(request)}/stripe/checkout/{session_id}",
        "created": now,
        "expires_at": expires_at,
        "livemode": False,
    }
    state = _state(request)
    answer = JSONResponse(session, headers={"Request-Id": new_id("req")})
    with state.lock:
        state.sessions[session_id] = session
        state.product_names[session_id] = (price.get("product_data") or {}).get("name", "")
    _remember(state, request, "session", pairs, answer)
    return answer


@router.get("/v1/checkout/sessions/{session_id}")
def get_session(session_id: str, request: Request) -> JSONResponse:
    if not _authorised(request):
        return _error(401, "Invalid API Key provided")
    session = _state(request).sessions.get(session_id)
    if session is None:
        return _error(404, f"No such checkout.session: '{session_id}'", "id")
    return JSONResponse(session)


@router.post("/v1/refunds")
async def create_refund(request: Request) -> JSONResponse:
    accepted = await _accepted(request, "refund")
    if isinstance(accepted, JSONResponse):
        return accepted
    params, pairs = accepted
    state = _state(request)
    intent = params.get("payment_intent")
    session = next((s for s in state.sessions.values() if s["payment_intent"] == intent), None)
    if session is None or session["payment_status"] != "paid":
        return _error(400, f"No succeeded charge for payment_intent '{intent}'", "payment_intent")
    before = sum(r["amount"] for r in state.refunds if r["payment_intent"] == intent)
    left = session["amount_total"] - before
    amount = params.get("amount", left)
    if not str(amount).isdigit() or not 0 < int(amount) <= left:
        message = f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
        return _error(400, message, "amount")
    refund = {
        "id": new_id("re"),
        "object": "refund",
        "amount": int(amount),
        "currency": session["currency"],
        "payment_intent": intent,
        "charge": state.charges.setdefault(str(intent), new_id("ch")),
        "metadata": params.get("metadata") or {},
        "status": "succeeded",
        "created": int(request.app.state.deps.clock().timestamp()),
    }
    with state.lock:
        state.refunds.append(refund)
    _remember(state, request, "refund", pairs, JSONResponse(refund))
    charge = {
        "id": refund["charge"],
        "object": "charge",
        "amount": session["amount_total"],
        "amount_refunded": before + refund["amount"],
        "currency": refund["currency"],
        "payment_intent": intent,
        "refunded": before + refund["amount"] == session["amount_total"],
    }
    sandbox = request.app.state
    asyncio.get_running_loop().create_task(_send(sandbox, "charge.refunded", charge))
    return JSONResponse(refund)


# --- the hosted checkout page -----------------------------------------------------------

PAGE = Template((Path(__file__).parent / "static" / "checkout.html").read_text())


@router.get("/checkout/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def checkout_page(session_id: str, request: Request, note: str = "") -> HTMLResponse:
    session = _state(request).sessions.get(session_id)
    if session is None:
        return HTMLResponse("<h1>This checkout link is not valid.</h1>", status_code=404)
    actions = ""
    if session["status"] == "open":
        actions = (
            f'<form method="post" action="/stripe/checkout/{session_id}/pay">'
            '<button class="pay" type="submit">Pay</button></form>'
            f'<form method="post" action="/stripe/checkout/{session_id}/cancel">'
            '<button class="cancel" type="submit">Cancel</button></form>'
        )
    name = _state(request).product_names.get(session_id) or "Your order"
    page = PAGE.substitute(
        name=html.escape(name),
        amount=money(session["amount_total"], session["currency"]),
        status=session["status"],
        actions=actions,
        note=f"<p>{note}</p>" if note else "",
    )
    return HTMLResponse(page)


@router.post("/checkout/{session_id}/pay", include_in_schema=False)
async def pay(
    session_id: str,
    request: Request,
    duplicates: int = 1,
    delayed: bool = False,
    expire_after: bool = False,
) -> Response:
    """Pay the session. Knobs: send `completed` `duplicates` times, pay by a delayed method
    (completed unpaid, then async_payment_succeeded), send an `expired` afterwards."""
    state = _state(request)
    session = state.sessions.get(session_id)
    if session is None or session["status"] != "open":
        return HTMLResponse("<h1>This checkout is no longer open.</h1>", status_code=409)
    session.update(
        status="complete",
        payment_status="unpaid" if delayed else "paid",
        payment_intent=new_id("pi"),
        customer_details={
            "email": "sandbox@example.com",
            "name": "Sandbox Payer",
            "phone": None,
            "address": None,
        },
    )
    completed = _event(request.app.state, "checkout.session.completed", dict(session))
    for _ in range(max(1, min(duplicates, 5))):
        await _deliver(request.app.state, completed)
    if delayed:
        session["payment_status"] = "paid"
        await _send(request.app.state, "checkout.session.async_payment_succeeded", dict(session))
    if expire_after:
        await _send(request.app.state, "checkout.session.expired", {**session, "status": "expired"})
    return checkout_page(session_id, request, note="Payment received. You can go back to WhatsApp.")


@router.post("/checkout/{session_id}/cancel", include_in_schema=False)
async def cancel(session_id: str, request: Request) -> Response:
    session = _state(request).sessions.get(session_id)
    if session is None or session["status"] != "open":
        return HTMLResponse("<h1>This checkout is no longer open.</h1>", status_code=409)
    session["status"] = "expired"
    await _send(request.app.state, "checkout.session.expired", dict(session))
    return checkout_page(session_id, request)


# --- signed events ------------------------------------------------------------------------


def _event(app_state: Any, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(app_state.deps.clock().timestamp()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def sign(secret: str, payload: str, timestamp: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


async def _send(app_state: Any, event_type: str, obj: dict[str, Any]) -> None:
    await _deliver(app_state, _event(app_state, event_type, obj))


async def _deliver(app_state: Any, event: dict[str, Any], attempts: int = 4) -> None:
    """POST a signed event to the payment webhook; retry a failure a few times, as Stripe does."""
    runtime, settings = app_state.deps, app_state.settings
    payload = json.dumps(event)
    status: int | str | None = None
    for attempt in range(attempts):
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": sign(
                runtime.stripe_webhook_secret, payload, int(runtime.clock().timestamp())
            ),
        }
        try:
            response = await runtime.http.post(
                settings.payment_webhook_url, content=payload, headers=headers, timeout=30
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            status = repr(exc)
        if isinstance(status, int) and 200 <= status < 300:
            break
        await asyncio.sleep(0.5 * (attempt + 1))
    with runtime.store.stripe.lock:
        runtime.store.stripe.deliveries.append(
            {"id": event["id"], "type": event["type"], "status": status}
        )
