"""Time is an input: only shared/clock.py reads the wall clock.

Everything else (services, shared code, fakes and tests) takes time from an
injected clock, so no behaviour and no test depends on today's date.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Reads of the calendar: datetime.now/utcnow/today, date.today, time.time (and its _ns twin).
WALL_CLOCK = re.compile(
    r"\b(?:datetime\.(?:now|utcnow|today)|date\.today|time\.time(?:_ns)?)\s*\("
    r"|\bfrom\s+time\s+import\s+[^\n]*\btime\b"
)
# The clock itself, and this test, whose examples name what it looks for.
ALLOWED = {Path("shared/clock.py"), Path("tests/unit/test_clock_discipline.py")}


def offenders() -> list[str]:
    found = []
    for folder in ("services", "shared", "tests", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in ALLOWED or "tools/dapr" in relative.as_posix():
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if WALL_CLOCK.search(line.split("#", 1)[0]):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_only_the_clock_module_reads_the_wall_clock():
    assert offenders() == [], "take the time from the injected clock (shared/clock.py)"


def test_the_check_catches_every_form():
    for line in (
        "x = datetime.now(UTC)",
        "x = datetime.utcnow()",
        "x = date.today()",
        "stamp = time.time()",
        "stamp = time.time_ns()",
        "from time import time",
    ):
        assert WALL_CLOCK.search(line), line
    for line in ("deadline = time.monotonic() + 5", "time.sleep(1)", "deps.clock()"):
        assert not WALL_CLOCK.search(line), line
