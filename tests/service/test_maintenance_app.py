"""The maintenance service through TestClient: real SQLite, a recording publisher."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.maintenance.adapters.orders import SqlOrderTimeline
from services.maintenance.adapters.records import SqlMaintenance
from services.maintenance.app import create_app
from services.maintenance.bootstrap import MaintenanceRuntime
from services.maintenance.domain.orders import StuckRules
from services.maintenance.ports import MaintenancePorts, OrderNote
from services.maintenance.settings import MaintenanceSettings
from shared.events.maintenance import erasure_run_id
from shared.events.topics import Topic
from shared.metrics import STUCK_ORDERS
from tests.fakes import RecordingPublisher, cloudevent
from tests.servers import in_process

TOKEN = "operator-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def runtime(engine, clock):
    deps = MaintenancePorts(
        publisher=RecordingPublisher(),
        records=SqlMaintenance(engine),
        retention=timedelta(days=30),
        overdue_minutes=10,
        clock=clock,
        timeline=SqlOrderTimeline(engine),
        stuck_rules=StuckRules(),
    )
    return MaintenanceRuntime(ports=deps, operator_token=TOKEN)


@pytest.fixture
def client(runtime):
    yield from in_process(create_app, runtime)


def published(runtime, topic):
    return [(e, i) for t, e, i in runtime.ports.publisher.published if t == topic]


def test_with_an_app_token_only_the_sidecar_may_tick_or_deliver(runtime):
    """daprd sends APP_API_TOKEN on every call to its app; the Dapr SDK checks none."""
    settings = MaintenanceSettings(app_api_token="s3cret")
    sidecar = {"dapr-api-token": "s3cret"}
    fired = {"readTimeUTC": "2026-11-26T12:05:00Z"}
    with TestClient(create_app(settings, build_deps=lambda _s: runtime)) as client:
        strangers = [
            client.post("/cron-reconcile", headers=fired),
            client.post("/cron-cleanup", headers={**fired, "dapr-api-token": "guess"}),
            client.get("/dapr/subscribe"),
            client.post("/events/deadletter", content=cloudevent({}, topic="deadletter")),
        ]
        assert [r.status_code for r in strangers] == [401] * 4
        assert published(runtime, Topic.MAINTENANCE_RECONCILE) == []
        tick = client.post("/cron-reconcile", headers={**fired, **sidecar})
        listed = client.get("/dapr/subscribe", headers=sidecar)
    assert tick.json()["run_id"] == "reconcile-20261126T120500"
    assert "deadletter" in {s["topic"] for s in listed.json()}


def test_a_reconcile_tick_publishes_once_per_scheduled_time(client, runtime):
    fired = {"readTimeUTC": "2026-11-26T12:05:00Z"}
    first = client.post("/cron-reconcile", headers=fired)
    twin = client.post("/cron-reconcile", headers=fired)  # another replica, same schedule
    later = client.post("/cron-reconcile", headers={"readTimeUTC": "2026-11-26T12:10:00Z"})
    assert [r.status_code for r in (first, twin, later)] == [200, 200, 200]
    assert first.json()["run_id"] == "reconcile-20261126T120500"
    assert twin.json()["run_id"] is None
    [(event, event_id), _] = published(runtime, Topic.MAINTENANCE_RECONCILE)
    assert event_id == "reconcile-20261126T120500"
    assert event.overdue_after_minutes == 10


def test_replicas_agree_on_the_run_from_daprs_own_time_format(client, runtime):
    # What Dapr's cron binding sends: Go's time.String(), nanoseconds and all.
    one = {"readTimeUTC": "2026-11-29 15:31:20.000544488 +0000 UTC"}
    two = {"readTimeUTC": "2026-11-29 15:31:20.004211907 +0000 UTC"}
    first = client.post("/cron-reconcile", headers=one).json()
    twin = client.post("/cron-reconcile", headers=two).json()
    assert first["run_id"] == "reconcile-20261129T153120"
    assert twin["run_id"] is None
    assert len(published(runtime, Topic.MAINTENANCE_RECONCILE)) == 1


def test_a_tick_without_a_readable_time_runs_at_the_clocks_time(client, runtime):
    run = client.post("/cron-reconcile", headers={"readTimeUTC": "soon"}).json()
    assert run["run_id"] == "reconcile-20261126T120000"  # the injected clock's now


def test_a_cleanup_tick_asks_every_service_with_the_retention_cutoff(client, runtime):
    client.post("/cron-cleanup", headers={"readTimeUTC": "2026-11-26T03:00:00Z"})
    [(event, event_id)] = published(runtime, Topic.MAINTENANCE_CLEANUP)
    assert event_id == event.run_id == "cleanup-20261126T030000"
    assert event.retention_cutoff == datetime(2026, 10, 27, 3, tzinfo=UTC)


def test_reports_are_recorded_on_their_run(client, runtime):
    run = client.post("/cron-cleanup", headers={"readTimeUTC": "2026-11-26T03:00:00Z"}).json()[
        "run_id"
    ]
    report = {"service": "image", "run_id": run, "counts": {"photos": 4}}
    client.post("/events/maintenance.report", content=json.dumps({"id": "r1", "data": report}))
    [listed] = client.get("/runs", params={"job": "cleanup"}, headers=AUTH).json()["runs"]
    assert listed["counts"] == {"image": {"photos": 4}}
    assert listed["ended_at"] is not None


def dead_letter(event_id="payment.completed-ord_1", user="whatsapp:+1"):
    return json.dumps(
        {
            "id": event_id,
            "topic": "payment.completed",
            "source": "payment",
            "data": {"order_id": "ord_1", "user": user, "schema_version": 1},
        }
    )


def test_dead_letters_are_kept_once_and_can_be_replayed_and_discarded(client, runtime):
    for _ in range(2):
        assert client.post("/events/deadletter", content=dead_letter()).json() == {
            "status": "SUCCESS"
        }
    [letter] = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    assert (letter["topic"], letter["event_id"], letter["payload"]["order_id"]) == (
        "payment.completed",
        "payment.completed-ord_1",
        "ord_1",
    )
    replayed = client.post(f"/deadletters/{letter['id']}/replay", headers=AUTH).json()
    assert replayed["replayed_at"] is not None
    [(topic, data, event_id)] = runtime.ports.publisher.raw
    assert (topic, event_id) == ("payment.completed", "payment.completed-ord_1")
    assert json.loads(data)["order_id"] == "ord_1"
    assert client.delete(f"/deadletters/{letter['id']}", headers=AUTH).status_code == 204
    assert client.get("/deadletters", headers=AUTH).json() == {"deadletters": []}
    assert client.delete(f"/deadletters/{letter['id']}", headers=AUTH).status_code == 404


def test_a_replay_that_fails_again_shows_as_failed_again(client, runtime):
    client.post("/events/deadletter", content=dead_letter())
    [letter] = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    assert (letter["status"], letter["failures"]) == ("failed", 1)
    replayed = client.post(f"/deadletters/{letter['id']}/replay", headers=AUTH).json()
    assert replayed["status"] == "replayed"
    # The subscriber fails it again: Dapr dead-letters it with the same id.
    client.post("/events/deadletter", content=dead_letter())
    [again] = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    assert (again["status"], again["failures"], again["replayed_at"]) == ("failed", 2, None)
    assert again["id"] == letter["id"]


def test_the_operator_api_needs_the_token(client):
    assert client.get("/deadletters").status_code == 401
    assert client.get("/deadletters", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert client.post("/deadletters/1/replay").status_code == 401


def test_the_dead_letter_subscription_has_no_dead_letter_of_its_own(client):
    subscriptions = {s["topic"]: s for s in client.get("/dapr/subscribe").json()}
    assert "deadLetterTopic" not in subscriptions["deadletter"]
    assert subscriptions["maintenance.report"]["deadLetterTopic"] == "deadletter"


def test_a_replay_failing_before_the_publish_returns_still_counts_as_failed(client, runtime):
    # Dapr can dead-letter the replayed message before the publish call has returned.
    client.post("/events/deadletter", content=dead_letter())
    [letter] = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    publisher = runtime.ports.publisher
    publish_json = publisher.publish_json

    def publish_and_fail_at_once(topic, data, *, event_id=None):
        publish_json(topic, data, event_id=event_id)
        client.post("/events/deadletter", content=dead_letter())

    publisher.publish_json = publish_and_fail_at_once
    answer = client.post(f"/deadletters/{letter['id']}/replay", headers=AUTH).json()
    # The answer is the replay's: the operator pressed Replay, and it was replayed.
    assert (answer["status"], answer["failures"]) == ("replayed", 1)
    [again] = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    assert (again["status"], again["failures"]) == ("failed", 2)


def test_a_replay_that_cannot_be_published_is_not_marked_replayed(client, runtime):
    client.post("/events/deadletter", content=dead_letter())
    [letter] = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    runtime.ports.publisher.fail = True
    assert client.post(f"/deadletters/{letter['id']}/replay", headers=AUTH).status_code == 503
    [same] = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    assert (same["status"], same["replayed_at"]) == ("failed", None)


def test_an_erasure_removes_the_persons_dead_letters_and_reports_it(client, runtime):
    gone, kept = "whatsapp:+34600000001", "whatsapp:+34600000002"
    client.post("/events/deadletter", content=dead_letter("e1", gone))
    client.post("/events/deadletter", content=dead_letter("e2", kept))
    erased = {"id": "erase-1", "topic": "user.erased", "data": {"user": gone}}
    response = client.post("/events/user.erased", content=json.dumps(erased))
    assert response.json() == {"status": "SUCCESS"}
    run_id = erasure_run_id(gone)
    runs = client.get("/runs", headers=AUTH, params={"job": "erasure"}).json()["runs"]
    [run] = [r for r in runs if r["id"] == run_id]
    assert run["counts"]["maintenance"] == {"dead_letters": 1, "orders": 0}
    assert gone.removeprefix("whatsapp:+") not in run_id
    client.post("/events/user.erased", content=json.dumps(erased))  # a redelivery
    letters = client.get("/deadletters", headers=AUTH).json()["deadletters"]
    assert [letter["event_id"] for letter in letters] == ["e2"]


PERSON = "whatsapp:+34600000009"


def order_event(client, topic, data, event_id=None, order_id="ord_t1"):
    body = {"order_id": order_id, "user": PERSON, **data}
    sent = cloudevent(body, event_id=event_id or f"{topic}-{order_id}", topic=topic, source="x")
    return client.post(f"/events/{topic}", content=sent).json()


CHECKOUT = {"channel": "twilio", "pack_code": "corporate", "subject": "woman"}
PAID = {
    "pack_code": "corporate",
    "subject": "woman",
    "amount_minor": 1499,
    "currency": "usd",
    "provider_reference": "pi_1",
}


def test_the_timeline_is_in_the_order_events_happened_not_the_order_they_arrived(client, runtime):
    """Deliveries of different topics race: the answer can arrive before the request. The
    CloudEvent's time (to the second, from the publishing sidecar) puts them right."""
    published = runtime.ports.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    runtime.ports.clock.advance(seconds=2)  # they reach maintenance a little later
    ready = {"url": "https://pay.example/x", "expires_at": "2026-12-01T00:00:00Z"}
    for topic, data in (("checkout.ready", ready), ("checkout.requested", CHECKOUT)):
        body = {"order_id": "ord_race", "user": PERSON, **data}
        sent = cloudevent(body, event_id=f"{topic}-race", topic=topic, time=published)
        assert client.post(f"/events/{topic}", content=sent).json() == {"status": "SUCCESS"}
    order = client.get("/orders/ord_race", headers=AUTH).json()
    assert [e["topic"] for e in order["timeline"]] == ["checkout.requested", "checkout.ready"]
    assert {e["at"] for e in order["timeline"]} == {published.replace("Z", "+00:00")}


