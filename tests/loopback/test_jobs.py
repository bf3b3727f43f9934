"""Background jobs over a real socket: the text so far while the reply streams, and cancelling
a job closes the upstream connection (the simulator sees the client go away)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from mcp import Client

from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread

from ..helpers import structured_of, text_of
from .conftest import loopback_settings
from .stall import Stall, StallAfterChunks

pytestmark = pytest.mark.anyio

MODEL = "openai/gpt-4o-mini"


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured_of(result)


async def test_a_background_job_shows_the_text_so_far_and_cancelling_it_closes_the_upstream_stream(
    tmp_path: Path,
) -> None:
    simulator, stall = Simulator(), Stall()
    simulator.app.add_middleware(StallAfterChunks, chunks=3, stall=stall)
    with serve_in_thread(simulator) as base_url:
        server = create_server(loopback_settings(tmp_path, base_url, timeout_seconds=30))
        with anyio.fail_after(10):
            async with Client(server) as client:
                started = await call(client, "chat_with_model", {"model": MODEL, "messages": "hi", "background": True})
                job_id = started["job_id"]
                assert await anyio.to_thread.run_sync(stall.stalled.wait, 5.0)
                status: dict[str, Any] = {"text": ""}
                while not status["text"]:  # the three chunks sent before the stall reach the job
                    status = await call(client, "get_job_result", {"job_id": job_id})
                    await anyio.lowlevel.checkpoint()
                assert status["status"] == "running" and status["text"].startswith(f"[simulated {MODEL}]")
                cancelled_at = time.monotonic()
                cancelled = await call(client, "cancel_job", {"job_id": job_id})
                assert await anyio.to_thread.run_sync(stall.disconnected.wait, 5.0)
                closed_after = time.monotonic() - cancelled_at
    assert cancelled["status"] == "cancelled" and cancelled["text"] == status["text"]
    assert closed_after < 1.0, closed_after
    assert simulator.events_of("stream_completed") == []


async def test_waiting_for_a_job_hears_its_progress_even_after_a_shorter_poll_by_someone_else(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    simulator.add_fault(Fault(token_delay=0.02, extra_words=60))  # about two seconds of tokens
    heard: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append(progress)

    server = create_server(loopback_settings(tmp_path, base_url, timeout_seconds=30, progress_interval_seconds=0))
    with anyio.fail_after(20):
        async with Client(server) as client:
            started = await call(client, "chat_with_model", {"model": MODEL, "messages": "hi", "background": True})
            job_id = started["job_id"]
            async with anyio.create_task_group() as group:

                async def long_wait() -> None:
                    done = await client.call_tool(
                        "get_job_result", {"job_id": job_id, "wait_seconds": 15}, progress_callback=on_progress
                    )
                    assert structured_of(done)["status"] == "done"

                group.start_soon(long_wait)
                while not heard:
                    await anyio.lowlevel.checkpoint()
                await call(client, "get_job_result", {"job_id": job_id, "wait_seconds": 0.05})  # a short poll
                after_poll = len(heard)
    assert len(heard) > after_poll  # the long waiter still heard progress after the short poll left
    assert all(a < b for a, b in itertools.pairwise(heard))
