import os
import subprocess
import sys
import tempfile

import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tools.stack import Stack


@pytest.fixture(scope="module", params=("local", "redis"))
def stack(request, tmp_path_factory):
    """The whole system on real daprd sidecars, once per components profile (the
    `postgres` profile runs the journeys in tests/e2e/postgres). The `local` one protects
    both hops with API tokens, as Kubernetes and Azure do; `redis` leaves them open, as
    `make run` does."""
    profile = request.param
    system = Stack(
        profile,
        tmp_path_factory.mktemp(f"stack-{profile}"),
        schedules=TEST_SCHEDULES,
        api_tokens=profile == "local",
    )
    with running(request, system, profile) as started:
        yield started


def pytest_collection_finish(session):
    """The compose test's images are built while the other tests run (most of a cold build
    waits on the network and the disk): its fixture then finds them made, or waits for them."""
    if any(item.nodeid.startswith("tests/e2e/test_compose.py") for item in session.items):
        log, _path = tempfile.mkstemp(prefix="containers-build-", suffix=".log")
        session.config.containers_build = subprocess.Popen(
            [sys.executable, "-m", "tools.containers", "build"], stdout=log, stderr=log
        )
        os.close(log)


def pytest_sessionfinish(session):
    build = getattr(session.config, "containers_build", None)
    if build is not None:
        build.wait()