def test_an_orders_timeline_keeps_each_event_once_and_its_furthest_stage(client, runtime):
    clock = runtime.ports.clock
    assert order_event(client, "checkout.requested", CHECKOUT) == {"status": "SUCCESS"}
    clock.advance(minutes=1)
    order_event(client, "payment.completed", PAID)
    clock.advance(minutes=1)
    started = {"tune_id": "42", "eta_minutes": 20, "expected": 8}
    order_event(client, "tune.started", started)
    order_event(client, "tune.started", started)  # redelivered
    # Late and out of order: kept on the timeline, but the order stays where it got to.
    late = {"url": "https://pay.example/x", "expires_at": "2026-12-01T00:00:00Z"}
    order_event(client, "checkout.ready", late)
    order = client.get("/orders/ord_t1", headers=AUTH).json()
    assert order["stage"] == "training"
    assert order["user"] == "whatsapp:+34******009"
    assert (order["expected"], order["eta"] is not None) == (8, True)
    # Noted as it came, shown as it happened: within one second, by the stage it reached.
    assert [e["topic"] for e in order["timeline"]] == [
        "checkout.requested",
        "payment.completed",
        "checkout.ready",
        "tune.started",
    ]
    assert client.get("/orders/nope", headers=AUTH).status_code == 404
    assert client.get("/orders", headers=AUTH, params={"stage": "training"}).json()["orders"]
    assert client.get("/orders", headers=AUTH, params={"stage": "paid"}).json()["orders"] == []


