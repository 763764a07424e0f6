import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tools.devstack import ACA_DAPRD_VERSION
from tools.stack import Stack


# The production-like store first (every service's tables and Dapr's state on PostgreSQL),
# then the two profiles a developer runs most.
@pytest.fixture(scope="module", params=["postgres", "redis", "local"])
def stack(request, tmp_path_factory):
    """The runtime Azure Container Apps runs (daprd 1.16), on each profile in turn."""
    profile = request.param
    system = Stack(
        profile,
        tmp_path_factory.mktemp(f"stack-aca-dapr-{profile}"),
        schedules=TEST_SCHEDULES,
        daprd_version=ACA_DAPRD_VERSION,
    )
    with running(request, system, f"daprd {ACA_DAPRD_VERSION} on {profile}") as started:
        yield started
