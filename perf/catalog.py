"""`list_available_models` answered from memory, from the file cache after a restart, and from the network.

The simulator (386 models) runs in its own process on loopback. Each figure is a median;
ratios are to the network fetch measured in the same run. Targets: a filtered page from the
memory cache in ≤ 1 ms in process and ≤ 2 ms over stdio.

    python perf/catalog.py [--calls 200] [--restarts 7]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from _common import median_ms, report, running_simulator, server_command
from mcp_server_openrouter.app import open_app
from mcp_server_openrouter.catalog import ModelQuery
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server

QUERY = {"supports": ["vision", "tools"], "max_price_per_million": 2, "limit": 10}
SEARCHES = ["claude", "gpt", "llama", "gemini", "qwen", "mistral", "deepseek", "grok", "phi", "glm"]


async def timed(fn, calls: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for index in range(calls):
        started = time.perf_counter()
        await fn(index)
        samples.append(time.perf_counter() - started)
    return samples


async def in_process(base_url: str, cache_dir: Path, calls: int) -> list[tuple[str, list[float]]]:
    settings = Settings(_env_file=None, base_url=base_url, cache_dir=cache_dir)
    query = ModelQuery.build(**QUERY)
    async with open_app(settings) as app:
        await app.catalog.list_models(query)  # warm: fetch once

        async def same_page(_: int) -> None:
            await app.catalog.list_models(query)

        async def new_filter(index: int) -> None:
            # A different search each time: filtering the parsed catalogue, no page cache hit.
            await app.catalog.list_models(ModelQuery.build(search=SEARCHES[index % 10], offset=index // 10, limit=10))

        rows = [
            ("domain call, same page (memory LRU)", await timed(same_page, calls)),
            ("domain call, new filter each time", await timed(new_filter, calls)),
        ]
    async with Client(create_server(settings)) as client:
        await client.call_tool("list_available_models", QUERY)

        async def mcp_in_process(_: int) -> None:
            await client.call_tool("list_available_models", QUERY)

        rows.append(("MCP tool in process (memory)", await timed(mcp_in_process, calls)))
    return rows


def params(base_url: str, cache_dir: Path, ttl: str = "1") -> StdioServerParameters:
    command = server_command()
    env = {
        "OPENROUTER_BASE_URL": base_url,
        "OPENROUTER_MCP_CACHE_DIR": str(cache_dir),
        "CACHE_TTL_HOURS": ttl,
        "OPENROUTER_MCP_LOG_LEVEL": "WARNING",
    }
    return StdioServerParameters(command=command[0], args=command[1:], env=env)


async def first_call(parameters: StdioServerParameters) -> float:
    with open(os.devnull, "w") as errlog:
        async with Client(stdio_client(parameters, errlog=errlog)) as client:
            started = time.perf_counter()
            result = await client.call_tool("list_available_models", QUERY)
            elapsed = time.perf_counter() - started
            assert not result.is_error, result
    return elapsed


async def over_stdio(base_url: str, cache_dir: Path, calls: int, restarts: int) -> list[tuple[str, list[float]]]:
    with open(os.devnull, "w") as errlog:
        async with Client(stdio_client(params(base_url, cache_dir), errlog=errlog)) as client:
            await client.call_tool("list_available_models", QUERY)

            async def memory(_: int) -> None:
                await client.call_tool("list_available_models", QUERY)

            memory_samples = await timed(memory, calls)
        async with Client(stdio_client(params(base_url, cache_dir, ttl="0"), errlog=errlog)) as client:

            async def network(_: int) -> None:
                await client.call_tool("list_available_models", QUERY)

            network_samples = await timed(network, max(calls // 10, 10))
    restart_file = [await first_call(params(base_url, cache_dir)) for _ in range(restarts)]
    restart_network = []
    for _ in range(restarts):
        with tempfile.TemporaryDirectory() as empty:
            restart_network.append(await first_call(params(base_url, Path(empty))))
    return [
        ("over stdio, memory cache", memory_samples),
        ("first call after restart, file cache", restart_file),
        ("first call after restart, no cache", restart_network),
        ("over stdio, CACHE_TTL_HOURS=0 (network)", network_samples),
    ]


async def main(calls: int, restarts: int) -> None:
    async with running_simulator() as base_url:
        with tempfile.TemporaryDirectory() as cache_dir:
            # Over stdio first: the client process then holds nothing but the client.
            stdio_rows = await over_stdio(base_url, Path(cache_dir), calls, restarts)
            rows = await in_process(base_url, Path(cache_dir), calls) + stdio_rows
    report("list_available_models (filtered page of 10 from 386 models)", rows)
    network = median_ms(rows[-1][1])
    print(f"  ratios to the network fetch over stdio ({network:.2f} ms):")
    for name, samples in rows[:-1]:
        print(f"    {name:<42} {median_ms(samples) / network:6.3f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--restarts", type=int, default=7)
    arguments = parser.parse_args()
    anyio.run(main, arguments.calls, arguments.restarts)
