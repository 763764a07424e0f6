"""Replicas of a service start together and migrate the same database."""

import multiprocessing
from pathlib import Path

import pytest

from services.image.adapters.records import SqlImages
from services.maintenance.records import SqlMaintenance
from services.message.adapters.records import SqlRecords
from services.payment.adapters.orders import SqlOrders
from shared.db import make_engine
from tests.fakes import FixedClock

ADAPTERS = {"image": SqlImages, "message": SqlRecords, "payment": SqlOrders}
ADAPTERS["maintenance"] = SqlMaintenance


def start_replica(service: str, database: str, results: "multiprocessing.Queue[str]") -> None:
    try:
        ADAPTERS[service](make_engine(f"sqlite:///{database}", FixedClock()))
        results.put("ok")
    except Exception as exc:  # what a replica's start-up would die of
        results.put(repr(exc))


@pytest.mark.parametrize("service", sorted(ADAPTERS))
def test_three_replicas_migrating_one_database_at_once_all_start(service, tmp_path: Path):
    context = multiprocessing.get_context("fork")  # Linux: quick, and nothing shared yet
    for trial in range(2):
        results = context.Queue()
        database = str(tmp_path / f"{service}-{trial}.db")
        replicas = [
            context.Process(target=start_replica, args=(service, database, results))
            for _ in range(3)
        ]
        for replica in replicas:
            replica.start()
        for replica in replicas:
            replica.join(60)
        assert [results.get(timeout=5) for _ in replicas] == ["ok"] * 3
