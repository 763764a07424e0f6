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

from services.sandbox.outages import Outage
from shared.money import money

API_VERSION = "2026-07-30"

router = APIRouter(prefix="/stripe", tags=["fake stripe"])


@dataclass
class StripeState:
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    idempotent: dict[str, dict[str, Any]] = field(default_factory=dict)
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


def _error(status: int, message: str, param: str | None = None) -> JSONResponse:
    body = {"error": {"type": "invalid_request_error", "message": message, "param": param}}
    return JSONResponse(body, status_code=status, headers={"Request-Id": new_id("req")})


async def _down(request: Request) -> bool:
    now: float = request.app.state.deps.clock().timestamp()
    return await _state(request).outage.strikes(now)


def _authorised(request: Request) -> bool:
    key = request.app.state.deps.stripe_secret_key
    return hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {key}")


def public_base(request: Request) -> str:
    """Where a person's browser finds the sandbox."""
    configured = request.app.state.settings.public_url
    return str(configured or request.base_url).rstrip("/")


def _state(request: Request) -> StripeState:
    return request.app.state.deps.store.stripe  # type: ignore[no-any-return]


async def _form(request: Request) -> list[tuple[str, str]]:
    form = await request.form()
    return [(k, str(v)) for k, v in form.multi_items()]


async def _accepted(request: Request, kind: str) -> dict[str, Any] | JSONResponse:
    """What Stripe settles before a POST does anything: the key, an outage, and an
    idempotency key it has seen (the first answer, again). Then the form's parameters."""
    if not _authorised(request):
        return _error(401, "Invalid API Key provided")
    if await _down(request):
        return _error(500, "Sandbox: Stripe is down, as asked")
    key = request.headers.get("idempotency-key")
    if key and (earlier := _state(request).idempotent.get(f"{kind}:{key}")) is not None:
        return JSONResponse(earlier, headers={"Idempotent-Replayed": "true"})
    return parse_brackets(await _form(request))


def _remember(state: StripeState, request: Request, kind: str, answer: dict[str, Any]) -> None:
    """The answer a retry with the same idempotency key gets (call with the lock held)."""
    if key := request.headers.get("idempotency-key"):
        state.idempotent[f"{kind}:{key}"] = answer


@router.post("/v1/checkout/sessions")
async def create_session(request: Request) -> JSONResponse:
    params = await _accepted(request, "session")
    if isinstance(params, JSONResponse):
        return params
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
    if expires_at < now + 30 * 60 - 5:
        return _error(400, "expires_at must be at least 30 minutes from now", "expires_at")
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
        "payment_intent": None,
        "payment_link": None,
        "success_url": params.get("success_url"),
        "cancel_url": params.get("cancel_url"),
        "url": f"{public_base(request)}/stripe/checkout/{session_id}",
        "created": now,
        "expires_at": expires_at,
        "livemode": False,
        "line_items_preview": [
            {"name": (price.get("product_data") or {}).get("name"), "amount": amount}
        ],
    }
    state = _state(request)
    with state.lock:
        state.sessions[session_id] = session
        _remember(state, request, "session", session)
    return JSONResponse(session, headers={"Request-Id": new_id("req")})


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
    params = await _accepted(request, "refund")
    if isinstance(params, JSONResponse):
        return params
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
        _remember(state, request, "refund", refund)
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
    name = (session.get("line_items_preview") or [{}])[0].get("name") or "Your order"
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
