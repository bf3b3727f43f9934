"""Latency added by `chat_with_model` over stdio, against a direct httpx request.

Both hit the same simulator, in its own process on a loopback port (`openrouter-mcp
simulate`), with the same body, alternately, in the same run. The difference of the
medians is what the MCP server adds (target: ≤ 2 ms).

Then the first call of a session: fresh servers, each connected and asked for its tools
as a client does, then one chat after a short idle (a person typing), then a second
one. The server builds its HTTP client in the background once the session starts, so
the first call should cost about what later ones do.

    python perf/latency.py [--calls 200] [--sessions 7]
"""

from __future__ import annotations

import argparse
import os
import time

import anyio
import httpx
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from _common import median_ms, report, running_simulator, server_command

KEY = "sk-or-v1-bench"
MODEL = "openai/gpt-4o-mini"
PROMPT = "Say hello in five words."


IDLE_SECONDS = 0.3


async def main(calls: int, sessions: int) -> None:
    async with running_simulator() as base_url:
        await measure(base_url, calls)
        await first_call(base_url, sessions)


async def first_call(base_url: str, sessions: int) -> None:
    with open(os.devnull, "w") as errlog:
        command = server_command()
        env = {"OPENROUTER_BASE_URL": base_url, "OPENROUTER_API_KEY": KEY, "OPENROUTER_MCP_LOG_LEVEL": "WARNING"}
        params = StdioServerParameters(command=command[0], args=command[1:], env=env)
        arguments = {"model": MODEL, "messages": PROMPT}
        first: list[float] = []
        immediate: list[float] = []
        second: list[float] = []
        for _ in range(sessions):
            async with Client(stdio_client(params, errlog=errlog)) as mcp:
                await mcp.list_tools()
                await anyio.sleep(IDLE_SECONDS)
                started = time.perf_counter()
                await mcp.call_tool("chat_with_model", arguments)
                first.append(time.perf_counter() - started)
                started = time.perf_counter()
                await mcp.call_tool("chat_with_model", arguments)
                second.append(time.perf_counter() - started)
            async with Client(stdio_client(params, errlog=errlog)) as mcp:
                await mcp.list_tools()
                started = time.perf_counter()  # no idle: the call races the background warm-up
                await mcp.call_tool("chat_with_model", arguments)
                immediate.append(time.perf_counter() - started)
    report(
        f"first chat_with_model of a session ({sessions} fresh servers)",
        [
            ("second call (baseline)", second),
            (f"first call, {IDLE_SECONDS:g} s after tools/list", first),
            ("first call, right after tools/list", immediate),
        ],
    )
    print(f"  ratio first (after idle) / second: {median_ms(first) / median_ms(second):.2f}x")


async def measure(base_url: str, calls: int) -> None:
    with open(os.devnull, "w") as errlog:
        command = server_command()
        env = {"OPENROUTER_BASE_URL": base_url, "OPENROUTER_API_KEY": KEY, "OPENROUTER_MCP_LOG_LEVEL": "WARNING"}
        params = StdioServerParameters(command=command[0], args=command[1:], env=env)
        body = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "stream": False}
        headers = {"Authorization": f"Bearer {KEY}"}
        direct: list[float] = []
        via_mcp: list[float] = []
        async with (
            httpx.AsyncClient(base_url=base_url + "/") as http,
            Client(stdio_client(params, errlog=errlog)) as mcp,
        ):
            for _ in range(5):  # warm up both paths (connections, imports, catalogue)
                (await http.post("chat/completions", json=body, headers=headers)).raise_for_status()
                await mcp.call_tool("chat_with_model", {"model": MODEL, "messages": PROMPT})
            for _ in range(calls):
                started = time.perf_counter()
                response = await http.post("chat/completions", json=body, headers=headers)
                response.json()
                direct.append(time.perf_counter() - started)
                started = time.perf_counter()
                result = await mcp.call_tool("chat_with_model", {"model": MODEL, "messages": PROMPT})
                via_mcp.append(time.perf_counter() - started)
                assert not result.is_error, result
    report(
        "chat_with_model over stdio vs a direct httpx request (same simulator, same body)",
        [("direct httpx POST (baseline)", direct), ("chat_with_model via openrouter-mcp", via_mcp)],
    )
    added = median_ms(via_mcp) - median_ms(direct)
    print(f"  added latency (difference of medians): {added:.2f} ms (target ≤ 2 ms)")
    print(f"  ratio: {median_ms(via_mcp) / median_ms(direct):.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=7)
    options = parser.parse_args()
    anyio.run(main, options.calls, options.sessions)
