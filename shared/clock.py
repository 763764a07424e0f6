"""The one source of the current time.

Every service, handler, adapter and fake takes a `Clock` from its composition
root; `system_clock` is the only reader of the wall clock in the product, and
tests pass a clock of their own (tests/fakes.py `FixedClock`). A unit test
(tests/unit/test_clock_discipline.py) keeps it that way.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)
