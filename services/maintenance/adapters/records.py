"""Job runs and dead letters in the maintenance service's database."""

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from services.maintenance.adapters.models import DeadLetter, JobReport, JobRun
from services.maintenance.ports import NewDeadLetter
from shared.db import Repository

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SqlMaintenance(Repository):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, MIGRATIONS)

    def start_run(self, run_id: str, job: str) -> bool:
        """False when this run already started (another replica's tick of the same schedule)."""
        try:
            with self._sessions.begin() as session:
                session.add(JobRun(id=run_id, job=job))
        except IntegrityError:
            return False
        return True

    def report(self, run_id: str, service: str, counts: dict[str, int]) -> None:
        # An erasure is started by the person, not by a tick: its reports open its run.
        self.start_run(run_id, run_id.split("-", 1)[0])
        with self._sessions.begin() as session:
            row = session.get(JobReport, (run_id, service))
            if row is None:
                session.add(JobReport(run_id=run_id, service=service, counts=json.dumps(counts)))
            else:
                row.counts = json.dumps(counts)
            session.get_one(JobRun, run_id).ended_at = self._clock()

    def runs(
        self, *, job: str | None = None, limit: int = 50
    ) -> list[tuple[JobRun, dict[str, Any]]]:
        """The latest runs, each with what every service reported."""
        query = select(JobRun).order_by(JobRun.started_at.desc()).limit(limit)
        if job:
            query = query.where(JobRun.job == job)
        with self._sessions() as session:
            runs = list(session.scalars(query))
            reports = session.scalars(
                select(JobReport).where(JobReport.run_id.in_([run.id for run in runs]))
            )
            by_run: dict[str, dict[str, Any]] = {run.id: {} for run in runs}
            for report in reports:
                by_run[report.run_id][report.service] = json.loads(report.counts)
        return [(run, by_run[run.id]) for run in runs]

    def keep_dead_letter(self, new: NewDeadLetter) -> None:
        """Keep it once; if it comes back after a replay, it failed again: say so."""
        letter = DeadLetter(**asdict(new), failed_at=self._clock())
        try:
            with self._sessions.begin() as session:
                session.add(letter)
            return
        except IntegrityError:
            pass  # kept before: a duplicate delivery, or a replay that failed again
        with self._sessions.begin() as session:
            kept = session.scalars(
                select(DeadLetter).where(DeadLetter.event_id == letter.event_id)
            ).one()
            if kept.replayed_at is not None:
                kept.replayed_at = None
                kept.failures += 1
                kept.failed_at = letter.failed_at
            # else: the same dead letter, delivered twice: nothing new

    def dead_letters(self) -> list[DeadLetter]:
        with self._sessions() as session:
            return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        with self._sessions() as session:
            return session.get(DeadLetter, letter_id)

    def replayed(self, letter_id: int, at: datetime | None) -> None:
        with self._sessions.begin() as session:
            session.get_one(DeadLetter, letter_id).replayed_at = at

    def forget_person(self, user: str) -> int:
        """Delete the dead letters about `user` (their address in the event); how many."""
        with self._sessions.begin() as session:
            about = [
                letter
                for letter in session.scalars(select(DeadLetter))
                if user in _addresses(letter.payload)
            ]
            for letter in about:
                session.delete(letter)
            return len(about)

    def forget(self, letter_id: int) -> bool:
        with self._sessions.begin() as session:
            letter = session.get(DeadLetter, letter_id)
            if letter is None:
                return False
            session.delete(letter)
            return True


# The fields in which events carry a person's address.
_ADDRESS_FIELDS = ("user", "sender", "to")


def _addresses(payload: str) -> set[str]:
    try:
        data = json.loads(payload)
    except ValueError:
        return set()
    if not isinstance(data, dict):
        return set()
    return {str(data[name]) for name in _ADDRESS_FIELDS if data.get(name)}