def test_stuck_orders_are_listed_with_why(client, runtime):
    clock = runtime.ports.clock
    order_event(client, "checkout.requested", CHECKOUT, order_id="ord_paid")
    order_event(client, "payment.completed", PAID, order_id="ord_paid")
    order_event(client, "checkout.requested", CHECKOUT, order_id="ord_short")
    order_event(client, "order.completed", {"images": 4, "expected": 8}, order_id="ord_short")
    order_event(client, "checkout.requested", CHECKOUT, order_id="ord_fine")
    order_event(client, "payment.completed", PAID, order_id="ord_fine")
    clock.advance(minutes=5)
    order_event(client, "tune.started", {"tune_id": "7", "eta_minutes": 20}, order_id="ord_fine")
    clock.advance(minutes=6)  # ord_paid: paid 11 minutes ago, and no training
    stuck = client.get("/orders/stuck", headers=AUTH).json()["orders"]
    assert {o["order_id"]: o["why"] for o in stuck} == {
        "ord_paid": "paid, and no training started after 10 minutes",
    }
    clock.advance(minutes=60)  # ord_fine is far past its ETA; ord_short got no refund
    stuck = client.get("/orders/stuck", headers=AUTH).json()["orders"]
    assert {o["order_id"]: o["why"] for o in stuck} == {
        "ord_paid": "paid, and no training started after 10 minutes",
        "ord_short": "delivered 4 of the pack's 8 portraits, and nothing refunded after 30 minutes",
        "ord_fine": "training, more than 30 minutes past its ETA",
    }
    refund = {"amount_minor": 750, "currency": "usd", "partial": True}
    order_event(client, "payment.refunded", refund, order_id="ord_short")
    stuck = client.get("/orders/stuck", headers=AUTH).json()["orders"]
    assert "ord_short" not in {o["order_id"] for o in stuck}  # settled by its refund


