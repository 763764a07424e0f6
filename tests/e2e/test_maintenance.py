"""Maintenance on real sidecars: cron ticks, dead letters replayed, erasure everywhere."""

import json
import time
from datetime import timedelta

import httpx
import pytest

from shared.clock import system_clock
from tests.e2e.people import (
    GOOD,
    PORTRAITS,
    Person,
    acknowledged,
    blob_files,
    nothing_left,
    wait_published,
    walk_to_photos,
    where_the_person_remains,
)
from tools import devstack

pytestmark = pytest.mark.e2e


def operator(stack):
    token = json.loads(devstack.ensure_secrets_file().read_text())["operator-token"]
    return httpx.Client(
        base_url=stack["maintenance"].url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def wait_until(condition, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what}: not met in {timeout}s")


def test_the_reconcile_cron_ticks_and_each_tick_is_one_run(stack):
    assert httpx.get(f"{stack['maintenance'].url}/runs", timeout=5).status_code == 401
    with operator(stack) as client:

        def two_runs():
            found = client.get("/runs", params={"job": "reconcile", "limit": 2}).json()["runs"]
            return found if len(found) == 2 else None

        runs = wait_until(two_runs, what="two reconcile runs")
    assert len({run["id"] for run in runs}) == len(runs)
    published = [
        e for e in stack.published("maintenance.reconcile") if e["id"].startswith("reconcile-")
    ]
    assert len({e["id"] for e in published}) == len(published)  # one publish per tick


def person_with_photos(stack):
    person = Person(stack)
    walk_to_photos(person)
    before = len(person.received())
    person.send(files=GOOD[:3])
    # Sent together, answered together: one acknowledgement, the packs on it.
    assert acknowledged(person.wait_for(before + 1)[before:]) == [3]
    return person


def paid(stack, person, order_id, pack_code="corporate"):
    stack.publish_as(
        "payment",
        "payment.completed",
        {
            "order_id": order_id,
            "user": person.address,
            "pack_code": pack_code,
            "subject": "woman",
            "amount_minor": 1499,
            "currency": "usd",
            "provider_reference": f"pi_{order_id}",
        },
        event_id=f"payment.completed-{order_id}",
    )


def letters_for(client, order_id):
    letters = client.get("/deadletters").json()["deadletters"]
    return [d for d in letters if d["payload"].get("order_id") == order_id]


def test_a_transient_failure_is_retried_until_it_succeeds_never_dead_lettered(stack):
    person = person_with_photos(stack)
    sandbox = stack["sandbox"].url
    order_id = f"ord_retry_{stack.profile}"
    # Astria answers 500 three times: Dapr's retry policy backs off and tries again.
    httpx.post(f"{sandbox}/sandbox/astria/knobs", json={"fail_creates": 3}, timeout=5)
    try:
        paid(stack, person, order_id)
        [started] = wait_published(stack, "tune.started", 1, user=person.address)
        assert started["data"]["order_id"] == order_id
        astria = httpx.get(f"{sandbox}/sandbox/astria", timeout=5).json()
        assert astria["knobs"]["fail_creates"] == 0  # all three 500s were met
        assert sum(r.get("title") == order_id for r in astria["requests"]) == 1  # one tune
        time.sleep(1)
        with operator(stack) as client:
            assert letters_for(client, order_id) == []
    finally:
        httpx.post(f"{sandbox}/sandbox/astria/knobs", json={"fail_creates": 0}, timeout=5)


def test_a_poison_message_is_dead_lettered_at_once_and_a_failed_replay_stays_visible(stack):
    person = person_with_photos(stack)
    order_id = f"ord_poison_{stack.profile}"
    paid(stack, person, order_id, pack_code="no-such-pack")  # can never succeed: DROP
    with operator(stack) as client:
        letter = wait_until(
            lambda: next(iter(letters_for(client, order_id)), None),
            timeout=60,
            what="the dead letter",
        )
        assert (letter["topic"], letter["event_id"]) == (
            "payment.completed",
            f"payment.completed-{order_id}",
        )
        assert (letter["status"], letter["failures"]) == ("failed", 1)
        # The operator replays it; it fails again and comes back as failed, not "replayed".
        # Not within 100 ms of the original, as no operator does: JetStream drops a message
        # whose id it saw within its duplicate window, and 100 ms is the least it allows.
        time.sleep(0.3)
        assert client.post(f"/deadletters/{letter['id']}/replay").json()["status"] == "replayed"
        again = wait_until(
            lambda: next((d for d in letters_for(client, order_id) if d["failures"] == 2), None),
            timeout=60,
            what="the failed replay",
        )
        assert (again["id"], again["status"]) == (letter["id"], "failed")
        assert client.delete(f"/deadletters/{letter['id']}").status_code == 204
        assert client.post(f"/deadletters/{letter['id']}/replay").status_code == 404


def test_delete_leaves_no_trace_of_the_person(stack):
    sandbox = stack["sandbox"].url
    media_before = httpx.get(f"{sandbox}/sandbox/media", timeout=5).json()
    person = person_with_photos(stack)
    person.taps_and_waits("pack:corporate", 1)  # an order at the payment service, its link
    order_id = f"ord_erased_{stack.profile}"
    paid(stack, person, order_id)  # and a tune at Astria, with the person's photos
    [started] = wait_published(stack, "tune.started", 1, user=person.address)
    files = blob_files(stack, person)
    assert len(files) == 3
    assert all(path.is_file() for path in files)
    assert where_the_person_remains(stack, person)  # the check below can fail

    assert "Reply *YES* to confirm" in person.says_and_waits("DELETE", 1)[0]
    person.send("yes")

    wait_until(
        lambda: nothing_left(stack, person, files) and not where_the_person_remains(stack, person),
        what="the person erased everywhere",
    )
    with operator(stack) as client:
        erasure = wait_until(
            lambda: next(
                (
                    r
                    for r in client.get("/runs", params={"job": "erasure"}).json()["runs"]
                    if {"image", "payment", "maintenance"} <= set(r["counts"])
                ),
                None,
            ),
            what="the erasure report",
        )
    image = erasure["counts"]["image"]
    # Our copies of its portraits too: none to all, as far as the sandbox's Astria had got.
    assert image.pop("portrait_files") in range(PORTRAITS + 1)
    assert image == {"photos": 3, "provider_media": 3, "astria_tunes": 1}
    assert erasure["counts"]["payment"] == {"orders": 1}
    assert "dead_letters" in erasure["counts"]["maintenance"]
    # The providers' copies: Twilio's media of the three photos, the tune at Astria.
    media_after = httpx.get(f"{sandbox}/sandbox/media", timeout=5).json()
    deleted = set(media_after["deleted"]) - set(media_before["deleted"])
    assert len(deleted) == 3
    assert not deleted & set(media_after["held"])
    astria = httpx.get(f"{sandbox}/sandbox/astria", timeout=5).json()
    assert int(started["data"]["tune_id"]) in astria["deleted_tunes"]
    assert int(started["data"]["tune_id"]) not in {t["id"] for t in astria["tunes"]}


def test_cleanup_removes_expired_photos_and_keeps_fresh_ones(stack):
    earlier = person_with_photos(stack)
    time.sleep(1.5)
    middle = system_clock()  # the real system runs on the real clock
    time.sleep(1.5)
    later = person_with_photos(stack)

    old_files, fresh_files = blob_files(stack, earlier), blob_files(stack, later)
    assert len(old_files) == len(fresh_files) == 3
    # The tick the cron binding would send once `middle` is a retention period old.
    fired = (middle + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    tick = httpx.post(
        f"{stack['maintenance'].url}/cron-cleanup",
        headers={"readTimeUTC": fired, **stack.sidecar_headers},
        timeout=10,
    )
    run_id = tick.json()["run_id"]
    assert run_id.startswith("cleanup-")

    with operator(stack) as client:

        def reported():
            runs = client.get("/runs", params={"job": "cleanup", "limit": 500}).json()["runs"]
            run = next((r for r in runs if r["id"] == run_id), None)
            return run if run and {"image", "payment", "message"} <= set(run["counts"]) else None

        run = wait_until(reported, what="every service's cleanup report")
    assert run["counts"]["image"]["photos"] >= 3
    assert not any(path.exists() for path in old_files)
    assert all(path.is_file() for path in fresh_files)
    assert blob_files(stack, earlier) == []
    assert len(blob_files(stack, later)) == 3


def test_a_person_who_stopped_halfway_is_nudged_once(stack):
    person = Person(stack)
    walk_to_photos(person)
    before = len(person.received())
    later = (system_clock() + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for tick in (1, 2):  # the next reconcile finds them nudged already
        stack.publish_as(
            "maintenance",
            "maintenance.reconcile",
            {"requested_at": later, "overdue_after_minutes": 10},
            event_id=f"reconcile-nudge-{person.phone}-{tick}",
        )
    nudge = person.wait_for(before + 1)[before]
    assert "Still there?" in nudge
    time.sleep(2)
    assert sum("Still there?" in m for m in person.received()) == 1
