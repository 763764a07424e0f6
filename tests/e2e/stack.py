"""Stacks as pytest fixtures: started once per module, logs printed when a test failed."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tools.stack import Stack

# Maintenance's ticks every 2 s (aligned to the clock, as in production) so they happen
# while the tests run.
TEST_SCHEDULES = {"RECONCILE_SCHEDULE": "*/2 * * * * *", "CLEANUP_SCHEDULE": "@every 1h"}


@contextmanager
def running(request: Any, stack: Stack, name: str) -> Iterator[Stack]:
    """A pytest fixture's body: start `stack`, hand it out, stop it; print every
    process's log when its start or any test that used it failed."""
    failed_before = request.session.testsfailed
    try:
        stack.start()
    except Exception:
        stack.stop()
        print(stack.logs())
        raise
    try:
        yield stack
    finally:
        stack.stop()
        if request.session.testsfailed > failed_before:
            print(f"\n===== process logs of the {name} stack =====\n{stack.logs(150)}")
