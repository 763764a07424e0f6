"""Cron input bindings: Dapr POSTs to /<binding-name> on every tick of every replica."""

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.maintenance import jobs

router = APIRouter(tags=["cron"])

# Component names in components/<profile>/cron-*.yaml; the route is the component name.
CLEANUP_BINDING = "cron-cleanup"
RECONCILE_BINDING = "cron-reconcile"


def _fired_at(request: Request) -> datetime:
    """The scheduled time the binding reports, so twin ticks agree on the run."""
    raw = request.headers.get("readTimeUTC") or request.headers.get("readtimeutc") or ""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.now(UTC)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0)


async def _tick(
    request: Request, job: str, start: Callable[[datetime, jobs.MaintenanceDeps], str | None]
) -> JSONResponse:
    fired_at = _fired_at(request)
    run = await run_in_threadpool(start, fired_at, request.app.state.deps.handlers)
    # 200, not 204: with a resiliency retry on the binding, anything but 200 counts as failure.
    return JSONResponse({"job": job, "fired_at": fired_at.isoformat(), "run_id": run})


@router.post(f"/{CLEANUP_BINDING}", summary="Cleanup tick (Dapr cron binding).")
async def cleanup_tick(request: Request) -> JSONResponse:
    return await _tick(request, "cleanup", jobs.cleanup_tick)


@router.post(f"/{RECONCILE_BINDING}", summary="Reconcile tick (Dapr cron binding).")
async def reconcile_tick(request: Request) -> JSONResponse:
    return await _tick(request, "reconcile", jobs.reconcile_tick)