def test_many_orders_delivered_long_ago_hide_no_stuck_one(runtime):
    timeline, clock = runtime.ports.timeline, runtime.ports.clock
    for n in range(3):  # delivered whole: settled, whatever their age
        note(timeline, f"ord_{n}", "order.completed", clock(), stage="delivered", images=8)
    clock.advance(minutes=5)
    note(timeline, "ord_late", "payment.completed", clock(), stage="paid")
    assert [v.order_id for v in timeline.unsettled(limit=1)] == ["ord_late"]


def note(timeline, order_id, topic, at, *, stage, images=None):
    rank = {"paid": 4, "delivered": 8}[stage]
    timeline.note(
        OrderNote(
            order_id, f"{topic}-{order_id}", topic, "x", PERSON, at, rank, stage, None, images, 8
        )
    )


def test_an_erasure_removes_the_persons_orders_from_the_timeline(client, runtime):
    order_event(client, "checkout.requested", CHECKOUT)
    erased = {"id": "erase-2", "topic": "user.erased", "data": {"user": PERSON}}
    client.post("/events/user.erased", content=json.dumps(erased))
    assert client.get("/orders/ord_t1", headers=AUTH).status_code == 404
    runs = client.get("/runs", headers=AUTH, params={"job": "erasure"}).json()["runs"]
    [run] = [r for r in runs if r["id"] == erasure_run_id(PERSON)]
    assert run["counts"]["maintenance"] == {"dead_letters": 0, "orders": 1}


def test_the_orders_need_the_token(client):
    for path in ("/orders", "/orders/stuck", "/orders/ord_t1"):
        assert client.get(path).status_code == 401


def test_the_operator_page_is_served_without_the_token_and_reads_nothing_itself(client):
    assert client.get("/operator", follow_redirects=False).headers["location"] == "/operator/"
    page = client.get("/operator/")
    assert page.status_code == 200
    assert "operator token" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = client.get("/operator/operator.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "Authorization" in script.text
    assert client.get("/operator/..%2Fapp.py").status_code == 404
    assert client.get("/operator/settings.py").status_code == 404
    # What the page shows still needs the token.
    assert client.get("/orders/stuck").status_code == 401


def test_each_reconcile_tick_counts_the_stuck_orders_and_says_so_once(client, runtime, caplog):
    order_event(client, "checkout.requested", CHECKOUT, order_id="ord_late")
    order_event(client, "payment.completed", PAID, order_id="ord_late")
    tick = {"readTimeUTC": "2026-11-26T12:05:00Z"}
    client.post("/cron-reconcile", headers=tick)
    assert STUCK_ORDERS._value.get() == 0  # paid a moment ago: not stuck yet
    runtime.ports.clock.advance(minutes=11)
    later = {"readTimeUTC": "2026-11-26T12:20:00Z"}
    with caplog.at_level("WARNING"):
        client.post("/cron-reconcile", headers=later)
        client.post("/cron-reconcile", headers=later)  # the other replica's twin tick
    assert STUCK_ORDERS._value.get() == 1
    said = [r for r in caplog.records if r.getMessage() == "orders stuck"]
    assert len(said) == 1
    assert said[0].orders == {"ord_late": "paid, and no training started after 10 minutes"}
