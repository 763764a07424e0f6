"""What every suite may ask for, and how the suites share two cores.

`make test` runs the tests on xdist workers (`-n`, `--dist loadgroup`): the fast suites
spread over all of them, each stack's tests go to one worker together (tests/stacks.py), and
the fault tests, which kill processes and time outages, keep to one lane of their own.
The fakes themselves live in tests/fakes.py.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import FixedClock
from tests.stacks import STACKS, Stacks, stack_keys
from tools import devstack

# Directories whose tests share one lane (xdist group), whatever stacks they use.
LANES = ("faults", "browser")


@pytest.fixture
def clock() -> FixedClock:
    """The test's clock: it stands still on a fixed day until the test moves it."""
    return FixedClock()


@pytest.fixture(scope="session")
def stacks(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Stacks]:
    """Every stack of this session; tests ask for theirs through their suite's fixture."""
    running = Stacks(tmp_path_factory)
    request.config.stash[STACKS] = running
    yield running
    running.stop_all()


def pytest_configure(config: pytest.Config) -> None:
    """Each xdist worker draws its free ports from a range of its own: two workers never
    pick the same port between one's check and its bind."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        count = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
        low, high = devstack.port_range()
        width = (high - low) // count
        start = low + int(worker.removeprefix("gw")) * width
        os.environ["FREE_PORTS"] = f"{start}-{start + width}"


def lane(item: pytest.Item) -> str | None:
    """The tests that must run on one worker, one after the other: a directory's lane, or
    a stack's tests, or an end-to-end module's (its module-scoped fixtures)."""
    parts = Path(item.nodeid.split("::")[0]).parts
    suite = parts[1] if len(parts) > 2 else ""
    if suite in LANES:
        return suite
    if keys := stack_keys(item):
        # xdist reads a group only when no "]" follows its "@" in the test's id.
        return " ".join(sorted(keys.values())).replace("[", "(").replace("]", ")")
    if suite == "e2e":
        return item.nodeid.split("::")[0]
    return None


# Lanes in the order they start: the longest first, the compose test's after the other
# stacks' (its images are built in the background meanwhile), then the fast suites, which
# fill in around the last lanes so that both workers finish together.
FIRST, LAST = ("faults",), ("tests/e2e/test_compose.py",)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each lane's tests together, in the order above; each lane is an xdist group."""
    lanes = {id(item): lane(item) for item in items}
    first: dict[str | None, int] = {}
    for index, item in enumerate(items):
        first.setdefault(lanes[id(item)], index)

    def rank(item: pytest.Item) -> tuple[int, int]:
        name = lanes[id(item)]
        order = 0 if name in FIRST else 2 if name in LAST else 3 if name is None else 1
        return (order, first[name])

    items.sort(key=rank)
    for item in items:
        if (name := lanes[id(item)]) is not None:
            item.add_marker(pytest.mark.xdist_group(name))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """A failed test's report carries the logs of every process of its stacks."""
    report = yield
    running = item.config.stash.get(STACKS, None)
    if report.failed and running is not None:
        for key, stack in running.of(item).items():
            report.sections.append((f"process logs of {key}", stack.logs(150)))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Once a test's own fixtures are gone, stop the stacks the next test does not use."""
    try:
        return (yield)
    finally:
        running = item.config.stash.get(STACKS, None)
        if running is not None:
            running.release(item, nextitem)
