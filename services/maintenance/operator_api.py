"""The operator's API: see, replay and discard dead letters; see job runs; follow orders.

Protected by the `operator-token` secret from the Dapr secret store.
"""

import hmac
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from services.maintenance import handlers
from services.maintenance.domain.orders import in_order
from services.maintenance.ports import DeadLetter, MaintenancePorts, OrderView
from shared.errors import NotFound, WrongToken
from shared.injection import call

# A database integer: anything larger would overflow the query (a 500), so it is a 422.
LetterId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def require_operator(request: Request) -> None:
    expected = f"Bearer {request.app.state.deps.operator_token}"
    if not hmac.compare_digest(
        request.headers.get("authorization", "").encode(), expected.encode()
    ):
        raise WrongToken("operator token required (Authorization: Bearer …)")


router = APIRouter(tags=["operator"], dependencies=[Depends(require_operator)])


def _letter(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "event_id": letter.event_id,
        "topic": letter.topic,
        "source": letter.source,
        "payload": json.loads(letter.payload),
        "received_at": letter.received_at.isoformat(),
        "status": letter.status,
        "failures": letter.failures,
        "failed_at": letter.failed_at.isoformat() if letter.failed_at else None,
        "replayed_at": letter.replayed_at.isoformat() if letter.replayed_at else None,
    }


@router.get("/deadletters", summary="Messages no subscriber could handle, oldest first.")
def list_dead_letters(request: Request) -> dict[str, Any]:
    ports: MaintenancePorts = request.app.state.deps.ports
    return {"deadletters": [_letter(letter) for letter in ports.records.dead_letters()]}


@router.post("/deadletters/{letter_id}/replay", summary="Republish to the original topic.")
async def replay_dead_letter(letter_id: LetterId, request: Request) -> dict[str, Any]:
    letter = await run_in_threadpool(call, handlers.replay, request.app.state.deps.ports, letter_id)
    if letter is None:
        raise NotFound(f"no dead letter {letter_id}")
    return _letter(letter)


@router.delete("/deadletters/{letter_id}", status_code=204, summary="Discard a dead letter.")
def delete_dead_letter(letter_id: LetterId, request: Request) -> Response:
    if not request.app.state.deps.ports.records.forget(letter_id):
        raise NotFound(f"no dead letter {letter_id}")
    return Response(status_code=204)


@router.get("/runs", summary="The latest maintenance runs and what each service reported.")
def list_runs(
    request: Request,
    job: str | None = Query(default=None, examples=["cleanup", "reconcile", "erasure"]),
    limit: int = Query(default=50, ge=1, le=500),
) -> dict[str, Any]:
    runs = request.app.state.deps.ports.records.runs(job=job, limit=limit)
    return {
        "runs": [
            {
                "id": run.id,
                "job": run.job,
                "started_at": run.started_at.isoformat(),
                "ended_at": run.ended_at.isoformat() if run.ended_at else None,
                "counts": counts,
            }
            for run, counts in runs
        ]
    }


def _order(view: OrderView) -> dict[str, Any]:
    return {
        "order_id": view.order_id,
        "user": view.user_masked,
        "stage": view.stage,
        "stage_at": view.stage_at.isoformat(),
        "first_at": view.first_at.isoformat(),
        "eta": view.eta.isoformat() if view.eta else None,
        "images": view.images,
        "expected": view.expected,
    }


@router.get("/orders", summary="Orders by stage, those longest at their stage first.")
def list_orders(
    request: Request,
    stage: str | None = Query(default=None, max_length=32, examples=["paid", "training"]),
    older_than: float | None = Query(
        default=None, ge=0, le=10**7, description="minutes at the stage, at least"
    ),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    ports: MaintenancePorts = request.app.state.deps.ports
    before = ports.clock() - timedelta(minutes=older_than) if older_than is not None else None
    views = ports.timeline.orders(stage=stage, before=before, limit=limit)
    return {"orders": [_order(view) for view in views]}


@router.get("/orders/stuck", summary="Orders that need a look, and why, stuck longest first.")
def list_stuck_orders(request: Request) -> dict[str, Any]:
    stuck = call(handlers.stuck_orders, request.app.state.deps.ports)
    return {"orders": [{**_order(view), "why": why} for view, why in stuck]}


@router.get("/orders/{order_id}", summary="One order's stage and every event about it, in order.")
def get_order(
    request: Request, order_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> dict[str, Any]:
    found = request.app.state.deps.ports.timeline.order(order_id)
    if found is None:
        raise NotFound(f"no order {order_id}")
    view, events = found
    timeline = [
        {"topic": e.topic, "source": e.source, "at": e.at.isoformat(), "event_id": e.event_id}
        for e in in_order(events)
    ]
    return {**_order(view), "timeline": timeline}
