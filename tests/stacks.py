"""The real system as a pytest fixture: each stack started once per run, by the first test
that needs it, and stopped after the last.

A fixture that asks for `stacks` starts a stack (`stacks.get`); which one is its place,
its name and its parameter (`stack_keys`). tests/conftest.py orders the tests so that
each stack's tests run together (on one xdist worker), stops a stack as soon as the
next test does not use it, and adds its processes' logs to the report of a test that
failed on it.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools.stack import Stack

# Maintenance's ticks every 2 s (aligned to the clock, as in production) so they happen
# while the tests run.
TEST_SCHEDULES = {"RECONCILE_SCHEDULE": "*/2 * * * * *", "CLEANUP_SCHEDULE": "@every 1h"}


def stack_keys(item: pytest.Item | None) -> dict[str, str]:
    """The stacks a test runs on: fixture name -> the stack's key (where the fixture is
    defined, its name, and the parameter it was given)."""
    info = getattr(item, "_fixtureinfo", None)
    if item is None or info is None:
        return {}
    params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
    keys = {}
    for name, definitions in info.name2fixturedefs.items():
        definition = definitions[-1]  # the one that applies here
        if "stacks" not in definition.argnames:
            continue
        key = f"{definition.baseid}::{name}"
        keys[name] = f"{key}[{params[name]}]" if name in params else key
    return keys


class Stacks:
    """The stacks of one session (of one xdist worker), by key."""

    def __init__(self, workdirs: pytest.TempPathFactory) -> None:
        self.workdirs = workdirs
        self.running: dict[str, Stack] = {}

    def get(self, request: pytest.FixtureRequest, build: Callable[[Path], Stack]) -> Stack:
        """The stack of the fixture asking, started by `build(workdir)` if not running."""
        key = stack_keys(request.node)[str(request.fixturename)]
        if key not in self.running:
            stack = build(self.workdirs.mktemp(re.sub(r"\W+", "-", key).strip("-")[-60:]))
            try:
                stack.start()
            except Exception as exc:
                stack.stop()
                raise RuntimeError(f"{key} did not start\n{stack.logs()}") from exc
            self.running[key] = stack
        return self.running[key]

    def of(self, item: pytest.Item) -> dict[str, Stack]:
        """The running stacks `item` uses, by key."""
        return {k: self.running[k] for k in stack_keys(item).values() if k in self.running}

    def release(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        """Stop the stacks `item` used that the next test does not."""
        needed = set(stack_keys(nextitem).values())
        for key in self.of(item).keys() - needed:
            self.running.pop(key).stop()

    def stop_all(self) -> None:
        while self.running:
            self.running.popitem()[1].stop()


STACKS = pytest.StashKey[Stacks]()
