"""Use cases of the image service; each names the ports it uses (shared/injection.py)."""

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from services.image.domain import portraits, previews
from services.image.domain.links import signed_url, valid
from services.image.domain.photos import Limits, PhotoRejected, check
from services.image.domain.portraits import Copy
from services.image.ports import (
    Announce,
    AnnounceCopies,
    Astria,
    AstriaPacks,
    AstriaRefused,
    AstriaTimedOut,
    Blobs,
    Fetcher,
    ImageRecords,
    Links,
    MediaRefused,
    MediaTooLarge,
    NewPhoto,
    NewTraining,
    PackTune,
    Training,
)
from shared.clock import Clock
from shared.dapr.ports import Publisher
from shared.errors import NotFound, Rejected, Transient
from shared.events import image, maintenance, message, payment
from shared.events.base import Outgoing
from shared.json_logs import mask_phone
from shared.metrics import ORDERS, PHOTO_REFUSALS
from shared.packs import PETS, SUBJECT_CLASSES, Catalogue, Pack

log = logging.getLogger(__name__)


def user_folder(user: str) -> str:
    """Blob folders carry no phone numbers."""
    return hashlib.sha256(user.encode()).hexdigest()[:24]


# --- photo intake ----------------------------------------------------------------------------


def handle_photo_submitted(
    event: message.PhotoSubmitted,
    *,
    records: ImageRecords,
    media: Fetcher,
    blobs: Blobs,
    limits: Limits,
    publisher: Publisher,
) -> None:
    """Idempotent on message id + media index: a redelivery finds the photo checked."""
    photo = records.photo(event.message_id, event.media_index)
    if photo is None:
        photo = records.add_photo(_check_and_store(event, records, media, blobs, limits))
        if not photo.accepted:
            PHOTO_REFUSALS.labels(photo.reason or "unknown").inc()
    checked = image.PhotoChecked(
        user=event.user,
        message_id=event.message_id,
        media_index=event.media_index,
        accepted=photo.accepted,
        reason=photo.reason,
        photo_set=photo.photo_set,
    )
    key = f"photo.checked-{event.message_id}-{event.media_index}"
    publisher.publish(checked, event_id=key)


def _check_and_store(
    event: message.PhotoSubmitted,
    records: ImageRecords,
    media: Fetcher,
    blobs: Blobs,
    limits: Limits,
) -> NewPhoto:
    row = NewPhoto(
        user_address=event.user,
        message_id=event.message_id,
        media_index=event.media_index,
        photo_set=event.photo_set,
        channel=event.channel.value,
        media_reference=event.media_reference,
    )
    try:
        data = media.fetch(event.channel.value, event.media_reference)
        known = records.fingerprints(event.user, event.photo_set)
        normalised = check(data, limits=limits, known=known, faces=event.subject not in PETS)
    except MediaTooLarge:
        row.accepted, row.reason = False, image.PhotoRefusal.TOO_LARGE.value
        return row
    except MediaRefused as exc:
        log.warning("media refused", extra={"user": mask_phone(event.user), "why": str(exc)})
        row.accepted, row.reason = False, image.PhotoRefusal.DOWNLOAD_FAILED.value
        return row
    except PhotoRejected as exc:
        row.accepted, row.reason = False, exc.reason.value
        return row
    name = f"photos/{user_folder(event.user)}/{event.message_id}-{event.media_index}.jpg"
    blobs.put(name, normalised.jpeg)
    row.accepted, row.blob_name = True, name
    row.fingerprint = f"{normalised.fingerprint:016x}"
    row.width, row.height = normalised.width, normalised.height
    return row


# --- training --------------------------------------------------------------------------------


def callback_url(callback_base: str, path: str, training: Training) -> str:
    query = urlencode({"order_id": training.order_id, "token": training.token})
    return f"{callback_base.rstrip('/')}{path}?{query}"


