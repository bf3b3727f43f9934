"""The process-wide request queue: at most `max_concurrency` requests open at once, served first come,
first served, each queued request told how many are ahead of it.

A `Turnstile` transport holds every request until the test lets one through, so the number in flight
and the order of service are seen exactly, without real time or a network.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from mcp_server_openrouter.client import OnWait, OpenRouterClient
from mcp_server_openrouter.client._limits import queue_slot, queued_message

from ..helpers import Heard, make_client

pytestmark = pytest.mark.anyio

KEY_INFO = {"data": {"label": "sk-or-v1-abc...xyz", "limit": None, "usage": 0}}


def body(number: int) -> dict[str, Any]:
    return {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": str(number)}]}


def reply(content: str) -> dict[str, Any]:
    return {
        "id": f"gen-{content}",
        "model": "openai/gpt-4o-mini",
        "choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }


class Turnstile:
    """A transport that holds each request until `let_one_through`; it notes arrivals and the most inside."""

    def __init__(self) -> None:
        self.arrived: list[str] = []
        self.inside = 0
        self.most_inside = 0
        self._passes = anyio.Semaphore(0)
        self._arrival = anyio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=KEY_INFO)
        number = str(json.loads(request.content)["messages"][0]["content"])
        self.arrived.append(number)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        self._arrival.set()
        await self._passes.acquire()
        self.inside -= 1
        return httpx.Response(200, json=reply(number))

    def let_one_through(self) -> None:
        self._passes.release()

    async def until_arrived(self, count: int) -> None:
        """Wait until `count` requests have reached the transport."""
        while len(self.arrived) < count:
            self._arrival = anyio.Event()
            await self._arrival.wait()


async def serve_all(
    client: OpenRouterClient, turnstile: Turnstile, calls: int, capacity: int, heard: dict[int, Heard]
) -> None:
    """Start `calls` chats in order, then let one request through at a time until all are done.

    Each time, the next request must reach the transport before another is let through.
    """

    async def chat(number: int) -> None:
        assert (await client.chat(body(number), on_wait=heard[number])).text == str(number)

    async with anyio.create_task_group() as tasks:
        for number in range(calls):
            heard[number] = Heard()
            tasks.start_soon(chat, number)
        for released in range(calls):
            await turnstile.until_arrived(min(capacity + released, calls))
            turnstile.let_one_through()


async def test_fifty_concurrent_calls_never_have_more_than_eight_in_flight_and_are_served_in_order() -> None:
    turnstile, heard = Turnstile(), dict[int, Heard]()
    async with make_client(httpx.MockTransport(turnstile), max_concurrency=8) as client:
        await serve_all(client, turnstile, 50, 8, heard)
    assert turnstile.most_inside == 8
    assert turnstile.arrived == [str(n) for n in range(50)]
    assert all(heard[n].messages == [] for n in range(8))
    assert heard[8].messages == ["queued: next in line (OPENROUTER_MAX_CONCURRENCY=8)"]
    assert heard[9].messages == ["queued: 1 request ahead (OPENROUTER_MAX_CONCURRENCY=8)"]
    assert heard[49].messages == ["queued: 41 requests ahead (OPENROUTER_MAX_CONCURRENCY=8)"]


async def test_a_slow_queue_report_does_not_cost_a_request_its_place() -> None:
    turnstile = Turnstile()

    def reporter(turns: int) -> OnWait:
        async def report(message: str) -> None:
            for _ in range(turns):  # a progress notification that takes a few turns of the event loop
                await anyio.lowlevel.checkpoint()

        return report

    async with make_client(httpx.MockTransport(turnstile), max_concurrency=2) as client:

        async def chat(number: int) -> None:
            # The earlier a request arrived, the longer its report takes.
            await client.chat(body(number), on_wait=reporter(10 - number))

        async with anyio.create_task_group() as tasks:
            for number in range(6):
                tasks.start_soon(chat, number)
            for released in range(6):
                await turnstile.until_arrived(min(2 + released, 6))
                turnstile.let_one_through()
    assert turnstile.arrived == [str(n) for n in range(6)] and turnstile.most_inside == 2


async def test_views_with_other_keys_share_the_one_queue() -> None:
    turnstile = Turnstile()
    async with make_client(httpx.MockTransport(turnstile), max_concurrency=1) as client:
        view = client.with_options(api_key="sk-or-v1-another-key-0001")
        assert view.limiter is client.limiter
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(client.chat, body(0))
            tasks.start_soon(view.chat, body(1))
            for released in range(2):
                await turnstile.until_arrived(released + 1)
                turnstile.let_one_through()
    assert turnstile.most_inside == 1 and turnstile.arrived == ["0", "1"]


async def test_a_request_inside_an_open_stream_of_the_same_task_gets_its_own_place(
    transport: httpx.ASGITransport,
) -> None:
    async with make_client(transport, max_concurrency=2) as client:
        async with client.stream_chat(body(0)) as stream:
            async for _ in stream.events():
                pass
            assert (await client.key_info()).label  # no "already holding a token" from anyio
        assert stream.completion().text


async def test_the_client_builds_its_own_limiter_of_the_configured_size() -> None:
    async with make_client(httpx.MockTransport(Turnstile()), max_concurrency=3) as client:
        assert isinstance(client.limiter, anyio.CapacityLimiter) and client.limiter.total_tokens == 3


def test_the_queue_message_counts_the_requests_ahead() -> None:
    assert queued_message(3, 8) == "queued: 3 requests ahead (OPENROUTER_MAX_CONCURRENCY=8)"


async def test_a_request_cancelled_while_its_queue_report_hangs_gives_its_place_back() -> None:
    limiter = anyio.CapacityLimiter(1)
    reporting = anyio.Event()

    async def hanging_report(message: str) -> None:
        reporting.set()
        await anyio.sleep_forever()  # a client that never reads its progress notifications

    holder = object()
    limiter.acquire_on_behalf_of_nowait(holder)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:

            async def queued() -> None:
                async with queue_slot(limiter, hanging_report):
                    await anyio.sleep_forever()

            group.start_soon(queued)
            await reporting.wait()
            limiter.release_on_behalf_of(holder)  # the place goes to the queued request...
            await anyio.wait_all_tasks_blocked()
            group.cancel_scope.cancel()  # ...which is then cancelled (a client cancel, cancel_job, shutdown)
    assert limiter.borrowed_tokens == 0
