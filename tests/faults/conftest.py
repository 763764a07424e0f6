import pytest

from tests.faults import FAULT_ENV, TIME_SCALE
from tests.stacks import TEST_SCHEDULES
from tools.stack import Stack


@pytest.fixture
def stack(request, stacks):
    """The whole system on the `redis` profile (a durable broker), real daprd, shared by
    the fault tests; each test breaks and mends it for its own people."""
    return stacks.get(
        request,
        lambda workdir: Stack(
            "redis", workdir, schedules=TEST_SCHEDULES, env=FAULT_ENV, time_scale=TIME_SCALE
        ),
    )
