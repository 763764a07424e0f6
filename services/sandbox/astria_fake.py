"""Astria as the bot sees it: packs, pack tunes from multipart uploads, prompts, callbacks.

Astria publishes no OpenAPI document, so this follows its documentation page by page
(docs.astria.ai):
- `GET /packs`, `GET /p/:id` (`docs/api/2-pack/1-list.md`, `2-get.md`): Astria's own
  packs, not our catalogue's; only the single pack names its `cover_url`;
- `POST /p/:id/tunes` (`docs/api/2-pack/2-tunes/0-create.md`): multipart or JSON, a
  class the pack lacks refused with 422, the title as idempotency key, `tune_ids` to run
  the pack on a trained tune;
- `GET /tunes/:id`, `GET /tunes/:id/prompts`, `GET /prompts/:id` (`docs/api/0-tune`,
  `docs/api/1-prompt`): `trained_at` as the done flag, `expires_at` a month after;
- `DELETE /tunes/:id` (`docs/api/0-tune/5-delete.md`): "200 OK" with no body;
- callbacks (`docs/api/0-tune/1-create.md`): wrapped bodies (`{"tune": …}`,
  `{"prompt": …}`), one per prompt, then the `prompts_callback` array; never retried.
Training takes a configurable delay; the generated images are real JPEGs styled from the
uploaded photos, served by the sandbox. Knobs make a callback never arrive, or arrive
twice, and a create fail.
"""

import asyncio
import contextlib
import hmac
import io
import itertools
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from PIL import Image, ImageFilter, ImageOps
from starlette.datastructures import UploadFile

from services.sandbox.addresses import provider_base
from services.sandbox.outages import Outage
from services.sandbox.samples import COUNT, sample

router = APIRouter(prefix="/astria", tags=["fake astria"])


@dataclass
class AstriaState:
    tunes: dict[int, dict[str, Any]] = field(default_factory=dict)
    prompts: dict[int, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[int, list[bytes]] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    deleted_tunes: list[int] = field(default_factory=list)
    knobs: dict[str, Any] = field(
        default_factory=lambda: {
            "train_seconds": 2.0,
            "drop_callbacks": False,  # Astria's callbacks are never retried: test the fallback
            "duplicate_prompt_callbacks": False,
            "fail_creates": 0,  # the next N pack-tune creates answer 500
            "fail_prompts": 0,  # the next N prompts end with a user_error and no images
            # Each portrait's size in MB, between the two (Astria's are 2 to 10 MB); 0 for
            # small ones. The sandbox's setting ASTRIA_PORTRAIT_MEGABYTES decides at start.
            "portrait_megabytes": [0, 0],
        }
    )
    outage: Outage = field(default_factory=Outage)  # creates answer 503, or hang
    ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1000))
    lock: threading.Lock = field(default_factory=threading.Lock)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _authorised(request: Request) -> bool:
    key = request.app.state.deps.astria_api_key
    return hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {key}")


def _state(request: Request) -> AstriaState:
    return request.app.state.deps.store.astria  # type: ignore[no-any-return]


@dataclass(frozen=True)
class AstriaPack:
    """A pack as Astria defines it, not as our catalogue sells it: for each class its
    prompts, each with the images it makes."""

    id: int
    slug: str
    title: str
    prompts: dict[str, tuple[int, ...]]  # class -> each prompt's num_images
    cost: int  # `costs[class].cost` (Astria states no unit)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.prompts)

    def described(self) -> dict[str, Any]:
        """`GET /p/:id` (docs.astria.ai docs/api/2-pack/2-get.md), without the cover."""
        return {
            "id": self.id,
            "slug": self.slug,
            "title": self.title,
            "costs": {
                c: {"cost": self.cost, "num_images": sum(n)} for c, n in self.prompts.items()
            },
            "prompts_per_class": {
                c: [{"id": 50_000 + i, "images": [], "num_images": k} for i, k in enumerate(n)]
                for c, n in self.prompts.items()
            },
        }