def handle_payment_completed(
    event: payment.PaymentCompleted,
    *,
    catalogue: Catalogue,
    records: ImageRecords,
    blobs: Blobs,
    astria: Astria,
    astria_packs: AstriaPacks,
    publisher: Publisher,
    clock: Clock,
    callback_base: str,
    astria_branch: str | None,
) -> None:
    """Idempotent on the order id, which is also Astria's title for the tune."""
    pack = catalogue.get(event.pack_code)
    if pack is None:
        raise Rejected(f"unknown pack {event.pack_code!r}")
    known = records.training(event.order_id)
    # What the order will get is what Astria's pack makes of the subject, read once, now.
    expected = known.expected_images if known else astria_packs.images(pack, event.subject)
    training = known or records.add_training(
        NewTraining(
            order_id=event.order_id,
            user_address=event.user,
            pack_code=pack.code,
            subject=event.subject,
            photo_set=event.photo_set,
            token=secrets.token_urlsafe(24),
            status="submitted",
            expected_images=expected or 0,
            delivered_images=0,
            restyle_of=event.restyle_of,
        )
    )
    if expected is None and training.status != "failed":
        why = f"Astria's pack {pack.astria_pack_id} makes no {event.subject!r}"
        training = records.update_training(training.order_id, _failed, status="failed", failure=why)
    if training.tune_id is None and training.status != "failed":
        tune = _trained_tune(training, records, astria)
        if tune is not None:
            _restyle(training, tune, pack.astria_pack_id, records, astria, clock, callback_base)
        else:
            submit = Submission(records, blobs, astria, clock, callback_base, astria_branch)
            submit(training, pack.astria_pack_id)
    # What the submission staged (started, or failed so the order is refunded); on a
    # redelivery, whatever an earlier attempt could not publish.
    records.outbox.flush(publisher)


def _trained_tune(training: Training, records: ImageRecords, astria: Astria) -> str | None:
    """For a re-style, the earlier order's tune if Astria still has it trained; None means
    a new training (a new order, or a tune Astria no longer has: then its photos train
    again, as the person was told a model lasts 30 days)."""
    earlier = records.training(training.restyle_of) if training.restyle_of else None
    if earlier is None or earlier.user_address != training.user_address or not earlier.tune_id:
        return None
    try:
        tune = astria.get_tune(earlier.tune_id)
    except AstriaRefused:  # 404: deleted or expired at Astria
        tune = {}
    if not tune.get("trained_at"):
        log.warning(
            "re-style without its tune: training anew", extra={"order_id": training.order_id}
        )
        return None
    return earlier.tune_id


def _restyle(
    training: Training,
    tune_id: str,
    pack_id: int | str,
    records: ImageRecords,
    astria: Astria,
    clock: Clock,
    callback_base: str,
) -> Training:
    """The pack's prompts on the person's trained tune: no photos sent, nothing trained."""
    callback = callback_url(callback_base, "/update-images", training)
    try:
        astria.run_pack_on_tune(pack_id, tune_id, callback)
    except AstriaRefused as exc:
        log.error("astria refused the re-style", extra={"order_id": training.order_id})
        return records.update_training(
            training.order_id, _failed, status="failed", failure=str(exc)
        )
    log.info("re-style started", extra={"order_id": training.order_id, "tune_id": tune_id})
    return records.update_training(
        training.order_id, _started(clock), tune_id=tune_id, status="trained"
    )


def _started(clock: Clock) -> Announce:
    def announce(training: Training) -> list[Outgoing]:
        eta_minutes = None
        if training.eta is not None:
            eta_minutes = max(1, round((training.eta - clock()).total_seconds() / 60))
        started = image.TuneStarted(
            order_id=training.order_id,
            user=training.user_address,
            tune_id=str(training.tune_id),
            eta_minutes=eta_minutes,
            expected=training.expected_images or None,
        )
        ORDERS.labels("training").inc()
        return [Outgoing(started, f"tune.started-{training.order_id}")]

    return announce


def _failed(training: Training) -> list[Outgoing]:
    ORDERS.labels("failed").inc()
    failed = image.TuneFailed(
        order_id=training.order_id, user=training.user_address, reason=training.failure or ""
    )
    return [Outgoing(failed, f"tune.failed-{training.order_id}")]


