"""Astria's callbacks. Astria never retries one, so answer fast and never lose one:
the token is checked first (constant time), then each tune and prompt counts once."""

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.image.handlers import prompts_reported, tune_trained
from services.image.ports import ImagePorts, Training
from shared import tracing
from shared.errors import Rejected, WrongToken
from shared.injection import call
from shared.webhook_body import parse_json, read_limited_body

MAX_CALLBACK_BYTES = 2 * 1024 * 1024

router = APIRouter(tags=["astria callbacks"])


def _authorised(
    request: Request, order_id: str = Query(default=""), token: str = Query(default="")
) -> tuple[Training, ImagePorts]:
    """One answer (401) for an unknown order and a wrong token: a caller without the
    token learns nothing, not even whether an order exists."""
    ports: ImagePorts = request.app.state.deps.ports
    training = ports.records.training(order_id) if order_id else None
    expected = training.token if training is not None else ""
    if training is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise WrongToken("unknown order or wrong token")
    return training, ports


Authorised = Annotated[tuple[Training, ImagePorts], Depends(_authorised)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "not plain JSON, or not a tune/prompt object"},
    401: {"description": "unknown order or wrong token (one answer for both)"},
}


async def _json(request: Request) -> Any:
    # Astria's content type is undocumented: read the bytes as JSON whatever it says.
    return parse_json(await read_limited_body(request, MAX_CALLBACK_BYTES))


def _unwrap(item: Any, key: str) -> dict[str, Any]:
    entity = item.get(key) if isinstance(item, dict) and isinstance(item.get(key), dict) else item
    if not isinstance(entity, dict) or "id" not in entity:
        raise Rejected(f"not a {key} object")
    return entity


@router.post(
    "/pack-tune-received",
    summary="Astria: the tune finished training",
    description=(
        'Body `{"tune": {...}}` (or the bare tune); `order_id` and `token` come in the query.'
    ),
    responses=RESPONSES,
)
async def pack_tune_received(request: Request, authorised: Authorised) -> JSONResponse:
    training, ports = authorised
    tune = _unwrap(await _json(request), "tune")
    with tracing.continuing(training.traceparent):  # the order's trace, and its log lines
        trained = await run_in_threadpool(call, tune_trained, ports, training, tune)
    return JSONResponse({"trained": trained})


@router.post(
    "/update-images",
    summary="Astria: a prompt finished, or (array body) all of the pack's prompts did",
    description='Body `{"prompt": {...}}`, a bare prompt, or the `prompts_callback` array.',
    responses=RESPONSES,
)
async def update_images(request: Request, authorised: Authorised) -> JSONResponse:
    training, ports = authorised
    body = await _json(request)
    all_done = isinstance(body, list)
    prompts = [_unwrap(item, "prompt") for item in (body if all_done else [body])]
    with tracing.continuing(training.traceparent):
        announced = await run_in_threadpool(
            call, prompts_reported, ports, training, prompts, all_done=all_done
        )
    return JSONResponse({"announced": announced})
