import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tests.faults import FAULT_ENV
from tools.stack import Stack


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """The whole system on the `redis` profile (a durable broker), real daprd, shared by
    a module's tests; each test breaks and mends it for its own people."""
    system = Stack(
        "redis", tmp_path_factory.mktemp("faults"), schedules=TEST_SCHEDULES, env=FAULT_ENV
    )
    with running(request, system, "fault") as started:
        yield started
