import pytest

from tests.stacks import TEST_SCHEDULES
from tools.devstack import ACA_DAPRD_VERSION
from tools.stack import Stack


# The production-like store first (every service's tables and Dapr's state on PostgreSQL),
# then the two profiles a developer runs most.
@pytest.fixture(params=["postgres", "redis", "local"])
def stack(request, stacks):
    """The runtime Azure Container Apps runs (daprd 1.16), on each profile in turn."""
    profile = request.param
    return stacks.get(
        request,
        lambda workdir: Stack(
            profile, workdir, schedules=TEST_SCHEDULES, daprd_version=ACA_DAPRD_VERSION
        ),
    )
