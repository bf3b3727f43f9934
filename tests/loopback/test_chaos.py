"""Chaos: many concurrent chat calls against an upstream that fails at random, over real sockets.

Every call must end, within a bound, with a reply or an error of our tree that says what broke;
nothing may be left running or holding a connection, and closing the app leaves no task behind.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.chat import ChatRequest
from mcp_server_openrouter.errors import OpenRouterMCPError
from mcp_server_openrouter.simulator import Fault, Simulator
from mcp_server_openrouter.simulator._faults import error_body

from .conftest import loopback_settings

pytestmark = pytest.mark.anyio

MODELS = ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"]
NAMED = [
    "bad_gateway",
    "unavailable",
    "gateway_timeout",
    "edge_502",
    "timeout",
    "credits",
    "rate_limit",  # resets in 20 s: past the wait budget, so it fails at once and gates its model
    "provider_429",
    "error_at_200",
    "dropped_connection",
    "malformed_function_call",
    "no_cost",
]
SHAPED = [
    Fault(status=429, body=error_body(429, "Rate limit exceeded: limit_rpm"), reset_in=0.05),
    Fault(keepalives=3, keepalive_interval=0.02),
    Fault(error_after_tokens=4),
    Fault(delay=0.1),
    Fault(token_delay=0.005),
]
CALLS = 48


def random_fault(rng: random.Random) -> Fault | str | None:
    roll = rng.random()
    if roll < 0.3:
        return None
    return rng.choice(NAMED) if roll < 0.7 else rng.choice(SHAPED)


async def test_many_calls_with_random_faults_each_end_with_a_reply_or_a_clear_error_and_leave_nothing_open(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    rng = random.Random(20261204)
    for _ in range(CALLS):
        fault = random_fault(rng)
        if fault is not None:
            simulator.add_fault(fault)
    settings = loopback_settings(
        tmp_path,
        base_url,
        timeout_seconds=2.0,
        max_retries=2,
        max_retry_wait_seconds=0.5,
        max_concurrency=4,
        foreground_timeout_seconds=0.15,
    )
    outcomes: list[str] = []
    tasks_before = asyncio.all_tasks()

    async def one(index: int, app: AppContext) -> None:
        request = ChatRequest.create(model=MODELS[index % 3], messages=f"call {index}", max_tokens=60)
        stream, background = rng.random() < 0.5, rng.random() < 0.25
        give_up_after = rng.uniform(0.0, 0.3) if rng.random() < 0.15 else None
        try:
            if give_up_after is not None:  # a caller that cancels (a client's cancel, a client going away)
                with anyio.move_on_after(give_up_after) as scope:
                    await app.calls.call(request, stream=stream, background=False)
                outcomes.append("cancelled by the caller" if scope.cancelled_caught else "done")
                return
            answer = await app.calls.call(request, stream=stream, background=background)
            if answer.status != "done":  # a job: background, or past the foreground timeout
                job = app.jobs.get(answer.job_id or "")
                await app.jobs.wait(job, 20)
                assert job.finished, f"job {job.job_id} never ended"
                if job.error is not None:
                    assert isinstance(job.error, OpenRouterMCPError) and str(job.error)
                outcomes.append(job.status if job.error is None else type(job.error).__name__)
            else:
                assert answer.text
                outcomes.append("done")
        except OpenRouterMCPError as exc:
            outcomes.append(type(exc).__name__ if str(exc) else "an error without a message")

    with anyio.fail_after(60):
        async with open_app(settings) as app:
            async with anyio.create_task_group() as group:
                for index in range(CALLS):
                    group.start_soon(one, index, app)
            assert all(job.finished for job in app.jobs.recent(1000))
            limiter: Any = app.client.limiter
            assert limiter.borrowed_tokens == 0  # every place in the queue was given back
            transport: Any = app.client._http._transport
            pool = transport._pool  # httpcore's pool: what is still held open
            assert all(connection.is_idle() or connection.is_closed() for connection in pool.connections)
    for _ in range(5):  # let the loop drop tasks that finished as the app closed
        await anyio.lowlevel.checkpoint()
    assert len(outcomes) == CALLS
    assert outcomes.count("done") >= CALLS // 4, outcomes  # faults are not the only outcome
    assert len(set(outcomes)) >= 4, outcomes  # and the faults did play out
    # The loop's own finalisers of async generators that httpx leaves to the garbage collector
    # (`async_generator_athrow`) are not tasks of ours; they end on the loop's next turns.
    left = [
        task
        for task in asyncio.all_tasks() - tasks_before
        if not task.done() and type(task.get_coro()).__name__ != "async_generator_athrow"
    ]
    assert left == [], [task.get_coro() for task in left]
    assert "an error without a message" not in outcomes
