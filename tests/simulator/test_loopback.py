"""On a port, a dropped connection is a real TCP reset in the middle of the body, and the simulator
bills and logs the partial generation."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from mcp_server_openrouter import errors
from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread

from ..helpers import make_client
from .wire import AUTH

pytestmark = pytest.mark.anyio
BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
PARTIAL = "[simulated openai/gpt-4o-mini] Received 1 message (roles:"  # the first six tokens


def causes(error: BaseException | None) -> list[BaseException]:
    """The error and what it was raised from, outermost first."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


async def read_stream(url: str, lines: list[str]) -> None:
    """Read a streamed reply line by line into `lines` with a plain httpx client."""
    async with (
        httpx.AsyncClient(timeout=10) as raw,
        raw.stream("POST", url, json={**BODY, "stream": True}, headers=AUTH) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            lines.append(line)  # noqa: PERF401 - each line is kept as it arrives, before the reset


async def test_a_dropped_stream_is_reset_mid_body_and_billed_for_the_tokens_sent() -> None:
    simulator = Simulator()
    simulator.add_fault(Fault(drop_after_tokens=6))
    lines: list[str] = []
    with serve_in_thread(simulator) as base_url:
        with pytest.raises(httpx.TransportError) as caught:
            await read_stream(f"{base_url}/chat/completions", lines)
        event = await anyio.to_thread.run_sync(simulator.wait_for_event, "stream_dropped", 10.0)
    assert isinstance(caught.value, httpx.ReadError)
    assert any(isinstance(cause, ConnectionResetError) for cause in causes(caught.value))  # an RST, not a FIN
    assert any(line.startswith("data: {") for line in lines) and "data: [DONE]" not in lines
    assert event is not None and event.detail["tokens"] == 6
    record = simulator.generations[event.detail["id"]]
    assert record["tokens_completion"] == 6 and record["streamed"] is True and record["finish_reason"] is None
    (account,) = simulator.accounts.values()
    assert account.ledger[-1][1] > 0 and float(account.ledger[-1][1]) == record["total_cost"]
    assert simulator.events_of("stream_completed") == []


async def test_the_client_keeps_the_text_that_arrived_before_the_reset() -> None:
    simulator = Simulator()
    simulator.add_fault("dropped_connection")
    with serve_in_thread(simulator) as base_url:
        client = make_client(httpx.AsyncHTTPTransport(), base_url=base_url, max_retries=0)
        async with client, client.stream_chat(BODY) as stream:
            async for _ in stream.events():
                pass
            with pytest.raises(errors.StreamError) as caught:
                stream.completion()
    assert caught.value.partial_text == PARTIAL


async def test_a_whole_reply_whose_connection_drops_never_arrives() -> None:
    simulator = Simulator()
    simulator.add_fault("dropped_connection")
    with serve_in_thread(simulator) as base_url:
        async with httpx.AsyncClient(timeout=10) as raw:
            with pytest.raises(httpx.TransportError):
                await raw.post(f"{base_url}/chat/completions", json=BODY, headers=AUTH)
        event = await anyio.to_thread.run_sync(simulator.wait_for_event, "reply_dropped", 10.0)
    assert event is not None
    # The provider finished the reply: it is billed whole, though the client never saw it.
    assert simulator.generations[event.detail["id"]]["tokens_completion"] == event.detail["tokens"] > 6


async def test_a_stream_its_client_closes_is_logged_at_once_with_the_simulators_monotonic_time() -> None:
    simulator = Simulator()
    simulator.add_fault(Fault(token_delay=0.5))  # ~15 s of tokens: the client leaves long before the end
    with serve_in_thread(simulator) as base_url:
        async with httpx.AsyncClient(timeout=10) as raw:
            request = raw.stream("POST", f"{base_url}/chat/completions", json={**BODY, "stream": True}, headers=AUTH)
            async with request as response:
                with anyio.fail_after(10):
                    async for line in response.aiter_lines():
                        if line.startswith("data: {"):
                            break
                closed_at = time.monotonic()
        event = await anyio.to_thread.run_sync(simulator.wait_for_event, "stream_cancelled", 10.0)
    assert event is not None and event.detail["tokens"] >= 1
    # Comparable with the client's own clock: how long the simulator took to see the disconnect.
    assert closed_at <= event.at < closed_at + 1.0
    assert simulator.events_of("stream_completed") == []
