"""How `make test` shares its stacks (tests/stacks.py, tests/conftest.py), on a small suite
of its own whose stacks only write down when they start and stop: each starts once, on one
worker, stops once its last test is done, and a test that fails on one gets its logs."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STACK_FIXTURES = '''
import os
import pytest

class Recorded:
    """Stands for tools.stack.Stack: notes its start and stop in EVENTS."""

    def __init__(self, name):
        self.name = name

    def note(self, what):
        with open(os.environ["EVENTS"], "a") as events:
            events.write(f"{what} {self.name} {os.environ.get('PYTEST_XDIST_WORKER', '-')}\\n")

    def start(self):
        self.note("start")

    def stop(self):
        self.note("stop")

    def logs(self, tail_lines=80):
        return f"the processes of {self.name} said goodbye"

@pytest.fixture(params=["local", "redis"])
def stack(request, stacks):
    return stacks.get(request, lambda workdir: Recorded(request.param))
'''

JOURNEYS = """
def test_{name}_one(stack):
    assert stack.name in ("local", "redis")

def test_{name}_two(stack):
    assert not (stack.name == "redis" and "{name}" == "conversation" and {fail})
"""


def suite(tmp_path: Path, fail: bool = False) -> Path:
    root = tmp_path / "suite"
    (root / "e2e").mkdir(parents=True)
    (root / "unit").mkdir()
    (root / "conftest.py").write_text("from tests.conftest import *  # noqa\n")
    (root / "e2e" / "conftest.py").write_text(STACK_FIXTURES)
    for name in ("conversation", "payment"):
        (root / "e2e" / f"test_{name}.py").write_text(JOURNEYS.format(name=name, fail=fail))
    (root / "unit" / "test_fast.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(20))\ndef test_fast(n):\n    pass\n"
    )
    return root


def run(root: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    events = root / "events.log"
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", *options],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "EVENTS": str(events)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return finished, events.read_text().splitlines() if events.exists() else []


def test_in_one_process_each_stack_starts_once_and_a_failure_gets_its_logs(tmp_path):
    finished, events = run(suite(tmp_path, fail=True))
    assert "1 failed, 27 passed" in finished.stdout, finished.stdout
    # One stack at a time: each stopped once the next test does not use it.
    assert [e.rsplit(" ", 1)[0] for e in events] == [
        "start local",
        "stop local",
        "start redis",
        "stop redis",
    ]
    assert "process logs of" in finished.stdout
    assert "the processes of redis said goodbye" in finished.stdout
    assert "the processes of local said goodbye" not in finished.stdout


def test_on_two_workers_each_stack_starts_once_on_one_of_them(tmp_path):
    finished, events = run(suite(tmp_path), "-n", "2", "--dist", "loadgroup")
    assert "28 passed" in finished.stdout, finished.stdout
    for name in ("local", "redis"):
        mine = [e.split() for e in events if e.split()[1] == name]
        assert [what for what, _, _ in mine] == ["start", "stop"], events
        assert mine[0][2] == mine[1][2] != "-", events  # on one worker
