"""Spawn → initialize time of `openrouter-mcp`, against a minimal one-tool `mcp` server.

Both are launched the way an MCP client launches them (a subprocess over stdio, the
official client doing the handshake), alternately, in the same run. Prints medians and
the ratio (target: ≤ 1.2×).

    python perf/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from _common import median_ms, report, server_command

HERE = Path(__file__).resolve().parent


async def time_initialize(command: list[str], env: dict[str, str]) -> float:
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    with open(os.devnull, "w") as errlog:
        started = time.perf_counter()
        async with Client(stdio_client(params, errlog=errlog)) as client:
            elapsed = time.perf_counter() - started
            await client.list_tools()
    return elapsed


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        # No key and an empty config: start-up must not depend on either.
        env = {"XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home, "OPENROUTER_MCP_LOG_LEVEL": "WARNING"}
        ours_cmd = server_command()
        base_cmd = [sys.executable, str(HERE / "minimal_server.py")]
        ours: list[float] = []
        base: list[float] = []
        await time_initialize(ours_cmd, env)  # warm the OS file cache for both
        await time_initialize(base_cmd, env)
        for _ in range(runs):
            base.append(await time_initialize(base_cmd, env))
            ours.append(await time_initialize(ours_cmd, env))
    report("spawn → initialize over stdio", [("minimal mcp server (baseline)", base), ("openrouter-mcp", ours)])
    print(f"  ratio openrouter-mcp / baseline: {median_ms(ours) / median_ms(base):.2f}x (target ≤ 1.20x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    anyio.run(main, parser.parse_args().runs)
