"""A short `chat_with_model` over Streamable HTTP against the same over stdio: requests per second.

Both servers are the real command (`openrouter-mcp serve` and `openrouter-mcp serve --http`
with a bearer token), both talk to one simulator in its own process on loopback, and both are
asked alternately, round after round, in the same run. Two loads:

* one call at a time: the median latency of a call, and its inverse (requests/s);
* `--concurrency` calls at once (a team sharing one server; stdio has one client, so its calls
  share one session too): calls completed per second, median over rounds.

The HTTP server logs each request (uvicorn's access log, INFO) as it would as a service; the
stdio server logs nothing per call. (Named so, not `http.py`: a script run from `perf/` by that
name would hide the standard library's `http` package.)

    python perf/http_vs_stdio.py [--calls 100] [--rounds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from _common import median_ms, running_simulator, server_command

KEY = "sk-or-v1-bench"
TOKEN = "bench-token-0123456789abcdef"
ARGUMENTS = {"model": "openai/gpt-4o-mini", "messages": "Say hello in five words."}


@asynccontextmanager
async def over_stdio(env: dict[str, str]) -> AsyncIterator[Client]:
    command = server_command()
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    with open(os.devnull, "w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            yield client


@asynccontextmanager
async def over_http(env: dict[str, str]) -> AsyncIterator[Client]:
    argv = [*server_command(), "serve", "--http", "--port", "0"]
    async with await anyio.open_process(argv, env={**env, "MCP_HTTP_TOKEN": TOKEN}) as process:
        assert process.stderr is not None
        stderr, text = process.stderr, ""
        with anyio.fail_after(30):
            while (found := re.search(r"Streamable HTTP at (\S+/mcp)", text)) is None:
                text += (await stderr.receive()).decode()

        async def drain() -> None:  # the access log must not fill the pipe and stall the server
            async for _ in stderr:
                pass

        async with anyio.create_task_group() as group:
            group.start_soon(drain)
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http,
                Client(streamable_http_client(found.group(1), http_client=http)) as client,
            ):
                yield client
            process.terminate()


async def one_at_a_time(client: Client, calls: int) -> list[float]:
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        result = await client.call_tool("chat_with_model", ARGUMENTS)
        latencies.append(time.perf_counter() - started)
        assert not result.is_error, result
    return latencies


async def at_once(client: Client, calls: int, concurrency: int) -> float:
    """Calls per second with `concurrency` in flight."""
    left = calls

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            result = await client.call_tool("chat_with_model", ARGUMENTS)
            assert not result.is_error, result

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(concurrency):
            group.start_soon(worker)
    return calls / (time.perf_counter() - started)


async def main(calls: int, rounds: int, concurrency: int) -> None:
    async with running_simulator() as base_url:
        env = {"OPENROUTER_BASE_URL": base_url, "OPENROUTER_API_KEY": KEY, "PATH": os.environ.get("PATH", "")}
        async with over_stdio(env) as stdio, over_http(env) as http:
            clients = {"stdio": stdio, "http": http}
            for client in clients.values():  # warm up: connections, imports, the catalogue
                await one_at_a_time(client, 10)
            latencies: dict[str, list[float]] = {name: [] for name in clients}
            rates: dict[str, list[float]] = {name: [] for name in clients}
            for _ in range(rounds):
                for name, client in clients.items():
                    latencies[name] += await one_at_a_time(client, calls)
                    rates[name].append(await at_once(client, calls, concurrency))
    print(f"\nchat_with_model, {rounds} rounds of {calls} calls per transport, alternating")
    for name in clients:
        print(
            f"  {name:<6} one at a time: median {median_ms(latencies[name]):6.2f} ms "
            f"= {1000 / median_ms(latencies[name]):6.1f} req/s;   {concurrency} at once: "
            f"{statistics.median(rates[name]):6.1f} req/s (rounds {min(rates[name]):.0f}–{max(rates[name]):.0f})"
        )
    sequential = median_ms(latencies["stdio"]) / median_ms(latencies["http"])
    loaded = statistics.median(rates["http"]) / statistics.median(rates["stdio"])
    print(f"  ratio http/stdio in req/s: one at a time {sequential:.2f}x, {concurrency} at once {loaded:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    options = parser.parse_args()
    anyio.run(main, options.calls, options.rounds, options.concurrency)
