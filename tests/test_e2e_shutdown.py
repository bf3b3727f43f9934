"""End to end: the real `openrouter-mcp` process stopped in the middle of a streamed call.

A client's cancel, the client going away (stdin closed), SIGTERM and SIGINT each close the
upstream stream at once — the simulator on a loopback port sees the connection close and logs
`stream_cancelled` with its monotonic clock, which the test compares with the moment it acted —
and the server exits with its documented status, nothing on stderr that looks like a crash,
nothing but JSON-RPC on stdout. The bound asserted here is loose for noisy CI machines; the
real figures (a few milliseconds) are measured by `perf/shutdown.py`.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process

from mcp_server_openrouter.simulator import Fault, Simulator
from mcp_server_openrouter.simulator._app import Event

from .test_e2e_stdio import initialize_request, server_command, server_env

pytestmark = pytest.mark.anyio
posix_signals = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CLOSED_WITHIN = 1.0
"""Seconds from the cancel, close or signal to the simulator seeing the stream closed (target: 0.1)."""
CALL_ID = 3
# What a crash, or a task or resource left behind, prints on its way out.
CRASH_SIGNS = ("Traceback", "Task was destroyed", "Exception ignored", "was never awaited", " ERROR ", " CRITICAL ")


@dataclass
class RawServer:
    """The server process, spoken to in raw JSON-RPC lines (so the test controls stdin and signals)."""

    process: Process
    received: list[dict[str, Any]] = field(default_factory=list)
    _buffer: bytes = b""

    async def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send((json.dumps(message) + "\n").encode())

    async def until(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Read stdout until a message is `wanted`."""
        assert self.process.stdout is not None
        while True:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                if wanted(message := self._take(line)):
                    return message
            self._buffer += await self.process.stdout.receive()

    def _take(self, line: bytes) -> dict[str, Any]:
        """One line of stdout, which must be a JSON-RPC message."""
        message: dict[str, Any] = json.loads(line)
        assert message["jsonrpc"] == "2.0"
        self.received.append(message)
        return message

    async def exit(self) -> tuple[int, str]:
        """Wait for the process to end: its status and its whole stderr (the rest of stdout is checked too)."""
        assert self.process.stdout is not None and self.process.stderr is not None
        with anyio.fail_after(10):
            async for chunk in self.process.stdout:
                self._buffer += chunk
            stderr = b"".join([chunk async for chunk in self.process.stderr]).decode()
            status = await self.process.wait()
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._take(line)
        assert self._buffer == b"", "stdout ended in the middle of a line"
        return status, stderr


def streamed_call() -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": CALL_ID,
        "method": "tools/call",
        "params": {
            "name": "chat_with_model",
            "_meta": {"progressToken": "story"},
            "arguments": {"model": "openai/gpt-4o", "messages": "a long story", "stream": True},
        },
    }


def first_token(message: dict[str, Any]) -> bool:
    return message.get("method") == "notifications/progress" and message["params"]["progress"] >= 1


@asynccontextmanager
async def streaming(loopback: tuple[Simulator, str], tmp_path: Path) -> AsyncIterator[RawServer]:
    """A server in the middle of a streamed chat (~15 s of tokens left) once its first token arrived."""
    simulator, base_url = loopback
    simulator.add_fault(Fault(token_delay=0.5))
    command, args = server_command()
    async with await anyio.open_process([command, *args], env=server_env(base_url, tmp_path), cwd=tmp_path) as process:
        server = RawServer(process)
        await server.send(initialize_request("shutdown-test"))
        await server.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        await server.send(streamed_call())
        with anyio.fail_after(20):
            await server.until(first_token)
        yield server


async def closed_stream(simulator: Simulator) -> Event:
    """The simulator's record of the stream closed by its client (waited for in a worker thread)."""
    event = await anyio.to_thread.run_sync(simulator.wait_for_event, "stream_cancelled", 10.0)
    assert event is not None, "the simulator never saw the stream closed"
    assert simulator.events_of("stream_completed") == []
    return event


def assert_clean(stderr: str) -> None:
    found = [sign for sign in CRASH_SIGNS if sign in stderr]
    assert not found, stderr


async def test_a_cancelled_streamed_call_closes_its_upstream_stream_at_once_and_the_session_goes_on(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    async with streaming(loopback, tmp_path) as server:
        sent_at = time.monotonic()
        await server.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": CALL_ID}})
        closed = await closed_stream(loopback[0])
        assert closed.at - sent_at <= CLOSED_WITHIN
        await server.send({"jsonrpc": "2.0", "id": 4, "method": "tools/list"})
        with anyio.fail_after(10):
            await server.until(lambda message: message.get("id") == 4)
        assert server.process.stdin is not None
        await server.process.stdin.aclose()
        status, stderr = await server.exit()
    assert status == 0
    assert_clean(stderr)
    assert not [m for m in server.received if m.get("id") == CALL_ID and "result" in m]


async def test_a_client_that_closes_stdin_mid_stream_gets_the_upstream_stream_closed_and_a_clean_exit(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    async with streaming(loopback, tmp_path) as server:
        assert server.process.stdin is not None
        sent_at = time.monotonic()
        await server.process.stdin.aclose()
        closed = await closed_stream(loopback[0])
        status, stderr = await server.exit()
    assert closed.at - sent_at <= CLOSED_WITHIN
    assert status == 0
    assert_clean(stderr)


@posix_signals
@pytest.mark.parametrize(
    ("stop", "status"), [pytest.param(signal.SIGTERM, 0, id="SIGTERM"), pytest.param(signal.SIGINT, 130, id="SIGINT")]
)
async def test_sigterm_or_sigint_mid_stream_close_the_upstream_stream_and_exit_cleanly_with_0_or_130(
    loopback: tuple[Simulator, str], tmp_path: Path, stop: signal.Signals, status: int
) -> None:
    async with streaming(loopback, tmp_path) as server:
        sent_at = time.monotonic()
        server.process.send_signal(stop)  # the client's stdin stays open
        closed = await closed_stream(loopback[0])
        exit_status, stderr = await server.exit()
    assert closed.at - sent_at <= CLOSED_WITHIN
    assert exit_status == status
    assert_clean(stderr)
    assert f"{stop.name} received" in stderr  # the log says why the server stopped