def _after(value: object, moment: datetime) -> bool:
    created = _parse_time(value)
    return created is not None and created >= moment.replace(microsecond=0)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Submission:
    """Sending an order's photos to Astria as a pack tune, once: what it takes."""

    records: ImageRecords
    blobs: Blobs
    astria: Astria
    clock: Clock
    callback_base: str  # our public URL, as Astria must call it
    branch: str | None

    def __call__(self, training: Training, pack_id: int | str) -> Training:
        records, astria = self.records, self.astria
        photos = records.accepted_photos(training.user_address, training.photo_set)
        if not photos:
            return records.update_training(
                training.order_id, _failed, status="failed", failure="no photos"
            )
        images = [(f"{i:02d}.jpg", self.blobs.get(str(p.blob_name))) for i, p in enumerate(photos)]
        request = PackTune(
            pack_id=pack_id,
            title=training.order_id,  # Astria's idempotency key
            name=training.subject,
            images=images,
            callback=callback_url(self.callback_base, "/pack-tune-received", training),
            prompt_callback=callback_url(self.callback_base, "/update-images", training),
            prompts_callback=callback_url(self.callback_base, "/update-images", training),
            branch=self.branch,
        )
        try:
            tune = astria.create_pack_tune(request)
        except AstriaTimedOut:
            # Probably created: find it by its title before any new attempt.
            found = astria.find_tune(training.order_id)
            if found is None:
                raise
            tune = found
        except AstriaRefused as exc:
            why = {"order_id": training.order_id, "why": str(exc)}
            log.error("astria refused the tune", extra=why)
            return records.update_training(
                training.order_id, _failed, status="failed", failure=str(exc)
            )
        log.info("tune created", extra={"order_id": training.order_id, "tune_id": tune["id"]})
        return records.update_training(
            training.order_id,
            _started(self.clock),
            tune_id=str(tune["id"]),
            eta=_parse_time(tune.get("eta")),
            status="training",
        )


# --- Astria's callbacks ----------------------------------------------------------------------


def tune_trained(
    training: Training, tune: dict[str, Any], *, records: ImageRecords, publisher: Publisher
) -> bool:
    """Record a trained tune and announce it once; False when it is not trained yet."""
    if not tune.get("trained_at"):
        return False
    trained = image.TuneTrained(
        order_id=training.order_id,
        user=training.user_address,
        tune_id=str(tune.get("id", training.tune_id)),
        expires_at=_parse_time(tune.get("expires_at")),
    )
    announcement = Outgoing(trained, f"tune.trained-{training.order_id}")
    records.mark_trained(training.order_id, _parse_time(tune.get("trained_at")), announcement)
    _announce(records, publisher)
    return True


def prompts_reported(
    training: Training,
    prompts: list[dict[str, Any]],
    *,
    all_done: bool,
    records: ImageRecords,
    publisher: Publisher,
    links: Links,
    clock: Clock,
) -> int:
    """Record each settled prompt once and announce it to ourselves (prompt.settled): its
    portraits are kept by handle_prompt_settled, so Astria's callback is answered without
    waiting for any download. When Astria says every prompt has reported, the order ends
    with the last copies kept, or now if they all are."""
    announced = 0
    settled = records.settled_prompts(training.order_id)
    for prompt in prompts:
        images = [str(url) for url in prompt.get("images") or []]
        error = prompt.get("user_error")
        prompt_id = str(prompt["id"])
        if (not images and not error) or prompt_id in settled:
            continue  # not settled yet, or recorded already
        if records.add_prompt_result(
            training.order_id,
            prompt_id,
            images,
            str(error) if error else None,
            _settled(prompt_id, images),
        ):
            announced += bool(images)
            extra = {"order_id": training.order_id, "prompt": prompt_id, "images": len(images)}
            log.info("prompt settled", extra=extra)
            if error:
                log.warning(
                    "prompt failed",
                    extra={"order_id": training.order_id, "prompt": prompt_id, "error": error},
                )
    until = clock() + timedelta(days=links.days)
    if all_done and records.all_reported(training.order_id, _closed_short(links, until)):
        announced += 1
    _announce(records, publisher)
    return announced


def _settled(prompt_id: str, images: list[str]) -> Announce:
    def announce(training: Training) -> list[Outgoing]:
        settled = image.PromptSettled(
            order_id=training.order_id,
            user=training.user_address,
            prompt_id=prompt_id,
            image_urls=tuple(images),
        )
        return [Outgoing(settled, f"prompt.settled-{training.order_id}-{prompt_id}")]

    return announce


