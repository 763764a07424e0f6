"""Replicas of a service start together and migrate the same database."""

import importlib
import multiprocessing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from services.image.adapters.records import SqlImages
from services.maintenance.adapters.records import SqlMaintenance
from services.message.adapters.records import SqlRecords
from services.payment.adapters.orders import SqlOrders
from shared.db import make_engine
from tests.fakes import T0, FixedClock

ROOT = Path(__file__).resolve().parents[2]
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


BASES = {
    "image": "services.image.adapters.models:ImageBase",
    "maintenance": "services.maintenance.adapters.models:MaintenanceBase",
    "message": "services.message.adapters.models:MessageBase",
    "payment": "services.payment.adapters.models:PaymentBase",
}


@pytest.mark.parametrize("service", sorted(BASES))
def test_the_migrations_build_exactly_the_tables_the_models_describe(service, tmp_path: Path):
    """A column added to a model without a migration (or the reverse) fails here, not in
    production on the first write."""
    module, name = BASES[service].split(":")
    base = getattr(importlib.import_module(module), name)
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}", FixedClock())
    ADAPTERS[service](engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, base.metadata)
    assert differences == []


def layout(engine: Engine) -> dict[str, object]:
    """Every table's columns (name, type, nullability, default), indexes and unique
    constraints, as the database reports them. Not the columns' order: a column that a
    downgrade brings back can only come back last."""
    found = inspect(engine)
    return {
        table: (
            sorted(
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in found.get_columns(table)
            ),
            sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes(table)),
            sorted(
                (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)
            ),
        )
        for table in sorted(found.get_table_names())
    }


def alembic(engine: Engine, service: str, verb: str, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, target)


def assert_each_revision_undoes_exactly_what_it_did(engine: Engine, service: str) -> None:
    """Down one revision and up again gives the same tables, at every revision, and at
    the bottom nothing is left but Alembic's own table."""
    alembic(engine, service, "upgrade", "head")
    undone = 0
    while set(layout(engine)) != {"alembic_version"}:
        before = layout(engine)
        alembic(engine, service, "downgrade", "-1")
        assert layout(engine) != before
        alembic(engine, service, "upgrade", "+1")
        assert layout(engine) == before
        alembic(engine, service, "downgrade", "-1")
        undone += 1
    assert undone == len(list((ROOT / "services" / service / "migrations/versions").glob("0*.py")))


@pytest.mark.parametrize("service", sorted(BASES))
def test_the_revisions_read_outside_a_migration_as_alembic_history_does(service):
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    command.history(config)  # loads every revision module without a migration context


@pytest.mark.parametrize("service", sorted(BASES))
def test_every_downgrade_undoes_its_upgrade(service, tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}", FixedClock())
    assert_each_revision_undoes_exactly_what_it_did(engine, service)


def test_prompts_recorded_before_0009_count_as_kept_not_as_waiting(engine: Engine):
    alembic(engine, "image", "upgrade", "0008")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO prompt_result (order_id, prompt_id, image_urls, copies, created_at)"
                " VALUES ('ord_1', '1', '[\"https://img/1.jpg\"]', '[]', :at)"
            ),
            {"at": T0},
        )
    assert SqlImages(engine).pending_prompts("ord_1") == {}  # migrates to the head
