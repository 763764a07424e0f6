"""The transactional outbox on a real database: concurrent flushes publish each staged
event once and in order; a flusher that dies leaves its claim for `CLAIM` only."""

import threading

import pytest
import sqlalchemy
from sqlalchemy import Engine

from services.payment.adapters.models import OutboxEntry
from services.payment.adapters.orders import SqlOrders
from shared import tracing
from shared.db import make_session_factory
from shared.events.base import Outgoing
from shared.events.payment import CheckoutExpired
from shared.outbox import CLAIM, SqlOutbox
from tests.fakes import RecordingPublisher


@pytest.fixture
def outbox(engine: Engine) -> SqlOutbox:
    SqlOrders(engine)  # migrates
    box = SqlOutbox(engine, OutboxEntry)
    with make_session_factory(engine).begin() as session:
        box.stage(
            session,
            *(Outgoing(CheckoutExpired(order_id=f"o{n}", user="u"), f"e{n}") for n in range(1, 4)),
        )
    return box


def ids(publisher: RecordingPublisher) -> list[str | None]:
    return [event_id for _, _, event_id in publisher.published]


class HeldPublisher(RecordingPublisher):
    """Publishes only once the test lets it: a publish that is slow, mid-flight."""

    def __init__(self) -> None:
        super().__init__()
        self.publishing = threading.Event()
        self.go_on = threading.Event()

    def publish_json(self, topic: str, data: str, *, event_id: str | None = None) -> None:
        self.publishing.set()
        assert self.go_on.wait(10)
        super().publish_json(topic, data, event_id=event_id)


def test_a_flush_that_meets_one_in_flight_leaves_it_all_to_that_one(outbox):
    slow = HeldPublisher()
    first = threading.Thread(target=outbox.flush, args=(slow,))
    first.start()
    assert slow.publishing.wait(10)
    second = RecordingPublisher()
    assert outbox.flush(second) == 0  # the oldest is claimed: its holder carries on
    slow.go_on.set()
    first.join(10)
    assert ids(second) == []
    assert ids(slow) == ["e1", "e2", "e3"]
    assert outbox.pending() == 0


def test_many_flushes_at_once_publish_each_event_once_in_order(outbox):
    publisher = RecordingPublisher()
    threads = [threading.Thread(target=outbox.flush, args=(publisher,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert ids(publisher) == ["e1", "e2", "e3"]


def test_a_failed_publish_frees_the_event_for_the_next_flush_at_once(outbox):
    broken = RecordingPublisher(fail=True)
    with pytest.raises(Exception, match="staged, not published yet"):
        outbox.flush(broken)
    publisher = RecordingPublisher()
    assert outbox.flush(publisher) == 3
    assert ids(publisher) == ["e1", "e2", "e3"]


def test_the_claim_of_a_flusher_that_died_lapses(outbox, clock):
    # A process that dies mid-publish releases nothing: its claim stays in the table.
    assert outbox._claim_oldest("a-flusher-that-died") is not None
    publisher = RecordingPublisher()
    assert outbox.flush(publisher) == 0
    clock.advance(seconds=CLAIM.total_seconds() - 1)
    assert outbox.flush(publisher) == 0
    clock.advance(seconds=2)
    assert outbox.flush(publisher) == 3
    assert ids(publisher) == ["e1", "e2", "e3"]


class TracingPublisher(RecordingPublisher):
    """Records the trace each publish was made in (what the sidecar would be sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.traces: list[str | None] = []

    def publish_json(self, topic: str, data: str, *, event_id: str | None = None) -> None:
        self.traces.append(tracing.current())
        super().publish_json(topic, data, event_id=event_id)


def expired(n: int) -> Outgoing:
    return Outgoing(CheckoutExpired(order_id=f"o{n}", user="u"), f"e{n}")


DECIDED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
ORDERS_OWN = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_each_event_is_published_in_the_trace_it_was_staged_in(outbox, engine):
    box = SqlOutbox(engine, OutboxEntry)
    with make_session_factory(engine).begin() as session, tracing.continuing(DECIDED):
        box.stage(session, Outgoing(CheckoutExpired(order_id="o4", user="u"), "e4"))
        # An order's own trace wins over the one that happens to decide for it.
        box.stage(
            session, Outgoing(CheckoutExpired(order_id="o5", user="u"), "e5"), trace=ORDERS_OWN
        )
        box.stage(session, Outgoing(CheckoutExpired(order_id="o6", user="u"), "e6"), trace="junk")
    publisher = TracingPublisher()
    assert box.flush(publisher) == 6
    assert publisher.traces == [None, None, None, DECIDED, ORDERS_OWN, DECIDED]
    assert tracing.current() is None  # nothing leaks out of the flush


def test_a_stale_read_of_a_row_whose_id_was_reused_publishes_and_forgets_nothing_else(
    outbox, engine
):
    """A flusher reads the oldest row; before it claims it, another publishes that row,
    the table empties, and a new event takes the same row id (SQLite reuses it). The
    first must not claim the new row as the old event, publish the old one again and
    delete the new one unpublished."""
    other = RecordingPublisher()
    outbox.flush(other)  # e1..e3 out: the table is empty
    stage = make_session_factory(engine)
    with stage.begin() as session:
        outbox.stage(session, Outgoing(CheckoutExpired(order_id="o4", user="u"), "e4"))
    interfered = threading.Event()

    @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
    def meanwhile(_conn, _cursor, statement, *_args):
        if statement.startswith("UPDATE outbox SET claimed_by") and not interfered.is_set():
            interfered.set()  # another flusher takes e4; a new event reuses its row id
            assert outbox.flush(other) == 1
            with stage.begin() as session:
                outbox.stage(session, Outgoing(CheckoutExpired(order_id="o5", user="u"), "e5"))

    stale = RecordingPublisher()
    try:
        outbox.flush(stale)
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", meanwhile)
    outbox.flush(other)
    assert [*ids(stale), *ids(other)].count("e5") == 1  # published, once
    assert "e4" not in ids(stale)  # never the old event again under the new row
    assert outbox.pending() == 0
