"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio


def server_command() -> list[str]:
    """The installed `openrouter-mcp` script next to this interpreter, else `python -m`."""
    script = Path(sys.executable).with_name("openrouter-mcp")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "mcp_server_openrouter"]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def report(title: str, rows: list[tuple[str, list[float]]]) -> None:
    print(f"\n{title}")
    for name, samples in rows:
        print(
            f"  {name:<34} median {median_ms(samples):8.2f} ms   "
            f"min {min(samples) * 1000:8.2f}   max {max(samples) * 1000:8.2f}   (n={len(samples)})"
        )


@asynccontextmanager
async def running_simulator() -> AsyncIterator[str]:
    """`openrouter-mcp simulate` in its own process (no GIL shared with the measuring client)."""
    async with await anyio.open_process([*server_command(), "simulate", "--port", "0"]) as process:
        assert process.stderr is not None
        text = ""
        with anyio.fail_after(30):
            while "listening on " not in text or "\n" not in text.split("listening on ", 1)[1]:
                text += (await process.stderr.receive()).decode()
        try:
            yield text.split("listening on ", 1)[1].split()[0]
        finally:
            process.terminate()
