import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tools.devstack import ACA_DAPRD_VERSION
from tools.stack import Stack


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """The runtime Azure Container Apps runs (daprd 1.16) under the production-like store:
    every service's tables and Dapr's state on PostgreSQL (`postgres` profile)."""
    system = Stack(
        "postgres",
        tmp_path_factory.mktemp("stack-aca-dapr"),
        schedules=TEST_SCHEDULES,
        daprd_version=ACA_DAPRD_VERSION,
    )
    with running(request, system, f"daprd {ACA_DAPRD_VERSION}") as started:
        yield started