PEOPLE = ("woman", "man", "boy", "girl")
PACKS = (
    # Astria's Corporate Headshots as its docs show `GET /p/260`: 35 prompts for a woman,
    # 28 for a man, one portrait each.
    AstriaPack(
        260,
        "corporate-headshots",
        "Corporate Headshots",
        {"woman": (1,) * 35, "man": (1,) * 28},
        360,
    ),
    # The sandbox's own packs (ids Astria does not have): fewer prompts of several images.
    AstriaPack(261, "fantasy-heroes", "Fantasy Heroes", dict.fromkeys(PEOPLE, (4, 4, 4)), 360),
    AstriaPack(262, "pet-portraits", "Pet Portraits", dict.fromkeys(("dog", "cat"), (4, 4)), 200),
)


def _find_pack(pack_id: str) -> AstriaPack | None:
    return next((p for p in PACKS if pack_id in (str(p.id), p.slug)), None)


@router.get("/packs")
def packs(request: Request) -> Response:
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    return JSONResponse([p.described() for p in PACKS])


@router.get("/p/{pack_id}")
def pack(pack_id: str, request: Request) -> Response:
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    found = _find_pack(pack_id)
    if found is None:
        return _error(404, {"error": "Not found"})
    # Only the single pack carries its cover (Astria's `GET /p/:id` docs); Astria's is on
    # S3, ours where the services reach the sandbox.
    cover = f"{provider_base(request)}/astria/covers/{found.id}.jpg"
    return JSONResponse({**found.described(), "cover_url": cover})


@router.get("/covers/{pack_id}.jpg", include_in_schema=False)
def cover(pack_id: str) -> Response:
    found = _find_pack(pack_id)
    if found is None:
        return Response(status_code=404)
    return Response(_cover(found.slug), media_type="image/jpeg")


@cache
def _cover(pack_slug: str) -> bytes:
    """A pack's cover: a sample selfie in the pack's own look."""
    return _styled(sample(sum(map(ord, pack_slug)) % COUNT), 0, pack_slug)


