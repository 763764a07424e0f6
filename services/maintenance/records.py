"""Job runs and dead letters in the maintenance service's database."""

import json
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.maintenance.models import DeadLetter, JobRun
from shared.db import make_session_factory, migrate, utc_now

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SqlMaintenance:
    def __init__(self, engine: Engine) -> None:
        migrate(engine, MIGRATIONS)
        self._sessions: sessionmaker[Session] = make_session_factory(engine)

    def start_run(self, run_id: str, job: str) -> bool:
        """False when this run already started (another replica's tick of the same schedule)."""
        try:
            with self._sessions.begin() as session:
                session.add(JobRun(id=run_id, job=job))
        except IntegrityError:
            return False
        return True

    def report(self, run_id: str, service: str, counts: dict[str, int]) -> None:
        with self._sessions.begin() as session:
            run = session.get(JobRun, run_id)
            if run is None:
                # An erasure is started by the person, not by a tick: its reports open it.
                run = JobRun(id=run_id, job=run_id.split("-", 1)[0], counts="{}")
                session.add(run)
            merged = json.loads(run.counts)
            merged[service] = counts
            run.counts = json.dumps(merged, sort_keys=True)
            run.ended_at = utc_now()

    def runs(self, *, job: str | None = None, limit: int = 50) -> list[JobRun]:
        query = select(JobRun).order_by(JobRun.started_at.desc()).limit(limit)
        if job:
            query = query.where(JobRun.job == job)
        with self._sessions() as session:
            return list(session.scalars(query))

    def keep_dead_letter(self, letter: DeadLetter) -> None:
        try:
            with self._sessions.begin() as session:
                session.add(letter)
        except IntegrityError:
            pass  # the same dead letter, delivered again

    def dead_letters(self) -> list[DeadLetter]:
        with self._sessions() as session:
            return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        with self._sessions() as session:
            return session.get(DeadLetter, letter_id)

    def replayed(self, letter_id: int) -> None:
        with self._sessions.begin() as session:
            letter = session.get_one(DeadLetter, letter_id)
            letter.replayed_at = utc_now()

    def forget(self, letter_id: int) -> bool:
        with self._sessions.begin() as session:
            letter = session.get(DeadLetter, letter_id)
            if letter is None:
                return False
            session.delete(letter)
            return True
