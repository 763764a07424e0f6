"""A provider outage the sandbox can be asked for: errors, or calls that hang."""

import asyncio
from dataclasses import dataclass


@dataclass
class Outage:
    until: float = 0.0  # Unix time, by the sandbox's clock
    hang: bool = False  # hold each call until the outage ends, instead of failing it

    async def strikes(self, now: float) -> bool:
        """True when this call must fail now. A hang holds the call until the outage is
        over and then lets it through, late: the caller has timed out by then and retries,
        while the first request is processed after all, as a stuck provider does."""
        if now >= self.until:
            return False
        if not self.hang:
            return True
        await asyncio.sleep(self.until - now)
        return False
