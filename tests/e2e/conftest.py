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