def handle_prompt_settled(
    event: image.PromptSettled,
    *,
    records: ImageRecords,
    publisher: Publisher,
    media: Fetcher,
    blobs: Blobs,
    links: Links,
    clock: Clock,
) -> None:
    """Keep our copy of each of a prompt's portraits, then announce them (images.ready),
    once. A download that fails now raises Transient: Dapr delivers the event again."""
    training = records.training(event.order_id)
    if training is None or event.prompt_id not in records.pending_prompts(event.order_id):
        return  # kept already, or the person was erased meanwhile
    _keep_prompt(training, event.prompt_id, event.image_urls, records, media, blobs, links, clock)
    _announce(records, publisher)


def _keep_prompt(
    training: Training,
    prompt_id: str,
    urls: Sequence[str],
    records: ImageRecords,
    media: Fetcher,
    blobs: Blobs,
    links: Links,
    clock: Clock,
) -> None:
    copies = _keep(training, prompt_id, tuple(urls), media=media, blobs=blobs)
    until = clock() + timedelta(days=links.days)
    staged = records.keep_copies(
        training.order_id, prompt_id, copies, _images_ready(prompt_id, copies, links, until)
    )
    if staged is None and records.training(training.order_id) is None:
        # The person was erased while we downloaded: what we just stored goes too.
        for name in {name for copy in copies for name in (copy.full, copy.send)}:
            blobs.delete(name)
    elif staged is not None:
        extra = {"order_id": training.order_id, "prompt": prompt_id, "images": len(copies)}
        log.info("portraits kept", extra=extra)


def _keep(
    training: Training, prompt_id: str, urls: tuple[str, ...], *, media: Fetcher, blobs: Blobs
) -> list[Copy]:
    """Our copy of each image, under a name without the person's number. An image Astria's
    URL does not give (refused, not a picture) is left out, and so not paid for."""
    copies = []
    base = f"portraits/{user_folder(training.user_address)}/{training.order_id}/{prompt_id}"
    for index, url in enumerate(urls):
        try:
            data = media.download(url)
            extension = portraits.extension_of(data)
        except (MediaRefused, portraits.NotAPortrait) as exc:
            why = {"order_id": training.order_id, "prompt": prompt_id, "why": str(exc)}
            log.error("portrait not kept", extra=why)
            continue
        full = f"{base}-{index}.{extension}"
        blobs.put(full, data)
        small = portraits.for_whatsapp(data, extension)
        send = full if small is None else f"{base}-{index}.whatsapp.jpg"
        if small is not None:
            blobs.put(send, small)
        copies.append(Copy(full=full, send=send))
    return copies


def portrait_url(links: Links, name: str, until: datetime) -> str:
    return signed_url(links.base, links.key, f"/{name}", until)


def document_url(links: Links, full: str, until: datetime) -> str:
    """The full file as a PDF document; the name ends in .pdf, which Twilio shows."""
    return signed_url(links.base, links.key, f"/documents/{full}.pdf", until)


def gallery_url(links: Links, order_id: str, until: datetime) -> str:
    return signed_url(links.base, links.key, f"/gallery/{order_id}", until)


def _images_ready(
    prompt_id: str, copies: list[Copy], links: Links, until: datetime
) -> AnnounceCopies:
    """What a settled prompt announces: our copies, and the order's end if it completes it."""

    def announce(current: Training, completes: bool) -> list[Outgoing]:
        if not copies and not completes:
            return []
        ready = image.ImagesReady(
            order_id=current.order_id,
            user=current.user_address,
            prompt_id=prompt_id,
            image_urls=tuple(portrait_url(links, c.send, until) for c in copies),
            file_urls=tuple(document_url(links, c.full, until) for c in copies),
            complete=completes,
            total=current.delivered_images if completes else None,
            gallery_url=gallery_url(links, current.order_id, until) if completes else None,
            links_expire_at=until,
        )
        key = f"images.ready-{current.order_id}-{prompt_id}"
        done = [_order_completed(current)] if completes else []
        return [Outgoing(ready, key), *done]

    return announce


def _closed_short(links: Links, until: datetime) -> Announce:
    """Every prompt reported without reaching the pack's count: the order ends anyway."""

    def announce(current: Training) -> list[Outgoing]:
        ready = image.ImagesReady(
            order_id=current.order_id,
            user=current.user_address,
            prompt_id="all",
            image_urls=(),
            complete=True,
            total=current.delivered_images,
            gallery_url=gallery_url(links, current.order_id, until),
            links_expire_at=until,
        )
        key = f"images.ready-{current.order_id}-all"
        return [Outgoing(ready, key), _order_completed(current)]

    return announce


