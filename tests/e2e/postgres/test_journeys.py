"""The journeys on the `postgres` profile: the same tests, another store underneath.

Every service's tables live in a PostgreSQL database of their own (Alembic migrates
them at start-up) and Dapr's state store is `state.postgresql` v2.
"""

import psycopg2
import pytest

from shared.db import make_engine
from tests.e2e.journeys import *  # noqa: F403 - collected here, on this profile
from tests.e2e.people import Person, walk_to_photos
from tests.e2e.test_conversation import (  # noqa: F401
    test_lost_astria_callbacks_are_recovered_by_reconciliation,
)
from tests.e2e.test_payment import (  # noqa: F401
    test_an_expiry_delivered_after_the_payment_changes_nothing,
)
from tests.fakes import FixedClock
from tests.service.test_migrations import BASES, assert_each_revision_undoes_exactly_what_it_did

pytestmark = pytest.mark.e2e


def test_the_tables_and_the_state_are_on_postgresql(stack):
    person = Person(stack)
    walk_to_photos(person)
    assert stack.postgres is not None
    message_db = psycopg2.connect(stack.postgres.dsn("message"))
    with message_db, message_db.cursor() as cursor:
        cursor.execute("SELECT language FROM user_account WHERE address = %s", [person.address])
        assert cursor.fetchall() == [("en",)]
        cursor.execute("SELECT version_num FROM alembic_version")
        assert cursor.fetchone() is not None
    state_db = psycopg2.connect(stack.postgres.dsn("dapr_state"))
    with state_db, state_db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM state WHERE key LIKE %s", [f"%{person.address}"])
        (conversations,) = cursor.fetchone()
    assert conversations >= 1


@pytest.mark.parametrize("service", sorted(BASES))
def test_every_downgrade_undoes_its_upgrade_on_postgresql(stack, service):
    scratch = f"downgrades_{service}"
    server = psycopg2.connect(stack.postgres.dsn("postgres"))
    server.autocommit = True  # CREATE DATABASE runs outside a transaction
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {scratch}")
        cursor.execute(f"CREATE DATABASE {scratch}")
    server.close()
    engine = make_engine(f"{stack.postgres.url()}/{scratch}", FixedClock())
    try:
        assert_each_revision_undoes_exactly_what_it_did(engine, service)
    finally:
        engine.dispose()
