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
from shared.http import read_limited_body

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])


@router.post(
    "/payment-received",
    summary="Stripe webhook",
    description=(
        "`Stripe-Signature` is verified on the raw body (tolerance 300 s) before anything is "
        "read. Each event is taken once (by its id); the order's state decides; unknown event "
        "types are acknowledged and ignored. A failed publish answers `500`, so Stripe retries "
        "and the retry publishes."
    ),
    responses={
        400: {"description": "bad signature, stale timestamp or not JSON; nothing recorded"},
        413: {"description": "body too large"},
        500: {"description": "recorded, but the announcement could not be published yet"},
    },
)
async def payment_received(request: Request) -> JSONResponse:
    settings: PaymentSettings = request.app.state.settings
    runtime: PaymentRuntime = request.app.state.deps
    raw = await read_limited_body(request, settings.max_webhook_bytes)
    try:
        event = stripe.Webhook.construct_event(
            raw,
            request.headers.get("stripe-signature", ""),
            runtime.stripe_webhook_secret,
            tolerance=settings.stripe_webhook_tolerance_seconds,
        )
    except (stripe.SignatureVerificationError, ValueError) as exc:
        return JSONResponse({"error": f"rejected: {exc}"}, status_code=400)
    try:
        outcome = await run_in_threadpool(handle_stripe_event, event.to_dict(), runtime.handlers)
    except Transient as exc:
        log.error("stripe event recorded but not announced", extra={"error": str(exc)})
        return JSONResponse({"error": "try again"}, status_code=500)
    return JSONResponse({"received": True, "outcome": outcome})
