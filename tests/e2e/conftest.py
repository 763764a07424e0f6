import os
import subprocess
import sys
import tempfile

import pytest

from tests.stacks import TEST_SCHEDULES
from tools.stack import Stack


@pytest.fixture(params=("local", "redis"))
def stack(request, stacks):
    """The whole system on real daprd sidecars, one per components profile (the `postgres`
    profile runs the journeys in tests/e2e/postgres). The `local` one protects both hops
    with API tokens, as Kubernetes and Azure do; `redis` leaves them open, as `make run`
    does. Tests share it: each plays people of its own."""
    profile = request.param
    return stacks.get(
        request,
        lambda workdir: Stack(
            profile, workdir, schedules=TEST_SCHEDULES, api_tokens=profile == "local"
        ),
    )


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
