"""A cron tick, whichever replica hears it: its scheduled time and its run id."""

import re
from datetime import UTC, datetime

# Dapr's cron binding sends Go's time.String() of the scheduled tick, e.g.
# "2026-11-29 15:31:20.000544488 +0000 UTC"; ISO 8601 is accepted too.
_READ_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})(?:\.\d+)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)


def parse_read_time(raw: str) -> datetime | None:
    """The tick's scheduled time to the second, or None when the header says nothing usable."""
    match = _READ_TIME.match(raw.strip())
    if match is None:
        return None
    offset = (match["offset"] or "Z").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}")
    except ValueError:
        return None
    return moment.astimezone(UTC)


def run_id(job: str, fired_at: datetime) -> str:
    """Every replica's tick of one schedule has the same scheduled time, so the same id."""
    return f"{job}-{fired_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}"
