"""Client views (`with_options`) that share one connection pool, and the concurrency limiter."""

from __future__ import annotations

import anyio
import httpx
import pytest

from mcp_server_openrouter.client import Limiter, OpenRouterClient, OpenRouterError, RequestRecord
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY, make_client

pytestmark = pytest.mark.anyio

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
KEY_INFO = {"data": {"label": "sk-or-v1-abc...xyz", "limit": None, "usage": 0}}


class Recorder:
    """A transport that answers every request with `KEY_INFO` and remembers its headers."""

    def __init__(self) -> None:
        self.headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(request.headers)
        return httpx.Response(200, json=KEY_INFO)


async def test_two_views_send_their_own_keys_over_the_one_pool() -> None:
    recorder = Recorder()
    async with make_client(httpx.MockTransport(recorder)) as client:
        alice = client.with_options(api_key="sk-or-v1-alice-0001")
        bob = client.with_options(api_key="sk-or-v1-bob-0002")
        await alice.key_info()
        await bob.key_info()
        await client.key_info()
        assert alice._http is bob._http is client._http
    sent = [h["authorization"] for h in recorder.headers]
    assert sent == ["Bearer sk-or-v1-alice-0001", "Bearer sk-or-v1-bob-0002", f"Bearer {FAKE_KEY}"]


async def test_views_keep_the_user_agent_and_add_their_own_headers() -> None:
    recorder = Recorder()
    async with make_client(httpx.MockTransport(recorder), default_headers={"X-Title": "app"}) as client:
        await client.with_options(default_headers={"X-Team": "blue"}).key_info()
        await client.key_info()
    with_team, plain = recorder.headers
    assert with_team["x-team"] == "blue" and with_team["x-title"] == "app"
    assert with_team["user-agent"].startswith("openrouter-mcp/")
    assert "x-team" not in plain


async def test_closing_a_view_leaves_the_shared_pool_open_and_closing_the_original_closes_it() -> None:
    client = make_client(httpx.MockTransport(Recorder()))
    async with client.with_options(api_key="sk-or-v1-view-0003") as view:
        await view.key_info()
    assert not client._http.is_closed
    await client.key_info()
    await client.aclose()
    assert client._http.is_closed


async def test_a_view_changes_only_the_options_it_names(transport: httpx.ASGITransport) -> None:
    records: list[RequestRecord] = []

    async def meter(record: RequestRecord) -> None:
        records.append(record)

    async with make_client(transport, timeout=12.0) as client:
        view = client.with_options(max_retries=0, on_request=meter, base_url="http://other.test/api/v1/")
        assert (view.max_retries, client.max_retries) == (0, 3)
        assert view.retry_policy.random is client.retry_policy.random
        assert (view.on_request, client.on_request) == (meter, None)
        assert (view.base_url, view.api_key, view.timeout) == ("http://other.test/api/v1", FAKE_KEY, 12.0)
        assert client.with_options(api_key=None).api_key is None


async def test_a_view_can_drop_the_key_and_then_refuses_keyed_calls(transport: httpx.ASGITransport) -> None:
    from mcp_server_openrouter.client import MissingAPIKeyError

    async with make_client(transport) as client:
        with pytest.raises(MissingAPIKeyError):
            await client.with_options(api_key=None).key_info()


# -- the limiter ----------------------------------------------------------------------


class Gate:
    """A transport whose requests wait at a gate; it counts how many are inside at once."""

    def __init__(self) -> None:
        self.open = anyio.Event()
        self.first_arrived = anyio.Event()
        self.inside = 0
        self.most_inside = 0
        self.arrived = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.arrived += 1
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        self.first_arrived.set()
        await self.open.wait()
        self.inside -= 1
        return httpx.Response(200, json=KEY_INFO)


async def run_two_key_lookups(client: OpenRouterClient, gate: Gate) -> int:
    """Start two requests, let everything that can run reach the gate, count arrivals, open it."""
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(client.key_info)
        tasks.start_soon(client.key_info)
        await gate.first_arrived.wait()
        await anyio.wait_all_tasks_blocked()
        arrived_before_opening = gate.arrived
        gate.open.set()
    return arrived_before_opening


async def test_a_capacity_limiter_of_one_serialises_two_concurrent_requests() -> None:
    gate = Gate()
    limiter = anyio.CapacityLimiter(1)
    seam: Limiter = limiter  # anyio's limiter fits the seam as it is (mypy checks this line)
    async with make_client(httpx.MockTransport(gate), limiter=seam) as client:
        assert await run_two_key_lookups(client, gate) == 1
    assert gate.arrived == 2 and gate.most_inside == 1
    assert limiter.borrowed_tokens == 0


async def test_without_a_limiter_concurrent_requests_run_together() -> None:
    gate = Gate()
    async with make_client(httpx.MockTransport(gate)) as client:
        assert await run_two_key_lookups(client, gate) == 2
    assert gate.most_inside == 2


async def test_an_open_stream_holds_the_limiter_until_it_is_closed(transport: httpx.ASGITransport) -> None:
    limiter = anyio.CapacityLimiter(1)
    labels: list[str | None] = []

    async def look_up_the_key(client: OpenRouterClient) -> None:
        labels.append((await client.key_info()).label)

    async with make_client(transport, limiter=limiter) as client, anyio.create_task_group() as tasks:
        async with client.stream_chat(BODY) as stream:
            async for _ in stream.events():
                pass
            tasks.start_soon(look_up_the_key, client)
            await anyio.wait_all_tasks_blocked()
            assert labels == [] and limiter.statistics().tasks_waiting == 1
        await anyio.wait_all_tasks_blocked()
        assert len(labels) == 1


async def test_a_request_waiting_to_retry_lets_others_use_the_limiter(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("unavailable")
    limiter = anyio.CapacityLimiter(1)
    borrowed_while_waiting: list[float] = []

    async def sleep(seconds: float) -> None:
        borrowed_while_waiting.append(limiter.borrowed_tokens)

    async def on_retry(attempt: int, wait: float, error: OpenRouterError) -> None:
        borrowed_while_waiting.append(limiter.borrowed_tokens)

    async with make_client(transport, limiter=limiter, sleep=sleep, on_retry=on_retry) as client:
        await client.chat(BODY)
    assert borrowed_while_waiting == [0, 0]
