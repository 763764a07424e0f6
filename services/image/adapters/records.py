"""Photos, trainings and prompt results in the image service's database."""

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, Select, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.image.adapters.models import OutboxEntry, Photo, PromptResult, Training
from services.image.domain.portraits import Copy
from services.image.ports import Announce, AnnounceCopies, NewPhoto, NewTraining, Traces
from shared import tracing
from shared.db import Repository
from shared.events.base import Outgoing
from shared.outbox import SqlOutbox

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SqlImages(Repository):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, MIGRATIONS)
        self.outbox = SqlOutbox(engine, OutboxEntry)

    # --- photos ---------------------------------------------------------------------------

    def photo(self, message_id: str, media_index: int) -> Photo | None:
        with self._sessions() as session:
            return session.scalar(
                select(Photo).where(
                    Photo.message_id == message_id, Photo.media_index == media_index
                )
            )

    def add_photo(self, new: NewPhoto) -> Photo:
        """Insert once; a concurrent twin delivery's row wins and is returned."""
        photo = Photo(**asdict(new))
        try:
            with self._sessions.begin() as session:
                session.add(photo)
        except IntegrityError:
            pass
        found = self.photo(photo.message_id, photo.media_index)
        assert found is not None
        return found

    def fingerprints(self, user: str, photo_set: int) -> tuple[int, ...]:
        with self._sessions() as session:
            rows = session.scalars(
                select(Photo.fingerprint).where(
                    Photo.user_address == user,
                    Photo.photo_set == photo_set,
                    Photo.accepted.is_(True),
                )
            )
            return tuple(int(value, 16) for value in rows if value)

    def accepted_photos(self, user: str, photo_set: int) -> list[Photo]:
        """The photos an order of this set trains from, in the order they came."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Photo)
                    .where(
                        Photo.user_address == user,
                        Photo.photo_set == photo_set,
                        Photo.accepted.is_(True),
                    )
                    .order_by(Photo.id)
                )
            )

    # --- trainings ------------------------------------------------------------------------

    def training(self, order_id: str) -> Training | None:
        with self._sessions() as session:
            return session.get(Training, order_id)

    def add_training(self, new: NewTraining) -> Training:
        # The order's trace, which its callbacks and later announcements continue.
        training = Training(**asdict(new), traceparent=tracing.current())
        try:
            with self._sessions.begin() as session:
                session.add(training)
        except IntegrityError:
            pass
        found = self.training(training.order_id)
        assert found is not None
        return found

    def update_training(
        self,
        order_id: str,
        announce: Announce | None = None,
        **changes: object,
    ) -> Training:
        with self._sessions.begin() as session:
            training = session.get_one(Training, order_id)
            for name, value in changes.items():
                setattr(training, name, value)
            if announce is not None:
                self.outbox.stage(session, *announce(training), trace=training.traceparent)
            return training

    # Each callback step below records its rows and stages its announcements in one
    # transaction (shared/outbox.py); the caller flushes the outbox after the commit.

    def mark_trained(self, order_id: str, trained_at: datetime | None, announce: Outgoing) -> bool:
        """True the first time: only the first report of a trained tune is announced."""
        with self._sessions.begin() as session:
            training = session.get_one(Training, order_id)
            if training.trained_at is not None:
                return False
            training.trained_at = trained_at or self._clock()
            if training.status in ("submitted", "training"):
                training.status = "trained"
            self.outbox.stage(session, announce, trace=training.traceparent)
            return True

    def add_prompt_result(
        self, order_id: str, prompt_id: str, urls: list[str], error: str | None, announce: Announce
    ) -> bool:
        """Record a prompt once (False for a repeat). One with portraits stages what
        `announce` says (its prompt.settled) and waits for them to be kept; one without
        (a prompt Astria failed) has nothing to keep."""
        try:
            with self._sessions.begin() as session:
                session.add(
                    PromptResult(
                        order_id=order_id,
                        prompt_id=prompt_id,
                        image_urls=json.dumps(urls),
                        user_error=error,
                        copies=None if urls else "[]",
                        kept_at=None if urls else self._clock(),
                    )
                )
                session.flush()  # a repeated prompt fails here, before anything else
                if urls:
                    training = session.get_one(Training, order_id)
                    self.outbox.stage(session, *announce(training), trace=training.traceparent)
                return True
        except IntegrityError:
            return False

    def pending_prompts(self, order_id: str) -> dict[str, list[str]]:
        """The order's prompts whose portraits are not kept yet, with Astria's links."""
        with self._sessions() as session:
            pending = session.scalars(_waiting(order_id))
            return {result.prompt_id: json.loads(result.image_urls) for result in pending}

    def keep_copies(
        self, order_id: str, prompt_id: str, copies: Sequence[Copy], announce: AnnounceCopies
    ) -> Sequence[Outgoing] | None:
        """Record our copies of a prompt's portraits once (None when they were already)
        and stage what `announce` says. It gets the training and whether these copies
        completed the order: the pack's count reached, or the last prompt kept after
        Astria said every prompt had reported."""
        with self._sessions.begin() as session:
            # First the conditional write: of two deliveries at once, one records.
            kept = session.execute(
                update(PromptResult)
                .where(
                    PromptResult.order_id == order_id,
                    PromptResult.prompt_id == prompt_id,
                    PromptResult.kept_at.is_(None),
                )
                .values(
                    copies=json.dumps([[c.full, c.send] for c in copies]), kept_at=self._clock()
                )
            )
            if kept.rowcount != 1:  # type: ignore[attr-defined]
                return None
            training = session.get_one(Training, order_id, with_for_update=True)
            training.delivered_images += len(copies)
            completes = training.completed_at is None and (
                training.delivered_images >= training.expected_images
                or (training.all_reported and session.scalar(_waiting(order_id)) is None)
            )
            if completes:
                completes = self._complete(session, training)
            staged = announce(training, completes)
            self.outbox.stage(session, *staged, trace=training.traceparent)
            return staged

    def all_reported(self, order_id: str, announce: Announce) -> bool:
        """Astria has reported every prompt. True when that completes the order now
        (nothing left to keep), with what `announce` says staged; otherwise the last
        copies kept complete it."""
        with self._sessions.begin() as session:
            training = session.get_one(Training, order_id, with_for_update=True)
            training.all_reported = True
            if training.completed_at is not None or session.scalar(_waiting(order_id)):
                return False
            if not self._complete(session, training):
                return False
            self.outbox.stage(session, *announce(training), trace=training.traceparent)
            return True

    def settled_prompts(self, order_id: str) -> set[str]:
        with self._sessions() as session:
            query = select(PromptResult.prompt_id).where(PromptResult.order_id == order_id)
            return set(session.scalars(query))

    def copies(self, order_id: str) -> list[Copy]:
        """The order's portraits as we keep them, in the order they came."""
        with self._sessions() as session:
            results = session.scalars(
                select(PromptResult)
                .where(PromptResult.order_id == order_id)
                .order_by(PromptResult.created_at, PromptResult.prompt_id)
            )
            return [copy for result in results for copy in _copies(result)]

    def _complete(self, session: Session, training: Training) -> bool:
        """Complete the order unless another writer did: a conditional write that one
        writer wins on SQLite, which ignores FOR UPDATE (a read there happens outside the
        transaction, and may be stale by the time this one writes), and PostgreSQL alike."""
        session.flush()
        won = session.execute(
            update(Training)
            .where(Training.order_id == training.order_id, Training.completed_at.is_(None))
            .values(completed_at=self._clock(), status="complete")
            .execution_options(synchronize_session=False)
        )
        session.refresh(training)
        return bool(won.rowcount == 1)  # type: ignore[attr-defined]

    def unfinished(self, older_than: datetime) -> list[Training]:
        """Trainings with a tune that have not completed, whose ETA (or, without one, whose
        start) is before `older_than`: their callbacks are late or lost."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Training).where(
                        Training.tune_id.is_not(None),
                        Training.completed_at.is_(None),
                        Training.status.in_(("training", "trained")),
                        Training.created_at <= older_than,
                        or_(Training.eta.is_(None), Training.eta <= older_than),
                    )
                )
            )

    def traces_of(self, user: str) -> Traces:
        """What of the person lives outside these tables: blobs, provider media, tunes."""
        with self._sessions() as session:
            photos = list(session.scalars(select(Photo).where(Photo.user_address == user)))
            tunes = session.scalars(
                select(Training.tune_id).where(
                    Training.user_address == user, Training.tune_id.is_not(None)
                )
            )
            orders = select(Training.order_id).where(Training.user_address == user)
            results = session.scalars(select(PromptResult).where(PromptResult.order_id.in_(orders)))
            return Traces(
                blobs=[p.blob_name for p in photos if p.blob_name]
                + [name for result in results for name in _blob_names(result)],
                media=[
                    (p.channel, p.media_reference)
                    for p in photos
                    if p.channel and p.media_reference
                ],
                # A re-style runs on its first order's tune: one tune, named once.
                tunes=list(dict.fromkeys(str(t) for t in tunes)),
            )

    def erase_user(self, user: str) -> list[str]:
        """Delete the person's rows (after what `traces_of` named is gone). The blobs the
        deleted rows named, read in the same transaction: a copy kept since `traces_of`
        is among them."""
        with self._sessions.begin() as session:
            orders = list(
                session.scalars(select(Training.order_id).where(Training.user_address == user))
            )
            results = session.scalars(select(PromptResult).where(PromptResult.order_id.in_(orders)))
            photos = session.scalars(select(Photo.blob_name).where(Photo.user_address == user))
            named = [name for result in results for name in _blob_names(result)]
            named += [name for name in photos if name]
            session.execute(delete(PromptResult).where(PromptResult.order_id.in_(orders)))
            session.execute(delete(Training).where(Training.user_address == user))
            session.execute(delete(Photo).where(Photo.user_address == user))
            return named

    def expire(self, cutoff: datetime) -> tuple[list[str], int]:
        """Photos older than the cutoff, and the results of orders finished before it with
        our copies of their portraits: the blob names to delete, and the results' count."""
        with self._sessions.begin() as session:
            old = list(session.scalars(select(Photo).where(Photo.created_at < cutoff)))
            blobs = [photo.blob_name for photo in old if photo.blob_name]
            for photo in old:
                session.delete(photo)
            finished = select(Training.order_id).where(Training.completed_at < cutoff)
            results = list(
                session.scalars(select(PromptResult).where(PromptResult.order_id.in_(finished)))
            )
            for result in results:
                blobs.extend(_blob_names(result))
                session.delete(result)
        return blobs, len(results)


def _waiting(order_id: str) -> Select[PromptResult]:
    """The order's prompts whose portraits are still to be kept."""
    return select(PromptResult).where(
        PromptResult.order_id == order_id, PromptResult.kept_at.is_(None)
    )


def _copies(result: PromptResult) -> list[Copy]:
    return [Copy(full, send) for full, send in json.loads(result.copies or "[]")]


def _blob_names(result: PromptResult) -> list[str]:
    return list(dict.fromkeys(name for copy in _copies(result) for name in (copy.full, copy.send)))
