"""End to end: the real `openrouter-mcp` process over stdio, with a daily budget, refuses a call
that could cross it before the simulator sees any request for it."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_server_openrouter.simulator import Simulator

from .helpers import structured_of, text_of
from .test_e2e_stdio import server_command, server_env

pytestmark = pytest.mark.anyio

MODEL = "openai/gpt-4o"  # $2.50 / $10 per 1M tokens in the simulator


def chat_requests(simulator: Simulator) -> int:
    return len([e for e in simulator.events_of("request") if e.path.endswith("/chat/completions")])


async def test_a_daily_budget_refuses_a_call_before_the_simulator_sees_it_over_stdio(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    env = {**server_env(base_url, tmp_path), "OPENROUTER_BUDGET_DAILY_USD": "0.01"}
    command, args = server_command()
    params = StdioServerParameters(command=command, args=args, env=env, cwd=tmp_path)
    async with Client(stdio_client(params, errlog=stderr_log)) as client:
        # Worst case ~$0.001: within the budget, sent, and its cost is in the ledger.
        first = await client.call_tool("chat_with_model", {"model": MODEL, "messages": "hi", "max_tokens": 100})
        assert not first.is_error, text_of(first)
        spent = structured_of(first)["cost_usd"]
        assert chat_requests(simulator) == 1
        # Worst case ~$0.01: with what was spent, it could cross the budget.
        refused = await client.call_tool("chat_with_model", {"model": MODEL, "messages": "hi", "max_tokens": 1000})
        streamed = await client.call_tool(
            "chat_with_model", {"model": MODEL, "messages": "hi", "max_tokens": 1000, "stream": True}
        )
    assert refused.is_error and streamed.is_error
    message = text_of(refused)
    assert "Not sent: openai/gpt-4o" in message and "OPENROUTER_BUDGET_DAILY_USD" in message
    assert f"${spent}" in message and "of the $0.01 budget" in message and "left" in message
    assert chat_requests(simulator) == 1  # the refused calls never reached the simulator
