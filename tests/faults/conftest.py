import pytest

from tests.e2e.stack import Stack


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """The whole system on the `redis` profile (a durable broker), real daprd, shared by
    every fault test; each test breaks and mends it for its own people."""
    system = Stack(
        "redis",
        tmp_path_factory.mktemp("faults"),
        schedules={"RECONCILE_SCHEDULE": "*/2 * * * * *", "CLEANUP_SCHEDULE": "@every 1h"},
        # Callbacks lost while a process was down are fetched 15 s after the tune's ETA.
        env={"RECONCILE_OVERDUE_MINUTES": "0.25"},
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
        print(f"\n===== process logs of the fault stack =====\n{system.logs(tail_lines=150)}")
