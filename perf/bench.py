"""benchmark_models at scale: 8 models × 3 runs through the server over stdio, every model answering
after 200 ms (scripted in the simulator, its own process on loopback).

Models run in parallel and the runs of one model in sequence, so the ideal wall time is one model's:
3 × 200 ms plus the delays between its runs. Reported per delay, as medians over the runs: the
tool call's wall time (what the client waits), the benchmark's own wall time (from its first request
to its last answer), their ratio to the ideal, and the same load sent as plain httpx streams without
the server (what the simulator and the machine allow). Target: the tool call ≤ 1.25 × the ideal.

    python perf/bench.py [--runs 5] [--delays 0,0.1] [--data-root /dev/shm]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import anyio
import httpx
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from _common import running_simulator, server_command

KEY = "sk-or-v1-bench"
LATENCY = 0.2
RUNS_PER_MODEL = 3
MODELS = [
    "openai/gpt-4o-mini",
    "openai/gpt-4.1-nano",
    "openai/gpt-4.1-mini",
    "openai/gpt-4o",
    "mistralai/mistral-small",
    "anthropic/claude-3-haiku",
    "anthropic/claude-3.5-haiku",
    "google/gemini-2.5-flash",
]


async def measure(
    base_url: str, delays: list[float], runs: int, data_dir: str
) -> dict[float, list[tuple[float, float]]]:
    """{delay: [(tool call wall time, the benchmark's own wall time)] for each run}."""
    env = {
        "OPENROUTER_BASE_URL": base_url,
        "OPENROUTER_API_KEY": KEY,
        "OPENROUTER_MCP_LOG_LEVEL": "WARNING",
        # The usage ledger (and any report) of these runs go to a throw-away directory, not the user's.
        "OPENROUTER_MCP_DATA_DIR": data_dir,
        "OPENROUTER_MCP_CACHE_DIR": data_dir,
    }
    command = server_command()
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    found: dict[float, list[tuple[float, float]]] = {delay: [] for delay in delays}
    with open(os.devnull, "w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as mcp:
            # Warm up: imports, the catalogue, the connections.
            await mcp.call_tool("benchmark_models", {"models": MODELS, "prompt": "warm up"})
            for _ in range(runs):
                for delay in delays:  # alternating, so drift on the machine hits every delay alike
                    arguments = {"models": MODELS, "prompt": "Say hi", "runs": RUNS_PER_MODEL, "delay_seconds": delay}
                    started = time.perf_counter()
                    result = await mcp.call_tool("benchmark_models", arguments)
                    elapsed = time.perf_counter() - started
                    report = result.structured_content or {}
                    if result.is_error or any(m["succeeded"] != RUNS_PER_MODEL for m in report["models"]):
                        raise SystemExit(f"a run failed: {result.content}")
                    found[delay].append((elapsed, float(report["wall_s"])))
    return found


async def direct(base_url: str, delay: float) -> float:
    """The same load as plain httpx streams, without the server: what the simulator and the machine allow."""
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base_url + "/", headers=headers) as http:

        async def runs_of(model: str) -> None:
            body = {"model": model, "messages": [{"role": "user", "content": "Say hi"}], "stream": True}
            for run in range(RUNS_PER_MODEL):
                if run:
                    await anyio.sleep(delay)
                async with http.stream("POST", "chat/completions", json=body) as response:
                    async for _ in response.aiter_bytes():
                        pass

        started = time.perf_counter()
        async with anyio.create_task_group() as group:
            for model in MODELS:
                group.start_soon(runs_of, model)
        return time.perf_counter() - started


async def main(runs: int, delays: list[float], data_root: str | None) -> None:
    with tempfile.TemporaryDirectory(dir=data_root) as data_dir:
        async with running_simulator() as base_url:
            async with httpx.AsyncClient(base_url=base_url + "/") as control:
                for model in MODELS:  # every model answers after LATENCY, in both measurements
                    fault = {"model": model, "delay": LATENCY, "times": None}
                    (await control.post("_sim/faults", json=fault)).raise_for_status()
            found = await measure(base_url, delays, runs, data_dir)
            baseline = {delay: [await direct(base_url, delay) for _ in range(runs)] for delay in delays}
    print(
        f"\nbenchmark_models: {len(MODELS)} models × {RUNS_PER_MODEL} runs, {LATENCY * 1000:.0f} ms a reply, "
        f"over stdio ({runs} runs each, medians; data directory under {data_root or tempfile.gettempdir()})"
    )
    for delay, samples in found.items():
        ideal = RUNS_PER_MODEL * LATENCY + (RUNS_PER_MODEL - 1) * delay
        call = statistics.median(s[0] for s in samples)
        own = statistics.median(s[1] for s in samples)
        ratios = sorted(s[0] / ideal for s in samples)
        plain = statistics.median(baseline[delay])
        print(
            f"  delay {delay:.2f} s: ideal {ideal * 1000:4.0f} ms   tool call {call * 1000:5.0f} ms "
            f"= {call / ideal:.3f}× (runs {ratios[0]:.3f}–{ratios[-1]:.3f}×; target ≤ 1.25×)   "
            f"benchmark's own {own * 1000:5.0f} ms   "
            f"plain httpx, no server {plain * 1000:5.0f} ms = {plain / ideal:.3f}×"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delays", default="0,0.1", help="comma-separated delay_seconds values")
    parser.add_argument(
        "--data-root",
        help="where the throw-away data directory (usage ledger) goes; /dev/shm leaves the disk out",
    )
    options = parser.parse_args()
    anyio.run(main, options.runs, [float(d) for d in options.delays.split(",")], options.data_root)
