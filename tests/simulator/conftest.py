"""Fixtures of the simulator's own tests: an HTTP client on the in-process app, and a simulator on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from ..helpers import SIM_BASE_URL, FakeClock

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z, a Friday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def clocked(clock: FakeClock) -> Simulator:
    """A simulator whose time moves only when the test moves `clock`."""
    return Simulator(clock=clock)


@pytest.fixture
async def http(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator.app), base_url=SIM_BASE_URL + "/") as c:
        yield c


@pytest.fixture
async def clocked_http(clocked: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=clocked.app), base_url=SIM_BASE_URL + "/") as c:
        yield c
