"""The sandbox's provider outages: failing calls, or calls held until the outage ends."""

import asyncio

from services.sandbox.outages import Outage


def test_an_error_outage_fails_calls_until_it_ends():
    outage = Outage(until=100.0)
    assert asyncio.run(outage.strikes(99.0)) is True
    assert asyncio.run(outage.strikes(100.0)) is False


def test_a_hang_holds_the_call_until_the_outage_ends_then_lets_it_through():
    async def call() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        struck = await Outage(until=50.0, hang=True).strikes(50.0 - 0.2)
        return struck, loop.time() - started

    struck, held = asyncio.run(call())
    assert struck is False
    assert held >= 0.19


def test_no_outage_lets_every_call_through_at_once():
    assert asyncio.run(Outage().strikes(1.0)) is False
