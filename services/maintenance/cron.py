"""Cron input bindings: Dapr POSTs to /<binding-name> on every tick of every replica."""

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)

router = APIRouter(tags=["cron"])

# Component names in components/<profile>/cron-*.yaml; the route is the component name.
CLEANUP_BINDING = "cron-cleanup"
RECONCILE_BINDING = "cron-reconcile"


def _tick(job: str, request: Request) -> JSONResponse:
    # 200, not 204: with a resiliency retry on the binding, anything but 200 counts as failure.
    fired_at = request.headers.get("readTimeUTC") or datetime.now(UTC).isoformat()
    log.info("cron tick", extra={"job": job, "fired_at": fired_at})
    return JSONResponse({"job": job, "fired_at": fired_at})


@router.post(f"/{CLEANUP_BINDING}", summary="Weekly cleanup tick (Dapr cron binding).")
def cleanup_tick(request: Request) -> JSONResponse:
    return _tick("cleanup", request)


@router.post(f"/{RECONCILE_BINDING}", summary="Frequent reconcile tick (Dapr cron binding).")
def reconcile_tick(request: Request) -> JSONResponse:
    return _tick("reconcile", request)