def _order_completed(training: Training) -> Outgoing:
    ORDERS.labels("delivered").inc()
    done = image.OrderCompleted(
        order_id=training.order_id,
        user=training.user_address,
        images=training.delivered_images,
        expected=training.expected_images,
    )
    return Outgoing(done, f"order.completed-{training.order_id}")


def _announce(records: ImageRecords, publisher: Publisher) -> None:
    """Publish what the callbacks staged. Astria never retries a callback, so a broker
    that is down now only delays the news: the reconcile tick publishes it later."""
    try:
        records.outbox.flush(publisher)
    except Transient:
        log.warning("announcements staged; the next flush publishes them")


# --- reconciliation: Astria never retries a callback -----------------------------------------


def handle_reconcile(
    event: maintenance.ReconcileRequested,
    *,
    records: ImageRecords,
    astria: Astria,
    publisher: Publisher,
    media: Fetcher,
    blobs: Blobs,
    links: Links,
    clock: Clock,
) -> None:
    """Poll Astria for orders whose callbacks are overdue; publish what they would have.

    The same code and event ids as the callbacks, so nothing is announced twice.
    """
    # First what earlier callbacks staged while the broker was unreachable.
    records.outbox.flush(publisher)
    cutoff = event.requested_at - timedelta(minutes=event.overdue_after_minutes)
    for training in records.unfinished(older_than=cutoff):
        tune = astria.get_tune(str(training.tune_id))
        if not tune_trained(training, tune, records=records, publisher=publisher):
            continue
        prompts = astria.prompts(str(training.tune_id))
        if training.restyle_of:
            # The tune carries the earlier orders' prompts too: this order's came after it.
            prompts = [p for p in prompts if _after(p.get("created_at"), training.created_at)]
        settled = [p for p in prompts if p.get("images") or p.get("user_error")]
        current = records.training(training.order_id) or training
        all_done = bool(prompts) and len(settled) == len(prompts)
        prompts_reported(
            current,
            settled,
            all_done=all_done,
            records=records,
            publisher=publisher,
            links=links,
            clock=clock,
        )
        # Portraits whose prompt.settled has not been heard yet, or whose delivery gave up.
        for prompt_id, urls in records.pending_prompts(training.order_id).items():
            _keep_prompt(current, prompt_id, urls, records, media, blobs, links, clock)
        _announce(records, publisher)
        log.info("reconciled", extra={"order_id": training.order_id, "prompts": len(settled)})


def handle_user_erased(
    event: message.UserErased,
    *,
    records: ImageRecords,
    media: Fetcher,
    astria: Astria,
    blobs: Blobs,
    publisher: Publisher,
) -> None:
    """DELETE: the person's files at the providers (Twilio's copy of each photo, the tune
    at Astria with its model, training pictures and portraits), our blobs, then the rows
    that pointed to them, then a report. Provider errors raise Transient and Dapr retries
    the whole erasure: each step deletes what is still there, so a retry finishes it."""
    traces = records.traces_of(event.user)
    forgotten = sum(media.forget(channel, reference) for channel, reference in traces.media)
    for tune_id in traces.tunes:
        astria.delete_tune(tune_id)
    for name in traces.blobs:
        blobs.delete(name)
    # What was kept while the providers were asked (a prompt's portraits, say) is named
    # by rows that go now: their files go after them.
    late = [name for name in records.erase_user(event.user) if name not in traces.blobs]
    for name in late:
        try:
            blobs.delete(name)
        except Transient:  # a retry would not find it: no row names it any more
            log.error("erasure left a file behind", extra={"blob": name})
    deleted = [*traces.blobs, *late]
    portrait_files = sum(name.startswith("portraits/") for name in deleted)
    report = maintenance.Report(
        service="image",
        run_id=maintenance.erasure_run_id(event.user),
        counts={
            "photos": len(deleted) - portrait_files,
            "portrait_files": portrait_files,
            "provider_media": forgotten,
            "astria_tunes": len(traces.tunes),
        },
    )
    publisher.publish(report, event_id=report.event_id)


