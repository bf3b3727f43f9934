"""How fast a stopped server closes its upstream stream, and exits.

A streamed `chat_with_model` is in flight (the simulator, in its own process on a loopback
port, sends a token every half second); then the client cancels the call, closes the
server's stdin, or sends SIGTERM or SIGINT. The simulator stamps the moment it sees the
stream's connection close with its monotonic clock, which every process on the machine
shares; the script compares it with the moment it acted. Target: ≤ 100 ms to close the
stream. Exit is measured to the moment the process is reaped (after a cancel the session
goes on, so only the stream is timed).

    python perf/shutdown.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from typing import Any

import anyio
import httpx
from anyio.abc import Process

from _common import median_ms, running_simulator, server_command

KEY = "sk-or-v1-bench"
CALL: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 3,
    "method": "tools/call",
    "params": {
        "name": "chat_with_model",
        "_meta": {"progressToken": "p"},
        "arguments": {"model": "openai/gpt-4o", "messages": "a long story", "stream": True},
    },
}
OPENING: list[dict[str, Any]] = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "perf", "version": "0"}},
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    CALL,
]
CANCEL = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}
CASES = ["cancel", "stdin closed"] + ([] if sys.platform == "win32" else ["SIGTERM", "SIGINT"])


async def send(process: Process, message: dict[str, Any]) -> None:
    assert process.stdin is not None
    await process.stdin.send((json.dumps(message) + "\n").encode())


async def first_token(process: Process) -> None:
    assert process.stdout is not None
    buffer = b""
    while True:
        buffer += await process.stdout.receive()
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if message.get("method") == "notifications/progress" and message["params"]["progress"] >= 1:
                return


async def stop(process: Process, case: str) -> None:
    if case == "cancel":
        await send(process, CANCEL)
    elif case == "stdin closed":
        assert process.stdin is not None
        await process.stdin.aclose()
    else:
        process.send_signal(signal.SIGTERM if case == "SIGTERM" else signal.SIGINT)


async def stream_closed_at(sim: httpx.AsyncClient) -> float:
    """The simulator's monotonic time of the first stream closed by its client (polled: a script, not a test)."""
    while True:
        events = (await sim.get("_sim/events", params={"kind": "stream_cancelled"})).json()["events"]
        if events:
            return float(events[0]["at"])
        await anyio.sleep(0.02)


async def one_run(base_url: str, case: str, home: str) -> tuple[float, float | None, int | None]:
    """(seconds to the stream's close, seconds to the exit or None, exit status or None) for one run."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "OPENROUTER_BASE_URL": base_url,
        "OPENROUTER_API_KEY": KEY,
        "OPENROUTER_MCP_LOG_LEVEL": "WARNING",
        "XDG_CACHE_HOME": home,
        "XDG_DATA_HOME": home,
        "XDG_CONFIG_HOME": home,
    }
    async with httpx.AsyncClient(base_url=base_url + "/") as sim:
        await sim.post("_sim/reset")
        await sim.post("_sim/faults", json={"token_delay": 0.5})
        async with await anyio.open_process(server_command(), env=env, cwd=home) as process:
            for message in OPENING:
                await send(process, message)
            with anyio.fail_after(30):
                await first_token(process)
            acted = time.monotonic()
            await stop(process, case)
            with anyio.fail_after(10):
                closed = await stream_closed_at(sim) - acted
            if case == "cancel":
                assert process.stdin is not None
                await process.stdin.aclose()
                await process.wait()
                return closed, None, None
            with anyio.fail_after(10):
                status = await process.wait()
            return closed, time.monotonic() - acted, status


async def main(runs: int) -> None:
    async with running_simulator() as base_url:
        with tempfile.TemporaryDirectory() as home:
            print(f"\nstopping a streamed chat_with_model ({runs} runs each; target: stream closed ≤ 100 ms)")
            for case in CASES:
                results = [await one_run(base_url, case, home) for _ in range(runs)]
                closed = [r[0] for r in results]
                line = f"  {case:<14} stream closed after: median {median_ms(closed):6.1f} ms"
                line += f"  max {max(closed) * 1000:6.1f}"
                exits = [r[1] for r in results if r[1] is not None]
                if exits:
                    statuses = sorted({r[2] for r in results if r[2] is not None})
                    line += f"   exited after: median {median_ms(exits):6.1f} ms  (status {statuses})"
                print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    anyio.run(main, parser.parse_args().runs)
