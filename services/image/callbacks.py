"""Astria's callbacks. Astria never retries one, so answer fast and never lose one:
the token is checked first (constant time), then each tune and prompt counts once."""

import hmac
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.image.handlers import ImageDeps, prompts_reported, tune_trained
from services.image.models import Training
from shared.errors import NotFound, Rejected, WrongToken
from shared.webhook_body import read_limited_body

MAX_CALLBACK_BYTES = 2 * 1024 * 1024

router = APIRouter(tags=["astria callbacks"])


def _authorised(request: Request, order_id: str, token: str) -> tuple[Training, ImageDeps]:
    deps: ImageDeps = request.app.state.deps.handlers
    training = deps.records.training(order_id) if order_id else None
    if training is None:
        raise NotFound("unknown order")
    if not hmac.compare_digest(token.encode(), training.token.encode()):
        raise WrongToken("wrong token")
    return training, deps


async def _json(request: Request) -> Any:
    # Astria's content type is undocumented: read the bytes as JSON whatever it says.
    raw = await read_limited_body(request, MAX_CALLBACK_BYTES)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected("body is not JSON") from exc


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
    responses={401: {"description": "wrong token"}, 404: {"description": "unknown order"}},
)
async def pack_tune_received(
    request: Request, order_id: str = Query(default=""), token: str = Query(default="")
) -> JSONResponse:
    training, deps = _authorised(request, order_id, token)
    tune = _unwrap(await _json(request), "tune")
    trained = await run_in_threadpool(tune_trained, training, tune, deps)
    return JSONResponse({"trained": trained})


@router.post(
    "/update-images",
    summary="Astria: a prompt finished, or (array body) all of the pack's prompts did",
    description='Body `{"prompt": {...}}`, a bare prompt, or the `prompts_callback` array.',
    responses={401: {"description": "wrong token"}, 404: {"description": "unknown order"}},
)
async def update_images(
    request: Request, order_id: str = Query(default=""), token: str = Query(default="")
) -> JSONResponse:
    training, deps = _authorised(request, order_id, token)
    body = await _json(request)
    all_done = isinstance(body, list)
    prompts = [_unwrap(item, "prompt") for item in (body if all_done else [body])]
    announced = await run_in_threadpool(
        prompts_reported, training, prompts, deps, all_done=all_done
    )
    return JSONResponse({"announced": announced})
