import pytest

from tests.stacks import TEST_SCHEDULES
from tools.stack import Stack


@pytest.fixture
def stack(request, stacks):
    """The `postgres` profile: every service's tables and Dapr's state on PostgreSQL."""
    return stacks.get(request, lambda workdir: Stack("postgres", workdir, schedules=TEST_SCHEDULES))
