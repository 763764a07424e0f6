import pytest

from tests.e2e.stack import Stack
from tools import devstack


@pytest.fixture(scope="module", params=devstack.PROFILES)
def stack(request, tmp_path_factory):
    """The whole system on real daprd sidecars, once per components profile."""
    profile = request.param
    # Cron in seconds, so maintenance's ticks happen while the tests run.
    system = Stack(
        profile,
        tmp_path_factory.mktemp(f"stack-{profile}"),
        schedules={"RECONCILE_SCHEDULE": "*/2 * * * * *", "CLEANUP_SCHEDULE": "@every 1h"},
    )
    failed_before = request.session.testsfailed
    try:
        system.start()
    except Exception:
        system.stop()
        print(system.logs())
        raise
    yield system
    system.stop()
    if request.session.testsfailed > failed_before:
        print(f"\n===== process logs of the {profile} stack =====\n{system.logs()}")
