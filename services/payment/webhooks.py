"""Stripe's webhook: verify the raw body first, then let the order decide."""

import logging

import stripe
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.payment.bootstrap import PaymentRuntime
from services.payment.handlers import handle_stripe_event
from services.payment.settings import PaymentSettings
from shared.errors import Transient
from shared.injection import call
from shared.webhook_body import parse_json, read_limited_body

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])


def _signed_at(header: str) -> int | None:
    """The `t=` of a verified `Stripe-Signature` header (Unix seconds)."""
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


@router.post(
    "/payment-received",
    summary="Stripe webhook",
    description=(
        "`Stripe-Signature` is verified on the raw body (signed within 300 s of now, either "
        "way) before anything is read. Each event is taken once (by its id); the order's state "
        "decides; unknown event types are acknowledged and ignored. A failed publish answers "
        "`500`, so Stripe retries and the retry publishes."
    ),
    responses={
        400: {"description": "bad signature, or a timestamp too old or ahead; nothing kept"},
        422: {"description": "signed, but not plain JSON or not a Stripe event; nothing kept"},
        413: {"description": "body too large"},
        500: {"description": "recorded, but the announcement could not be published yet"},
    },
)
async def payment_received(request: Request) -> JSONResponse:
    settings: PaymentSettings = request.app.state.settings
    runtime: PaymentRuntime = request.app.state.deps
    raw = await read_limited_body(request, settings.max_webhook_bytes)
    header = request.headers.get("stripe-signature", "")
    try:
        # Signature only: the library would judge the age by the wall clock, ours is below.
        stripe.WebhookSignature.verify_header(raw, header, runtime.stripe_webhook_secret)
    except stripe.SignatureVerificationError as exc:
        return JSONResponse({"error": f"rejected: {exc}"}, status_code=400)
    event = parse_json(raw)
    signed_at = _signed_at(header)
    now = runtime.ports.clock().timestamp()
    if signed_at is None or abs(now - signed_at) > settings.stripe_webhook_tolerance_seconds:
        return JSONResponse(
            {"error": "rejected: timestamp outside the tolerance zone"}, status_code=400
        )
    if not isinstance(event, dict):
        return JSONResponse({"error": "rejected: not a Stripe event"}, status_code=400)
    try:
        outcome = await run_in_threadpool(call, handle_stripe_event, runtime.ports, event)
    except Transient as exc:
        log.error("stripe event recorded but not announced", extra={"error": str(exc)})
        return JSONResponse({"error": "try again"}, status_code=500)
    return JSONResponse({"received": True, "outcome": outcome})
