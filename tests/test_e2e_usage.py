"""End to end over stdio: chats through the real `openrouter-mcp` process against the simulator on
loopback, then `get_usage_stats` answers from the ledger that process wrote, to the last decimal."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_server_openrouter.simulator import Fault, Simulator
from mcp_server_openrouter.usage.dates import local_date

from .helpers import FAKE_KEY, structured_of, text_of
from .test_e2e_stdio import server_command, server_env

pytestmark = pytest.mark.anyio


async def test_get_usage_stats_over_stdio_adds_up_what_the_servers_chats_cost(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    command, args = server_command()
    env = {**server_env(base_url, tmp_path), "OPENROUTER_MAX_RETRIES": "0"}
    server = StdioServerParameters(command=command, args=args, env=env, cwd=tmp_path)
    with anyio.fail_after(30):
        async with Client(stdio_client(server, errlog=stderr_log)) as client:
            for model, stream in (
                ("openai/gpt-4o-mini", False),
                ("google/gemini-2.5-flash", True),
                ("x-ai/grok-4", False),
            ):
                chat = await client.call_tool(
                    "chat_with_model", {"model": model, "messages": "hello", "stream": stream}
                )
                assert not chat.is_error, text_of(chat)
            simulator.add_fault(Fault(status=429, reset_in=30))
            assert (await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})).is_error
            today = str(local_date(time.time()))
            result = await client.call_tool("get_usage_stats", {"start_date": today, "end_date": today})

    assert not result.is_error, text_of(result)
    stats = structured_of(result)
    billed = sum((Decimal(str(g["total_cost"])) for g in simulator.generations.values()), Decimal(0))
    assert len(simulator.generations) == 3
    assert Decimal(stats["totals"]["cost_usd"]) == billed  # to the last decimal
    assert (stats["totals"]["calls"], stats["totals"]["errors"]) == (4, 1)
    assert stats["account"]["usage_today_usd"] and "management keys only" in stats["account"]["notes"][0]
    text = text_of(result)
    assert f"Usage {today} to {today} (local days, " in text and "4 calls (1 failed)" in text
    stderr_log.seek(0)
    assert FAKE_KEY not in stderr_log.read()
