"""Load with scattered rate limits: 200 chat calls, 8 at a time, through the server over stdio.

The simulator (its own process, loopback) answers every fifth chat request with a 429 whose
reset is 50 ms away; the server waits for the reset (and holds back the model's other requests
until then) and retries (OPENROUTER_MAX_RETRIES=6 here). The same load without faults, in the same run, is the baseline.
Reported per scenario, as medians over the runs: throughput, and each call's latency at p50
and p99; then what the faults added. Every call must come back with a reply.

    python perf/resilience.py [--calls 200] [--concurrency 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import anyio
import httpx
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from _common import running_simulator, server_command

KEY = "sk-or-v1-bench"
RETRIES = 6
MODEL = "openai/gpt-4o-mini"
ARGUMENTS = {"model": MODEL, "messages": "Say hello in five words."}
RATE_LIMIT = {
    "status": 429,
    "body": {"error": {"message": "Rate limit exceeded: limit_rpm/openai/gpt-4o-mini", "code": 429}},
    "reset_in": 0.05,
    "times": None,
    "every": 5,
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


async def one_run(base_url: str, calls: int, concurrency: int, faults: bool) -> tuple[float, list[float]]:
    """(calls per second, each call's latency in seconds)."""
    env = {
        "OPENROUTER_BASE_URL": base_url,
        "OPENROUTER_API_KEY": KEY,
        "OPENROUTER_MCP_LOG_LEVEL": "WARNING",
        # At the default 3 retries a call that meets four 429s in a row fails (saying when to try
        # again): with one request in five limited, about one call in a few hundred.
        "OPENROUTER_MAX_RETRIES": str(RETRIES),
    }
    command = server_command()
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    latencies: list[float] = []
    failures: list[str] = []
    with open(os.devnull, "w") as errlog:
        async with (
            httpx.AsyncClient(base_url=base_url + "/") as control,
            Client(stdio_client(params, errlog=errlog)) as mcp,
        ):
            for _ in range(5):  # warm up: imports, the connection
                await mcp.call_tool("chat_with_model", ARGUMENTS)
            await control.delete("_sim/faults")
            if faults:
                (await control.post("_sim/faults", json=RATE_LIMIT)).raise_for_status()
            limiter = anyio.CapacityLimiter(concurrency)

            async def call() -> None:
                async with limiter:
                    started = time.perf_counter()
                    result = await mcp.call_tool("chat_with_model", ARGUMENTS)
                    latencies.append(time.perf_counter() - started)
                    if result.is_error:
                        failures.append(str(result.content))

            started = time.perf_counter()
            async with anyio.create_task_group() as group:
                for _ in range(calls):
                    group.start_soon(call)
            elapsed = time.perf_counter() - started
            await control.delete("_sim/faults")
    if failures:
        raise SystemExit(f"{len(failures)} of {calls} calls failed, e.g. {failures[0]}")
    return calls / elapsed, latencies


async def direct(base_url: str, calls: int, concurrency: int) -> float:
    """Calls per second of plain httpx POSTs at the same concurrency: what the simulator can serve."""
    body = {"model": MODEL, "messages": [{"role": "user", "content": ARGUMENTS["messages"]}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    limiter = anyio.CapacityLimiter(concurrency)
    async with httpx.AsyncClient(base_url=base_url + "/") as http:

        async def call() -> None:
            async with limiter:
                (await http.post("chat/completions", json=body, headers=headers)).raise_for_status()

        started = time.perf_counter()
        async with anyio.create_task_group() as group:
            for _ in range(calls):
                group.start_soon(call)
        return calls / (time.perf_counter() - started)


async def main(calls: int, concurrency: int, runs: int) -> None:
    results: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
    ceiling: list[float] = []
    async with running_simulator() as base_url:
        for _ in range(runs):
            ceiling.append(await direct(base_url, calls, concurrency))
            for faults in (False, True):  # alternating, so drift on the machine hits both alike
                throughput, latencies = await one_run(base_url, calls, concurrency, faults)
                results[faults].append((throughput, percentile(latencies, 0.5), percentile(latencies, 0.99)))
    print(f"\n{calls} chat_with_model calls, {concurrency} at a time, over stdio ({runs} runs, medians)")
    print(
        f"  (the simulator alone, plain httpx POSTs at the same concurrency: {statistics.median(ceiling):.1f} calls/s)"
    )
    summary = {}
    for faults, rows in results.items():
        throughput = statistics.median(r[0] for r in rows)
        p50 = statistics.median(r[1] for r in rows) * 1000
        p99 = statistics.median(r[2] for r in rows) * 1000
        summary[faults] = (throughput, p50, p99)
        name = "20% 429s (reset 50 ms)" if faults else "no faults (baseline)"
        print(f"  {name:<26} {throughput:7.1f} calls/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   all {calls} replied")
    (t0, a0, b0), (t1, a1, b1) = summary[False], summary[True]
    print(
        f"  added by the faults: p50 +{a1 - a0:.1f} ms, p99 +{b1 - b0:.1f} ms; throughput {t1 / t0:.2f}x the baseline"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    anyio.run(main, options.calls, options.concurrency, options.runs)
