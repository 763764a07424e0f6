"""The order timeline in maintenance's database: each order's events, kept once each,
and its furthest stage."""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, and_, delete, or_, select
from sqlalchemy.exc import IntegrityError

from services.maintenance.adapters.models import OrderEvent, OrderView
from services.maintenance.domain.orders import ON_THE_WAY
from services.maintenance.ports import OrderNote
from shared.db import Repository
from shared.errors import Transient
from shared.json_logs import mask_phone

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def user_hash(user: str) -> str:
    return hashlib.sha256(user.encode()).hexdigest()


class SqlOrderTimeline(Repository):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, MIGRATIONS)

    def note(self, note: OrderNote) -> bool:
        try:
            with self._sessions.begin() as session:
                session.add(
                    OrderEvent(
                        event_id=note.event_id,
                        order_id=note.order_id,
                        topic=note.topic,
                        source=note.source,
                        at=note.at,
                    )
                )
                session.flush()  # a second delivery stops here, on the unique event id
                view = session.get(OrderView, note.order_id, with_for_update=True)
                if view is None:
                    view = OrderView(
                        order_id=note.order_id,
                        user_hash=user_hash(note.user),
                        user_masked=mask_phone(note.user),
                        rank=0,
                        stage="requested",
                        stage_at=note.at,
                        first_at=note.at,
                    )
                    session.add(view)
                view.first_at = min(view.first_at, note.at)
                if note.stage is not None and note.rank > view.rank:
                    view.rank, view.stage, view.stage_at = note.rank, note.stage, note.at
                view.eta = note.eta or view.eta
                view.images = note.images if note.images is not None else view.images
                view.expected = note.expected or view.expected
                view.refunded = view.refunded or note.refund
        except IntegrityError:
            if self._kept(note.event_id):
                return False  # delivered again
            # Another event of a new order made its view at the same moment: once more.
            raise Transient(f"order {note.order_id} was being noted concurrently") from None
        return True

    def _kept(self, event_id: str) -> bool:
        with self._sessions() as session:
            found = session.scalar(select(OrderEvent.id).where(OrderEvent.event_id == event_id))
            return found is not None

    def orders(
        self, *, stage: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> Sequence[OrderView]:
        query = select(OrderView).order_by(OrderView.stage_at).limit(limit)
        if stage is not None:
            query = query.where(OrderView.stage == stage)
        if before is not None:
            query = query.where(OrderView.stage_at < before)
        with self._sessions() as session:
            return list(session.scalars(query))

    def unsettled(self, limit: int) -> Sequence[OrderView]:
        short = and_(
            OrderView.stage == "delivered",
            OrderView.images < OrderView.expected,
            OrderView.refunded.is_(False),
        )
        query = (
            select(OrderView)
            .where(or_(OrderView.stage.in_(ON_THE_WAY), short))
            .order_by(OrderView.stage_at)
            .limit(limit)
        )
        with self._sessions() as session:
            return list(session.scalars(query))

    def order(self, order_id: str) -> tuple[OrderView, Sequence[OrderEvent]] | None:
        with self._sessions() as session:
            view = session.get(OrderView, order_id)
            if view is None:
                return None
            events = session.scalars(
                select(OrderEvent)
                .where(OrderEvent.order_id == order_id)
                .order_by(OrderEvent.at, OrderEvent.id)
            )
            return view, list(events)

    def forget_person(self, user: str) -> int:
        with self._sessions.begin() as session:
            ids = list(
                session.scalars(
                    select(OrderView.order_id).where(OrderView.user_hash == user_hash(user))
                )
            )
            session.execute(delete(OrderEvent).where(OrderEvent.order_id.in_(ids)))
            session.execute(delete(OrderView).where(OrderView.order_id.in_(ids)))
            return len(ids)