def handle_cleanup(
    event: maintenance.CleanupRequested,
    *,
    records: ImageRecords,
    blobs: Blobs,
    publisher: Publisher,
) -> None:
    """Retention: photos (rows and blobs), and finished orders' results with our copies of
    their portraits, past the cutoff."""
    expired, results = records.expire(event.retention_cutoff)
    for name in expired:
        blobs.delete(name)
    portrait_files = sum(name.startswith("portraits/") for name in expired)
    counts = {
        "photos": len(expired) - portrait_files,
        "portrait_files": portrait_files,
        "image_records": results,
    }
    report = maintenance.Report(service="image", run_id=event.run_id, counts=counts)
    publisher.publish(report, event_id=report.event_id)


def pack_preview(
    subject: str, language: str, *, catalogue: Catalogue, astria_packs: AstriaPacks
) -> bytes:
    """The picture of a subject's packs, numbered as the list the person chooses from, each
    with what Astria's pack makes of the subject (no count while Astria cannot say)."""
    packs = catalogue.for_subject(subject) if subject in SUBJECT_CLASSES else ()
    if not packs or language not in previews.LANGUAGES:
        raise NotFound(f"no preview for {subject!r} in {language!r}")
    tiles = tuple(
        previews.Tile(
            cover=astria_packs.cover(pack),
            title=pack.text("title", language),
            price=pack.price_label(language),
            images=_images(astria_packs, pack, subject),
        )
        for pack in packs
    )
    return _composed(tiles, language)


def _images(astria_packs: AstriaPacks, pack: Pack, subject: str) -> int | None:
    try:
        return astria_packs.images(pack, subject)
    except Transient:
        return None


# The route is public and WhatsApp fetches it on every send: the same covers (kept, so the
# same bytes objects, whose hashes Python keeps) are drawn once, not once a request.
_composed = lru_cache(maxsize=32)(previews.compose)


# --- our copies, by signed link --------------------------------------------------------------


def _check_link(links: Links, path: str, expires: int, signature: str, clock: Clock) -> None:
    """One answer for a forged, altered and expired link: it tells nothing."""
    if not valid(links.key, path, expires, signature, clock()):
        raise NotFound("no such link, or it has expired")


def portrait_file(
    path: str,
    expires: int,
    signature: str,
    *,
    records: ImageRecords,
    blobs: Blobs,
    links: Links,
    clock: Clock,
) -> tuple[bytes, str]:
    """For a link we signed, one of our copies (`portraits/…`) or a portrait's full file as
    a PDF document (`documents/portraits/….pdf`, `document_url`); and its content type."""
    _check_link(links, f"/{path}", expires, signature, clock)
    document = path.startswith("documents/")
    name = path.removeprefix("documents/").removesuffix(".pdf") if document else path
    extension = name.rsplit(".", 1)[-1]
    if extension not in portraits.CONTENT_TYPES or (document and not path.endswith(".pdf")):
        raise NotFound("no such link, or it has expired")
    data = _kept(records, blobs, name)
    if not document:
        return data, portraits.CONTENT_TYPES[extension]
    try:
        return portraits.as_document(data), "application/pdf"
    except portraits.NotAPortrait as exc:  # we kept it because it was one: never expected
        raise Transient(f"portrait {name} gives no document: {exc}") from exc


def _kept(records: ImageRecords, blobs: Blobs, name: str) -> bytes:
    """A copy the records still hold: one erased with its order (DELETE) is no link."""
    parts = name.split("/")  # portraits/<person's folder>/<order>/<prompt>-<n>.<ext>
    if len(parts) != 4 or parts[0] != "portraits":
        raise NotFound("no such link, or it has expired")
    if not any(name in (c.full, c.send) for c in records.copies(parts[2])):
        raise NotFound("no such link, or it has expired")
    return blobs.get(name)


def gallery(
    order_id: str,
    expires: int,
    signature: str,
    *,
    records: ImageRecords,
    links: Links,
    clock: Clock,
) -> list[tuple[str, str]]:
    """An order's portraits for its gallery page: (WhatsApp-size, full-size) links, which
    expire with the gallery's."""
    _check_link(links, f"/gallery/{order_id}", expires, signature, clock)
    until = datetime.fromtimestamp(expires, UTC)
    copies = records.copies(order_id)
    if not copies:
        raise NotFound("no such link, or it has expired")
    page = replace(links, base="")  # the page's own origin: links relative to it
    return [(portrait_url(page, c.send, until), portrait_url(page, c.full, until)) for c in copies]
