"""End to end over stdio: a slow call turns into a job and is fetched later; a long reply is read
in pages; both with the real `openrouter-mcp` process and the simulator on a loopback port."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_server_openrouter.simulator import Fault, Simulator

from .helpers import structured_of, text_of
from .test_e2e_stdio import server_command, server_env

pytestmark = pytest.mark.anyio

MODEL = "openai/gpt-4o-mini"


def params(base_url: str, tmp_path: Path, **settings: str) -> StdioServerParameters:
    command, args = server_command()
    return StdioServerParameters(command=command, args=args, env={**server_env(base_url, tmp_path), **settings})


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured_of(result)


async def test_a_call_slower_than_the_foreground_timeout_returns_a_job_whose_reply_arrives_later(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    simulator.add_fault(Fault(keepalives=4, keepalive_interval=0.1))  # the model thinks for ~0.4 s
    server = params(base_url, tmp_path, OPENROUTER_FOREGROUND_TIMEOUT="0.1")
    with anyio.fail_after(20):
        async with Client(stdio_client(server, errlog=stderr_log)) as client:
            first = await call(client, "chat_with_model", {"model": MODEL, "messages": "hi", "stream": True})
            assert first["status"] == "running"
            done = await call(client, "get_job_result", {"job_id": first["job_id"], "wait_seconds": 10})
    assert done["status"] == "done" and done["text"].startswith(f"[simulated {MODEL}]")
    assert done["result"]["cost_usd"] > 0
    assert len(simulator.events_of("request")) == 1


async def test_a_reply_past_the_output_budget_is_read_in_pages_over_stdio(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    simulator.add_fault(Fault(extra_words=2000))
    server = params(base_url, tmp_path, OPENROUTER_MCP_MAX_OUTPUT_TOKENS="1000")
    with anyio.fail_after(20):
        async with Client(stdio_client(server, errlog=stderr_log)) as client:
            first = await call(client, "chat_with_model", {"model": MODEL, "messages": "hi"})
            pages = [first["text"]]
            for page in range(2, first["pages"] + 1):
                later = await call(client, "get_job_result", {"job_id": first["job_id"], "page": page})
                pages.append(later["text"])
    whole = "".join(pages)
    assert first["pages"] >= 3 and whole.count("word") == 2000 and whole.endswith("word2000")
    assert all(len(page) <= 3600 for page in pages)
