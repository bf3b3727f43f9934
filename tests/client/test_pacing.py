"""Free-model pacing: at most `free_requests_per_minute` requests to `:free` models in any minute, per key,
and the settings that reach the client through `app.build_client`.

Time is a `Timeline` (injected clock, monotonic clock and sleep): nothing here sleeps for real.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest

from mcp_server_openrouter.client import RateLimitError
from mcp_server_openrouter.client._pacing import FreePacer
from mcp_server_openrouter.simulator import Simulator

from ..helpers import Heard, Timeline, make_client, make_settings

FREE = "meta-llama/llama-3.3-70b-instruct:free"
NOW = 1_800_000_000.0  # Fri 15 Jan 2027 08:00:00 UTC


def body(model: str = FREE) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": "Hi"}]}


def chat_requests(simulator: Simulator) -> int:
    return len([e for e in simulator.events_of("request") if e.path == "/chat/completions"])


@pytest.mark.anyio
async def test_the_twenty_first_free_request_in_a_minute_waits_and_says_why(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    timeline, heard = Timeline(NOW), Heard()
    async with make_client(transport, on_wait=heard, **timeline.client_arguments()) as client:
        for _ in range(20):
            await client.chat(body())
            timeline.now += 1.0  # one a second: the first of them leaves the window at 60 s
        assert heard.messages == [] and timeline.waits == []
        await client.chat(body())
    assert timeline.waits == [pytest.approx(40.0)]
    assert heard.messages == ["free-model limit: waiting 40.0 s (OPENROUTER_FREE_RPM=20)"]
    assert chat_requests(simulator) == 21


@pytest.mark.anyio
async def test_a_free_burst_past_the_wait_budget_fails_at_once_without_sending(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    timeline = Timeline(NOW, frozen=True)  # all at once
    async with make_client(transport, free_requests_per_minute=2, **timeline.client_arguments()) as client:
        for _ in range(4):  # two now, two booked at 60 s (within the 60 s budget)
            await client.chat(body())
        with pytest.raises(RateLimitError) as caught:
            await client.chat(body())
    assert str(caught.value) == (
        "free-model limit: OPENROUTER_FREE_RPM=2 requests a minute to :free models are used up for this key "
        "(counted here; nothing was sent); try again after 08:02:00 UTC (in 2 min); waiting here would pass "
        "OPENROUTER_MAX_RETRY_WAIT (60 s for one call)"
    )
    assert timeline.waits == [60.0, 60.0]
    assert chat_requests(simulator) == 4


@pytest.mark.anyio
async def test_free_pacing_is_per_key_and_leaves_paid_models_alone(transport: httpx.ASGITransport) -> None:
    timeline, heard = Timeline(NOW, frozen=True), Heard()
    async with make_client(transport, free_requests_per_minute=1, on_wait=heard, **timeline.client_arguments()) as c:
        await c.chat(body())
        await c.with_options(api_key="sk-or-v1-another-key-0001").chat(body())
        await c.chat(body("openai/gpt-4o-mini"))
        await c.chat(body("openai/gpt-4o-mini"))
    assert heard.messages == [] and timeline.waits == []


@pytest.mark.anyio
async def test_a_free_rpm_of_zero_turns_pacing_off(transport: httpx.ASGITransport) -> None:
    timeline = Timeline(NOW, frozen=True)
    async with make_client(transport, free_requests_per_minute=0, **timeline.client_arguments()) as client:
        for _ in range(25):
            await client.chat(body())
    assert timeline.waits == []


@pytest.mark.anyio
async def test_concurrent_free_requests_book_their_turns_like_sequential_ones(transport: httpx.ASGITransport) -> None:
    timeline = Timeline(NOW, frozen=True)
    async with (
        make_client(transport, free_requests_per_minute=2, **timeline.client_arguments()) as client,
        anyio.create_task_group() as tasks,
    ):
        for _ in range(4):
            tasks.start_soon(client.chat, body())
    assert timeline.waits == [60.0, 60.0]


def test_the_pacer_is_a_sliding_window_of_sixty_seconds() -> None:
    now = [0.0]
    pacer = FreePacer(3, lambda: now[0])
    for at in (0.0, 10.0, 20.0):
        now[0] = at
        assert pacer.next_start("k") == 0.0
        pacer.book("k", 0.0)
    now[0] = 30.0
    assert pacer.next_start("k") == 30.0  # the start at 0 s leaves the window at 60 s
    now[0] = 60.0
    assert pacer.next_start("k") == 0.0
    assert pacer.next_start("another key") == 0.0


def test_the_settings_reach_the_client(tmp_path: Path) -> None:
    from mcp_server_openrouter.app import build_client

    settings = make_settings(
        tmp_path, max_retry_wait_seconds=12.5, max_concurrency=3, free_requests_per_minute=7, max_retries=5
    )
    client = build_client(settings)
    assert client.retry_policy.max_wait == 12.5 and client.max_retries == 5
    assert isinstance(client.limiter, anyio.CapacityLimiter) and client.limiter.total_tokens == 3
    assert client._admission.pacer.per_minute == 7


def test_the_defaults_are_three_retries_sixty_seconds_eight_at_once_and_twenty_free_a_minute(tmp_path: Path) -> None:
    from mcp_server_openrouter.app import build_client

    client = build_client(make_settings(tmp_path))
    assert (client.max_retries, client.retry_policy.max_wait) == (3, 60.0)
    assert isinstance(client.limiter, anyio.CapacityLimiter) and client.limiter.total_tokens == 8
    assert client._admission.pacer.per_minute == 20
