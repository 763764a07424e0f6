"""SqlRecords on a real SQLite file, migrated by Alembic."""

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from services.message.adapters.records import SqlRecords
from tests.fakes import T0

USER = "whatsapp:+15551234567"
NOW = T0  # the engine's clock (tests/service/conftest.py)


@pytest.fixture
def records(engine):
    return SqlRecords(engine)


def test_the_migration_creates_the_tables_and_can_run_again(engine, records):
    SqlRecords(engine)  # a restart migrates again: nothing to do, nothing breaks
    tables = set(inspect(engine).get_table_names())
    assert {"user_account", "outbound_message", "alembic_version"} <= tables


def test_the_window_is_24_hours_from_the_last_inbound_message(records):
    def seen(hours_ago, profile_name=None):
        at = NOW - timedelta(hours=hours_ago)
        records.seen(
            address=USER, channel="twilio", language="en", profile_name=profile_name, at=at
        )

    assert not records.window_open(USER, NOW)
    seen(25, profile_name="Jane")
    assert not records.window_open(USER, NOW)
    seen(2)
    assert records.window_open(USER, NOW)
    seen(30)  # an older message arriving late does not shorten the window
    assert records.window_open(USER, NOW)
    records.close_window(USER)
    assert not records.window_open(USER, NOW)


def test_statuses_only_move_forward(records):
    records.sent_many([("twilio", "SM1", USER, "text", "hi")])
    assert (
        records.status(channel="twilio", provider_message_id="SM1", status="read", error_code=None)
        == USER
    )
    records.status(channel="twilio", provider_message_id="SM1", status="delivered", error_code=None)
    [message] = records.outbound_to(USER)
    assert message.status == "read"
    assert (
        records.status(channel="meta", provider_message_id="SM1", status="read", error_code=None)
        is None
    )


def test_failures_keep_their_error_code(records):
    records.sent_many([("twilio", "SM2", USER, "text", "x")])
    records.status(
        channel="twilio", provider_message_id="SM2", status="undelivered", error_code="63016"
    )
    [message] = records.outbound_to(USER)
    assert (message.status, message.error_code) == ("undelivered", "63016")


def test_logging_the_same_provider_id_twice_keeps_one_row(records):
    for _ in range(2):
        records.sent_many([("twilio", "SM3", USER, "text", "x")])
    assert len(records.outbound_to(USER)) == 1


def test_erase_removes_the_person_and_their_messages(records):
    records.seen(address=USER, channel="twilio", language="es", profile_name="J", at=NOW)
    records.sent_many([("twilio", "SM4", USER, "text", "x")])
    records.sent_many([("twilio", "SM5", "whatsapp:+1999", "text", "y")])
    assert records.erase(USER) == 1
    assert records.outbound_to(USER) == []
    assert not records.window_open(USER, NOW)
    assert len(records.outbound_to("whatsapp:+1999")) == 1


def test_times_read_back_aware_in_utc(records, engine):
    from datetime import timezone

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from services.message.adapters.models import User

    madrid = timezone(timedelta(hours=1))
    records.seen(
        address=USER, channel="twilio", language="en", profile_name=None, at=NOW.astimezone(madrid)
    )
    with Session(engine) as session:
        user = session.scalars(select(User)).one()
    assert user.last_inbound_at == NOW
    assert user.last_inbound_at.utcoffset() == timedelta(0)
    assert user.first_seen_at.tzinfo is not None