async def _tune_request(request: Request) -> tuple[dict[str, Any], list[bytes]]:
    """Multipart with bracket keys, or JSON with the root key `tune`."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = (await request.json()).get("tune") or {}
        attributes = body.get("prompt_attributes") or {}
        return {**body, "prompt_callback": attributes.get("callback")}, []
    form = await request.form()
    fields: dict[str, Any] = {}
    files: list[bytes] = []
    for key, value in form.multi_items():
        if key == "tune[images][]" and isinstance(value, UploadFile):
            files.append(await value.read())
        elif key == "tune[prompt_attributes][callback]":
            fields["prompt_callback"] = str(value)
        elif key == "tune[tune_ids][]":
            fields.setdefault("tune_ids", []).append(str(value))
        elif key.startswith("tune[") and key.endswith("]") and "][" not in key:
            fields[key[5:-1]] = str(value)
    return fields, files


@router.post("/p/{pack_id}/tunes")
async def create_pack_tune(pack_id: str, request: Request) -> Response:
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    state = _state(request)
    found = _find_pack(pack_id)
    if found is None:
        return _error(404, {"error": "Pack not found"})
    if await state.outage.strikes(request.app.state.deps.clock().timestamp()):
        return _error(503, {"error": "Service Unavailable"})
    if int(state.knobs["fail_creates"]) > 0:
        state.knobs["fail_creates"] = int(state.knobs["fail_creates"]) - 1
        return _error(500, {"error": "Internal Server Error"})
    fields, files = await _tune_request(request)
    if fields.get("tune_ids"):
        return _run_on_tunes(request, state, found, fields)
    problems: dict[str, list[str]] = {}
    for name in ("title", "name"):
        if not fields.get(name):
            problems[name] = ["can't be blank"]
    if not files and not fields.get("image_urls"):
        problems["images"] = ["must contain at least one image"]
    if fields.get("name") and fields["name"] not in found.classes:
        problems["name"] = [f"is not supported by this pack ({', '.join(found.classes)})"]
    if problems:
        return _error(422, problems)
    with state.lock:
        state.requests.append({**fields, "pack_id": pack_id, "image_count": len(files)})
        existing = next((t for t in state.tunes.values() if t["title"] == fields["title"]), None)
        if existing is not None:  # idempotency on the title
            return JSONResponse(existing, status_code=201)
        tune_id = next(state.ids)
        base = provider_base(request)
        now = request.app.state.deps.clock()
        stamp = _iso(now)
        tune = {
            "id": tune_id,
            "title": fields["title"],
            "name": fields["name"],
            "token": "ohwx",
            "branch": fields.get("branch") or "flux1",
            "model_type": "lora",
            "base_tune_id": 1504944,
            "callback": fields.get("callback"),
            "eta": _iso(now + timedelta(seconds=float(state.knobs["train_seconds"]))),
            "started_training_at": stamp,
            "trained_at": None,
            "expires_at": None,
            "created_at": stamp,
            "updated_at": stamp,
            "url": f"{base}/astria/tunes/{tune_id}.json",
            "orig_images": [f"{base}/astria/uploads/{tune_id}/{i}" for i in range(len(files))],
            "ckpt_url": None,
        }
        state.tunes[tune_id] = tune
        state.uploads[tune_id] = files
        prompt_ids = _add_prompts(state, tune, found, fields.get("prompt_callback"), base, stamp)
    asyncio.get_running_loop().create_task(
        _train(request.app.state, tune_id, prompt_ids, fields.get("prompts_callback"), base, found)
    )
    return JSONResponse(tune, status_code=201)


def _add_prompts(
    state: AstriaState,
    tune: dict[str, Any],
    pack: AstriaPack,
    callback: str | None,
    base: str,
    stamp: str,
) -> list[int]:
    """The pack's prompts for a tune (call with the state's lock held)."""
    ids = []
    for count in pack.prompts[tune["name"]]:
        prompt_id = next(state.ids)
        state.prompts[prompt_id] = {
            "id": prompt_id,
            "tune_id": 1504944,  # Flux prompts run on the base tune (reference §3)
            "text": f"<lora:{tune['id']}:1> ohwx {tune['name']} — {pack.slug}",
            "num_images": count,
            "callback": callback,
            "images": [],
            "trained_at": None,
            "created_at": stamp,
            "updated_at": stamp,
            "pack_tune_id": tune["id"],
            "url": f"{base}/astria/prompts/{prompt_id}.json",
        }
        ids.append(prompt_id)
    return ids


def _run_on_tunes(
    request: Request, state: AstriaState, pack: AstriaPack, fields: dict[str, Any]
) -> Response:
    """`tune[tune_ids][]`: the pack's prompts on a trained tune, no new tune and no
    training. The same parameters again (the callback names our order) make nothing new,
    as Astria's idempotency does (its prompt docs, `docs/api/1-prompt/1-create.md`)."""
    tune_ids = [int(t) for t in fields["tune_ids"]]
    tune = state.tunes.get(tune_ids[0]) if len(tune_ids) == 1 else None
    if tune is None:
        return _error(422, {"tune_ids": ["must be one of your tunes"]})
    if not tune["trained_at"]:
        return _error(422, {"tune_ids": ["is not trained yet"]})
    if tune["name"] not in pack.classes:
        return _error(422, {"name": [f"is not supported by this pack ({', '.join(pack.classes)})"]})
    callback = fields.get("prompt_callback")
    base = provider_base(request)
    with state.lock:
        state.requests.append({"pack_id": pack.slug, "tune_ids": tune_ids, "callback": callback})
        again = [p["id"] for p in state.prompts.values() if callback and p["callback"] == callback]
        if again:
            return JSONResponse({"status": 201, "prompt_ids": again}, status_code=201)
        stamp = _iso(request.app.state.deps.clock())
        prompt_ids = _add_prompts(state, tune, pack, callback, base, stamp)
    asyncio.get_running_loop().create_task(
        _run_prompts(request.app.state, tune["id"], prompt_ids, pack, base)
    )
    return JSONResponse({"status": 201, "prompt_ids": prompt_ids}, status_code=201)


