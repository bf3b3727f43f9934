"""Streams that really stream: timing-dependent behaviour against the simulator on a loopback port.

Nothing here sleeps to wait for something: the tests wait on events, on the simulator's event
log (`wait_for_event`, in a worker thread) and under `anyio.fail_after` bounds.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import pytest
from mcp import Client

from mcp_server_openrouter.app import open_app
from mcp_server_openrouter.chat import ChatRequest, ChatResult
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.errors import ReplyTimeoutError, StreamError
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread
from mcp_server_openrouter.simulator._app import Event

from ..helpers import text_of
from .conftest import PRODUCTION_INTERVAL, TIMEOUT, loopback_settings
from .stall import Stall, StallAfterChunks

pytestmark = pytest.mark.anyio

MODEL = "openai/gpt-4o-mini"
WAITING = f"waiting for {MODEL}…"


@dataclass
class Notification:
    at: float
    progress: float
    total: float | None
    message: str


@dataclass
class Progress:
    """Progress notifications as they arrive, with the monotonic time of each."""

    sent: list[Notification] = field(default_factory=list)
    first_token: anyio.Event = field(default_factory=anyio.Event)

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        self.sent.append(Notification(time.monotonic(), progress, total, message))
        if message != WAITING:
            self.first_token.set()

    @property
    def values(self) -> list[float]:
        return [n.progress for n in self.sent]


def request(max_tokens: int | None = None) -> ChatRequest:
    return ChatRequest.create(model=MODEL, messages="Tell me about rivers", max_tokens=max_tokens)


async def stream(settings: Settings, progress: Progress, max_tokens: int | None = None) -> ChatResult:
    """One streamed chat through the app as the server wires it (settings → client → chat service)."""
    async with open_app(settings) as app:
        return await app.chat.chat(request(max_tokens), stream=True, on_progress=progress)


async def logged(simulator: Simulator, kind: str, within: float) -> Event | None:
    """The simulator's latest event of `kind`, waiting for it in a worker thread for up to `within` seconds."""
    return await anyio.to_thread.run_sync(simulator.wait_for_event, kind, within)


