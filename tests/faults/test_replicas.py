"""Two replicas of every service (same app id, each with its own sidecar), ten journeys
at once: each person gets everything once, and each cron tick makes one run."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from itertools import pairwise

import httpx
import pytest

from tests.e2e.people import PORTRAITS, acknowledged
from tests.faults import FAULT_ENV, TIME_SCALE
from tests.faults.test_kills import (
    PAY_TEXT,
    Fault,
    count,
    dead_letters_about,
    journey,
    sandbox_state,
)
from tests.stacks import TEST_SCHEDULES
from tools import devstack
from tools.stack import Stack

pytestmark = pytest.mark.faults

NO_FAULT = Fault("none", "none", "none")


@pytest.fixture
def replicated(request, stacks):
    return stacks.get(
        request,
        lambda workdir: Stack(
            "redis",
            workdir,
            schedules=TEST_SCHEDULES,
            env=FAULT_ENV,
            replicas={"message": 2, "image": 2, "payment": 2, "maintenance": 2},
            time_scale=TIME_SCALE,
        ),
    )


def test_ten_journeys_at_once_on_two_replicas_each_get_everything_once(replicated):
    with ThreadPoolExecutor(max_workers=10) as pool:
        finished = list(pool.map(lambda _: journey(replicated, NO_FAULT), range(10)))
    sessions = sandbox_state(replicated, "stripe")["sessions"]
    tunes = sandbox_state(replicated, "astria")["tunes"]
    for person, order_id in finished:
        got = person.received()
        assert sum(acknowledged(got)) == 3, got
        for once in (PAY_TEXT, "Payment received", "That's all of them"):
            assert count(got, once) == 1, (once, got)
        images = [m for m in got if m.startswith("[image")]
        assert len(images) == len(set(images)) == PORTRAITS
        assert sum(s["client_reference_id"] == order_id for s in sessions) == 1
        assert sum(t["title"] == order_id for t in tunes) == 1
        assert dead_letters_about(replicated, person) == []


def test_both_maintenance_replicas_fire_every_tick_yet_each_tick_is_one_run(replicated):
    token = json.loads(devstack.ensure_secrets_file().read_text())["operator-token"]
    runs = httpx.get(
        f"{replicated['maintenance'].url}/runs",
        params={"job": "reconcile", "limit": 500},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["runs"]
    assert len(runs) >= 5
    ticks = sorted(
        datetime.strptime(re.sub(r"^reconcile-", "", run["id"]), "%Y%m%dT%H%M%S") for run in runs
    )
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(ticks)]
    # Ticks every 2 s: a second run for one tick would sit a second (or none) from another.
    assert min(gaps) >= 2, gaps
    logs = (replicated.logs_dir / "maintenance-2.app.log").read_text()
    assert "cron-reconcile" in logs  # the second replica did fire, and was told "already run"