# A portrait at full size is about this many bytes a pixel (JPEG at quality 92, with the
# grain a generated picture has): measured, 12 megapixels make 4.8 MB.
BYTES_PER_PIXEL = 0.4


@lru_cache(maxsize=24)
def _portrait_variant(source: bytes, variant: int, pack_slug: str, megabytes: float) -> bytes:
    small = _styled(source, variant, pack_slug)
    if megabytes <= 0:
        return small
    styled = Image.open(io.BytesIO(small))
    scale = math.sqrt(megabytes * 1_000_000 / BYTES_PER_PIXEL / (styled.width * styled.height))
    size = (round(styled.width * scale), round(styled.height * scale))
    big = styled.resize(size, Image.Resampling.BILINEAR)
    grain = Image.effect_noise(size, 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(big, grain, 0.25).save(out, format="JPEG", quality=92)
    return out.getvalue()


def _portrait(source: bytes, serial: int, pack_slug: str, megabytes: float) -> bytes:
    """A portrait of about `megabytes` (a small one for 0). Large ones take a second to
    make, so a few variants are made and the same bytes serve several portraits."""
    return _portrait_variant(source, serial % 3, pack_slug, round(megabytes, 1))


def _styled(source: bytes, index: int, pack_slug: str) -> bytes:
    """A plausible 'portrait': the person's own photo, restyled per pack."""
    image = Image.open(io.BytesIO(source)).convert("RGB")
    image.thumbnail((768, 768))
    looks: dict[str, list[Callable[[Image.Image], Image.Image]]] = {
        "corporate-headshots": [
            lambda im: ImageOps.autocontrast(ImageOps.grayscale(im)).convert("RGB")
        ],
        "fantasy-heroes": [
            lambda im: ImageOps.posterize(im, 3),
            lambda im: im.filter(ImageFilter.EMBOSS),
        ],
        "pet-portraits": [
            lambda im: im.filter(ImageFilter.CONTOUR),
            lambda im: ImageOps.solarize(im, 160),
        ],
    }
    chosen = looks.get(pack_slug, [ImageOps.equalize])
    styled = chosen[index % len(chosen)](image)
    styled = ImageOps.expand(styled, border=16, fill=(255, 255, 255))
    out = io.BytesIO()
    styled.save(out, format="JPEG", quality=85)
    return out.getvalue()


async def _post(client: httpx.AsyncClient, url: str | None, body: Any) -> None:
    if not url:
        return
    with contextlib.suppress(httpx.HTTPError):  # Astria does not retry a failed callback
        await client.post(
            url,
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
            timeout=15,
        )


async def _train(
    app_state: Any,
    tune_id: int,
    prompt_ids: list[int],
    prompts_callback: str | None,
    base: str,
    pack: AstriaPack,
) -> None:
    state: AstriaState = app_state.deps.store.astria
    await asyncio.sleep(float(state.knobs["train_seconds"]))
    tune = state.tunes[tune_id]
    trained = app_state.deps.clock()
    tune.update(
        trained_at=_iso(trained),
        expires_at=_iso(trained + timedelta(days=30)),
        updated_at=_iso(trained),
        ckpt_url="https://sdbooth2-production.s3.amazonaws.com/mock",
    )
    if not state.knobs["drop_callbacks"]:
        await _post(app_state.deps.http, tune["callback"], {"tune": tune})
    finished = await _run_prompts(app_state, tune_id, prompt_ids, pack, base)
    if not state.knobs["drop_callbacks"]:
        await _post(app_state.deps.http, prompts_callback, finished)


async def _run_prompts(
    app_state: Any, tune_id: int, prompt_ids: list[int], pack: AstriaPack, base: str
) -> list[dict[str, Any]]:
    """Make each prompt's images from the tune's photos and call each prompt back."""
    state: AstriaState = app_state.deps.store.astria
    drop = bool(state.knobs["drop_callbacks"])
    uploads = state.uploads.get(tune_id) or []
    finished = []
    serial = len([name for name in state.images if name.startswith(f"{tune_id}-")])
    for prompt in [state.prompts[prompt_id] for prompt_id in prompt_ids]:
        if int(state.knobs["fail_prompts"]) > 0:
            state.knobs["fail_prompts"] = int(state.knobs["fail_prompts"]) - 1
            failed_at = _iso(app_state.deps.clock())
            error = "Sandbox: this prompt failed, as asked"
            prompt.update(images=[], user_error=error, updated_at=failed_at)
            finished.append(prompt)
            if not drop:
                await _post(app_state.deps.http, prompt["callback"], {"prompt": prompt})
            continue
        urls = []
        low, high = (float(mb) for mb in state.knobs["portrait_megabytes"])
        for _ in range(prompt["num_images"]):
            name = f"{tune_id}-{prompt['id']}-{serial}"
            megabytes = low + (high - low) * ((serial * 7) % 9) / 8  # spread across the range
            source = uploads[serial % len(uploads)] if uploads else b""
            state.images[name] = (
                await asyncio.to_thread(_portrait, source, serial, pack.slug, megabytes)
                if source
                else b""
            )
            urls.append(f"{base}/astria/images/{name}.jpg")
            serial += 1
        done_at = _iso(app_state.deps.clock())
        prompt.update(images=urls, trained_at=done_at, updated_at=done_at)
        finished.append(prompt)
        if not drop:
            await _post(app_state.deps.http, prompt["callback"], {"prompt": prompt})
            if state.knobs["duplicate_prompt_callbacks"]:
                await _post(app_state.deps.http, prompt["callback"], {"prompt": prompt})
    return finished


@router.get("/tunes")
def list_tunes(request: Request) -> Response:
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    return JSONResponse(sorted(_state(request).tunes.values(), key=lambda t: -int(t["id"])))


@router.get("/tunes/{tune_id}")
def get_tune(tune_id: str, request: Request) -> Response:
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    tune = _state(request).tunes.get(
        int(tune_id.removesuffix(".json")) if tune_id.removesuffix(".json").isdigit() else -1
    )
    return JSONResponse(tune) if tune else _error(404, {"error": "Not found"})


@router.delete("/tunes/{tune_id}")
def delete_tune(tune_id: str, request: Request) -> Response:
    """The tune goes with its model, training pictures, prompts and generated images."""
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    state = _state(request)
    key = tune_id.removesuffix(".json")
    tune = state.tunes.pop(int(key), None) if key.isdigit() else None
    if tune is None:
        return _error(404, {"error": "Not found"})
    state.deleted_tunes.append(tune["id"])
    state.uploads.pop(tune["id"], None)
    for prompt_id, prompt in list(state.prompts.items()):
        if prompt["pack_tune_id"] == tune["id"]:
            del state.prompts[prompt_id]
            for url in prompt.get("images") or []:
                state.images.pop(str(url).rsplit("/", 1)[-1].removesuffix(".jpg"), None)
    # Astria's page for it (docs/api/0-tune/5-delete.md) documents "200 OK" and no body.
    return Response(status_code=200)


@router.get("/tunes/{tune_id}/prompts")
def tune_prompts(tune_id: int, request: Request) -> Response:
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    return JSONResponse(
        [p for p in _state(request).prompts.values() if p["pack_tune_id"] == tune_id]
    )


@router.get("/prompts/{prompt_id}")
def get_prompt(prompt_id: str, request: Request) -> Response:
    if not _authorised(request):
        return _error(401, {"error": "Unauthorized"})
    key = prompt_id.removesuffix(".json")
    prompt = _state(request).prompts.get(int(key)) if key.isdigit() else None
    return JSONResponse(prompt) if prompt else _error(404, {"error": "Not found"})


@router.get("/images/{name}.jpg", include_in_schema=False)
def generated_image(name: str, request: Request) -> Response:
    data = _state(request).images.get(name)
    return Response(data, media_type="image/jpeg") if data else Response(status_code=404)
