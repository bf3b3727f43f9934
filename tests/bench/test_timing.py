"""Benchmark timing over a real socket: the simulator on loopback, scripted latency and token rates per model.

In process, `httpx.ASGITransport` hands over a whole body at once, so only a socket shows when
each token arrives. The figures come from the client's own clock readings (its metering records).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.bench import plan_benchmark
from mcp_server_openrouter.bench.runner import run_benchmark
from mcp_server_openrouter.simulator import Fault, Simulator

from ..loopback.conftest import loopback_settings
from .helpers import FAST, OTHER, THIRD

pytestmark = pytest.mark.anyio

FOURTH = "openai/gpt-4o"


@pytest.fixture
async def loopback_app(loopback: tuple[Simulator, str], tmp_path: Path) -> AsyncIterator[AppContext]:
    settings = loopback_settings(tmp_path, loopback[1], timeout_seconds=5, max_retries=1)
    async with open_app(settings) as app:
        await app.catalog.snapshot()  # the catalogue is fetched before, not during, the timed runs
        yield app


def told(simulator: Simulator, model: str, *, latency: float, token_delay: float = 0.0) -> None:
    simulator.add_fault(Fault(model=model, delay=latency, token_delay=token_delay, times=None))


async def test_the_figures_match_the_latency_and_token_rate_the_simulator_was_told(
    loopback: tuple[Simulator, str], loopback_app: AppContext
) -> None:
    simulator = loopback[0]
    told(simulator, FAST, latency=0.2, token_delay=0.020)
    told(simulator, OTHER, latency=0.1, token_delay=0.008)
    runs = await run_benchmark(plan_benchmark(models=[FAST, OTHER], prompt="Say hi", runs=2), loopback_app.client)
    for model, latency, token_delay in ((FAST, 0.2, 0.020), (OTHER, 0.1, 0.008)):
        for outcome in runs.outcomes[model]:
            assert outcome.ok and outcome.first_token_s is not None and outcome.tokens_per_s is not None
            tokens = outcome.completion_tokens or 0
            # OpenAI-style streams open with a one-token chunk, written after one token delay.
            assert latency + token_delay <= outcome.first_token_s <= latency + token_delay + 0.1
            # The other tokens arrive one token delay apart: tokens / ((tokens - 1) × delay) a second.
            expected = tokens / ((tokens - 1) * token_delay)
            assert expected * 0.75 <= outcome.tokens_per_s <= expected * 1.1, (model, outcome.tokens_per_s, expected)
    fast = runs.outcomes[OTHER][0].tokens_per_s or 0
    slow = runs.outcomes[FAST][0].tokens_per_s or 0
    assert fast > 2 * slow  # 125 against 50 tokens a second


async def test_models_run_in_parallel_so_the_wall_time_is_the_slowest_model_not_the_sum(
    loopback: tuple[Simulator, str], loopback_app: AppContext
) -> None:
    simulator = loopback[0]
    latencies = {FAST: 0.2, OTHER: 0.2, THIRD: 0.2, FOURTH: 0.3}
    for model, latency in latencies.items():
        told(simulator, model, latency=latency)
    parallel = await run_benchmark(plan_benchmark(models=list(latencies), prompt="Say hi"), loopback_app.client)
    assert 0.3 <= parallel.wall_s <= 0.3 + 0.25  # the slowest model, and room for a busy machine
    one_by_one = plan_benchmark(models=list(latencies), prompt="Say hi", parallel=False)
    sequential = await run_benchmark(one_by_one, loopback_app.client)
    assert sequential.wall_s >= sum(latencies.values())


async def test_the_delay_between_runs_is_waited_in_real_time(
    loopback: tuple[Simulator, str], loopback_app: AppContext
) -> None:
    simulator = loopback[0]
    plan = plan_benchmark(models=[FAST], prompt="Say hi", runs=3, delay_seconds=0.15)
    await run_benchmark(plan, loopback_app.client)
    sent = [e.at for e in simulator.events_of("request") if e.path == "/chat/completions"]
    assert len(sent) == 3
    assert all(later - earlier >= 0.15 for earlier, later in itertools.pairwise(sent))


async def test_waiting_out_a_rate_limit_is_not_counted_as_the_models_latency(
    loopback: tuple[Simulator, str], loopback_app: AppContext
) -> None:
    simulator = loopback[0]
    limited = {"error": {"message": "Rate limit exceeded", "code": 429}}
    simulator.add_fault(Fault(model=FAST, status=429, body=limited, reset_in=0.3))
    started = time.monotonic()
    runs = await run_benchmark(plan_benchmark(models=[FAST], prompt="Say hi"), loopback_app.client)
    (outcome,) = runs.outcomes[FAST]
    assert outcome.ok and time.monotonic() - started >= 0.3
    assert outcome.latency_s is not None and outcome.latency_s < 0.2  # timed from the attempt that answered
