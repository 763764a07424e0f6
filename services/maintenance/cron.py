"""Cron input bindings: Dapr POSTs to /<binding-name> on every tick of every replica."""

import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.maintenance import handlers
from services.maintenance.domain.ticks import parse_read_time
from services.maintenance.ports import MaintenancePorts
from shared.clock import Clock
from shared.dapr.subscriptions import require_sidecar_token
from shared.injection import call

log = logging.getLogger(__name__)
# daprd calls these: with APP_API_TOKEN set, only with it.
router = APIRouter(tags=["cron"], dependencies=[Depends(require_sidecar_token)])

# Component names in components/<profile>/cron-*.yaml; the route is the component name.
CLEANUP_BINDING = "cron-cleanup"
RECONCILE_BINDING = "cron-reconcile"


def _fired_at(request: Request, clock: Clock) -> datetime:
    """The scheduled time the binding reports, so twin ticks of replicas agree on the run."""
    moment = parse_read_time(request.headers.get("readTimeUTC", ""))
    if moment is None:
        log.warning("cron tick without a readable readTimeUTC; using the arrival time")
        moment = clock()
    return moment.replace(microsecond=0)


async def _tick(request: Request, job: str, start: Callable[..., str | None]) -> JSONResponse:
    ports: MaintenancePorts = request.app.state.deps.ports
    fired_at = _fired_at(request, ports.clock)
    run = await run_in_threadpool(call, start, ports, fired_at)
    # 200, not 204: with a resiliency retry on the binding, anything but 200 counts as failure.
    return JSONResponse({"job": job, "fired_at": fired_at.isoformat(), "run_id": run})


@router.post(f"/{CLEANUP_BINDING}", summary="Cleanup tick (Dapr cron binding).")
async def cleanup_tick(request: Request) -> JSONResponse:
    return await _tick(request, "cleanup", handlers.cleanup_tick)


@router.post(f"/{RECONCILE_BINDING}", summary="Reconcile tick (Dapr cron binding).")
async def reconcile_tick(request: Request) -> JSONResponse:
    return await _tick(request, "reconcile", handlers.reconcile_tick)
