"""Cron input bindings: Dapr POSTs to /<binding-name> on every tick of every replica."""

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.maintenance import jobs

log = logging.getLogger(__name__)
router = APIRouter(tags=["cron"])

# Component names in components/<profile>/cron-*.yaml; the route is the component name.
CLEANUP_BINDING = "cron-cleanup"
RECONCILE_BINDING = "cron-reconcile"


# Dapr's cron binding sends Go's time.String() of the scheduled tick, e.g.
# "2026-11-29 15:31:20.000544488 +0000 UTC"; ISO 8601 is accepted too.
_READ_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})(?:\.\d+)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)


def parse_read_time(raw: str) -> datetime | None:
    """The tick's scheduled time to the second, or None when the header says nothing usable."""
    match = _READ_TIME.match(raw.strip())
    if match is None:
        return None
    offset = (match["offset"] or "Z").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}")
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _fired_at(request: Request, deps: jobs.MaintenanceDeps) -> datetime:
    """The scheduled time the binding reports, so twin ticks of replicas agree on the run."""
    moment = parse_read_time(request.headers.get("readTimeUTC", ""))
    if moment is None:
        log.warning("cron tick without a readable readTimeUTC; using the arrival time")
        moment = deps.clock()
    return moment.replace(microsecond=0)


async def _tick(
    request: Request, job: str, start: Callable[[datetime, jobs.MaintenanceDeps], str | None]
) -> JSONResponse:
    deps: jobs.MaintenanceDeps = request.app.state.deps.handlers
    fired_at = _fired_at(request, deps)
    run = await run_in_threadpool(start, fired_at, deps)
    # 200, not 204: with a resiliency retry on the binding, anything but 200 counts as failure.
    return JSONResponse({"job": job, "fired_at": fired_at.isoformat(), "run_id": run})


@router.post(f"/{CLEANUP_BINDING}", summary="Cleanup tick (Dapr cron binding).")
async def cleanup_tick(request: Request) -> JSONResponse:
    return await _tick(request, "cleanup", jobs.cleanup_tick)


@router.post(f"/{RECONCILE_BINDING}", summary="Reconcile tick (Dapr cron binding).")
async def reconcile_tick(request: Request) -> JSONResponse:
    return await _tick(request, "reconcile", jobs.reconcile_tick)