async def test_keepalives_spread_over_time_raise_progress_through_the_production_throttle_past_the_timeout(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    # 1.2 s of keep-alives, one every 0.1 s: no token for more than twice OPENROUTER_TIMEOUT.
    simulator.add_fault(Fault(keepalives=12, keepalive_interval=0.1))
    progress = Progress()
    started = time.monotonic()
    with anyio.fail_after(10):
        result = await stream(loopback_settings(tmp_path, base_url), progress, max_tokens=500)

    assert progress.sent[-1].at - started >= 2 * TIMEOUT  # the stream outlived the timeout, kept alive
    waiting = [n for n in progress.sent if n.message == WAITING]
    assert len(waiting) >= 3, progress.sent
    assert waiting[-1].at - waiting[0].at >= TIMEOUT  # spread over time, not delivered at once
    assert all(n.progress < 0.5 for n in waiting)  # fractions below the first token
    throttled = progress.sent[:-1]  # the exact count at the end is sent past the throttle
    gaps = [b.at - a.at for a, b in itertools.pairwise(throttled)]
    assert min(gaps) >= PRODUCTION_INTERVAL - 0.02, gaps
    assert result.usage is not None
    assert progress.values[-1] == result.usage.completion_tokens
    assert all(a < b for a, b in itertools.pairwise(progress.values))
    assert {n.total for n in progress.sent} == {500.0}


async def test_tokens_spread_over_time_raise_progress_as_they_arrive(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    simulator.add_fault(Fault(token_delay=0.05))  # about a second of tokens
    progress = Progress()
    with anyio.fail_after(10):
        result = await stream(loopback_settings(tmp_path, base_url), progress)
    tokens = [n for n in progress.sent[:-1] if n.message != WAITING]
    assert len(tokens) >= 3, progress.sent
    assert tokens[-1].at - tokens[0].at >= TIMEOUT  # while the reply was being written, not after it
    assert all(n.message in result.text for n in tokens)  # each shows the tail of the text so far
    assert result.text.endswith(progress.sent[-1].message)


async def test_a_stall_with_no_bytes_past_the_timeout_fails_within_it_with_the_partial_text(tmp_path: Path) -> None:
    simulator, stall = Simulator(), Stall()
    simulator.app.add_middleware(StallAfterChunks, chunks=3, stall=stall)
    with serve_in_thread(simulator) as base_url:
        settings = loopback_settings(tmp_path, base_url)
        async with open_app(settings) as app:
            whole = (await app.chat.chat(request())).text  # the same reply, not streamed, never stalls
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(StreamError) as caught:
            await stream(settings, Progress())
        elapsed = time.monotonic() - started
        assert stall.stalled.is_set()
        assert TIMEOUT <= elapsed < 3 * TIMEOUT
        partial = caught.value.partial_text
        assert partial and whole.startswith(partial) and len(partial) < len(whole)
        # Giving up closed the connection, which is what stops generation (and billing) upstream.
        assert await anyio.to_thread.run_sync(stall.disconnected.wait, 5.0)
        assert simulator.events_of("stream_completed") == []


async def test_the_chat_tool_reports_a_stalled_stream_as_an_error_with_the_partial_reply(tmp_path: Path) -> None:
    simulator = Simulator()
    simulator.app.add_middleware(StallAfterChunks, chunks=2, stall=Stall())
    with serve_in_thread(simulator) as base_url:
        server = create_server(loopback_settings(tmp_path, base_url))
        with anyio.fail_after(10):
            async with Client(server) as client:
                started = time.monotonic()
                result = await client.call_tool("chat_with_model", {"model": MODEL, "messages": "hi", "stream": True})
                elapsed = time.monotonic() - started
    assert result.is_error and TIMEOUT <= elapsed < 3 * TIMEOUT
    message = text_of(result)
    assert "Partial reply received before the error:\n[simulated" in message


async def test_a_first_byte_delayed_within_the_timeout_still_streams_the_whole_reply(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    delay = 0.4
    simulator.add_fault(Fault(delay=delay))
    progress = Progress()
    started = time.monotonic()
    with anyio.fail_after(10):
        result = await stream(loopback_settings(tmp_path, base_url, timeout_seconds=1.0), progress)
    assert progress.sent[0].at - started >= delay  # nothing, not even a keep-alive, before the delay
    assert result.text.startswith("[simulated") and result.finish_reason == "stop"
    assert result.usage is not None and progress.values[-1] == result.usage.completion_tokens


async def test_a_first_byte_later_than_the_timeout_fails_with_a_timeout_error_within_it(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    simulator.add_fault(Fault(delay=2 * TIMEOUT))
    progress = Progress()
    started = time.monotonic()
    with anyio.fail_after(10), pytest.raises(ReplyTimeoutError, match="may still have processed"):
        await stream(loopback_settings(tmp_path, base_url), progress)
    assert TIMEOUT <= time.monotonic() - started < 3 * TIMEOUT
    assert progress.sent == []


async def test_cancelling_a_streamed_chat_ends_the_upstream_stream_promptly(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    simulator.add_fault(Fault(token_delay=0.1))  # the whole reply would take seconds
    progress = Progress()
    settings = loopback_settings(tmp_path, base_url)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(stream, settings, progress)
            await progress.first_token.wait()
            group.cancel_scope.cancel()
        cancelled_at = time.monotonic()
        event = await logged(simulator, "stream_cancelled", within=5.0)
    assert event is not None, "the simulator never saw the stream end"
    assert time.monotonic() - cancelled_at < 1.0
    assert 1 <= event.detail["tokens"] < 10
    assert simulator.events_of("stream_completed") == []
