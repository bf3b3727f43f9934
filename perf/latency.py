"""Latency added by `chat_with_model` over stdio, against a direct httpx request.

Both hit the same simulator, in its own process on a loopback port (`openrouter-mcp
simulate`), with the same body, alternately, in the same run. The difference of the
medians is what the MCP server adds (target: ≤ 2 ms).

    python perf/latency.py [--calls 200]
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


async def main(calls: int) -> None:
    async with running_simulator() as base_url:
        await measure(base_url, calls)


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
    anyio.run(main, parser.parse_args().calls)
