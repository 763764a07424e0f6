"""What a process costs, read from /proc: CPU seconds and resident memory."""

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system time of the process and of its children that ended."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime, stime, cutime, cstime are fields 14-17 of stat; [0] here is field 3.
    return sum(int(value) for value in fields[11:15]) / TICKS


def _rollup(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident memory, every page counted whole (the figure `ps` and `top` show)."""
    return _rollup(pid, "Rss")


def pss_mb(pid: int) -> float:
    """Resident memory with each page shared by N processes counted 1/N: five daprd share
    one binary's pages, so their RSS counts those pages five times over."""
    return _rollup(pid, "Pss")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass(frozen=True)
class Sample:
    cpu: dict[str, float]
    rss: dict[str, float]
    pss: dict[str, float]


def sample(pids: dict[str, int]) -> Sample:
    return Sample(
        {name: cpu_seconds(pid) for name, pid in pids.items()},
        {name: rss_mb(pid) for name, pid in pids.items()},
        {name: pss_mb(pid) for name, pid in pids.items()},
    )
