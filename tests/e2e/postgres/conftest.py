import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tools.stack import Stack


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """The `postgres` profile: every service's tables and Dapr's state on PostgreSQL."""
    system = Stack("postgres", tmp_path_factory.mktemp("stack-postgres"), schedules=TEST_SCHEDULES)
    with running(request, system, "postgres") as started:
        yield started
