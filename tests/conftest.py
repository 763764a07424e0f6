"""What every suite may ask for. The fakes themselves live in tests/fakes.py."""

import pytest

from tests.fakes import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    """The test's clock: it stands still on a fixed day until the test moves it."""
    return FixedClock()
