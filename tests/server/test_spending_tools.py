"""Spending through the MCP tools, in process: estimate_cost, max_cost_usd, budgets refusing
before any upstream request on every chat path, asking the user (MCP elicitation) before a
costly call, and the session's running total."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult

from mcp_server_openrouter.catalog.model import Catalog, format_usd
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator
from mcp_server_openrouter.simulator._catalog import build_catalog
from mcp_server_openrouter.usage.estimate import METHOD

from ..helpers import make_settings, structured_of, text_of
from ..jobs.gate import Gate

pytestmark = pytest.mark.anyio

Action = Literal["accept", "decline", "cancel"]
MODEL = "openai/gpt-4o"
ASK: dict[str, Any] = {"model": MODEL, "messages": "Say hi"}


@asynccontextmanager
async def connected(
    tmp_path: Path,
    simulator: Simulator,
    *,
    gate: Gate | None = None,
    answers: list[Action | ElicitResult] | None = None,
    questions: list[str] | None = None,
    mode: str = "auto",
    **settings: Any,
) -> AsyncIterator[Client]:
    """A client of a server on the simulator; with `answers`, one that answers elicitations in turn."""
    app = simulator.app if gate is None else gate.wrap(simulator.app)
    server = create_server(make_settings(tmp_path, **settings), transport=httpx.ASGITransport(app=app))
    callback = None
    if answers is not None:

        async def callback(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
            if questions is not None:
                questions.append(params.message)
            answer = answers.pop(0)
            if isinstance(answer, ElicitResult):
                return answer
            return ElicitResult(action=answer, content={"send": True} if answer == "accept" else None)

    async with Client(server, elicitation_callback=callback, mode=mode) as client:
        yield client


def chat_requests(simulator: Simulator) -> int:
    return len([e for e in simulator.events_of("request") if e.path.endswith("/chat/completions")])


async def test_estimate_cost_names_its_method_and_prices_the_worst_case(tmp_path: Path, simulator: Simulator) -> None:
    async with connected(tmp_path, simulator) as client:
        result = await client.call_tool("estimate_cost", {"model": MODEL, "prompt": "x" * 400, "max_tokens": 1000})
    assert not result.is_error
    data, text = structured_of(result), text_of(result)
    assert data["prompt_tokens_method"] == METHOD and METHOD in text and "estimated" in text
    assert data["prompt_tokens"] == 100 + 4 + 3
    assert data["completion_tokens"] == 1000 and data["completion_basis"] == "max_tokens"
    # gpt-4o in the simulator: $2.50 / $10 per 1M tokens
    assert Decimal(str(data["worst_case_usd"])) == Decimal("0.0000025") * 107 + Decimal("0.00001") * 1000
    assert text.startswith(f"{MODEL}: worst case $0.0102675.")


async def test_cheaper_models_are_really_cheaper_and_can_do_what_the_model_does(
    tmp_path: Path, simulator: Simulator
) -> None:
    async with connected(tmp_path, simulator) as client:
        data = structured_of(
            await client.call_tool(
                "estimate_cost", {"model": MODEL, "messages": [ASK | {"role": "user", "content": "hi"}]}
            )
        )
    catalog = Catalog.parse(build_catalog())
    asked = catalog.get(MODEL)
    assert asked is not None and data["completion_basis"].startswith("the model's max output")
    assert 1 <= len(data["cheaper"]) <= 5 and data["cheaper_criteria"]
    costs = [c["worst_case_usd"] for c in data["cheaper"]]
    assert costs == sorted(costs) and all(0 < cost < data["worst_case_usd"] for cost in costs)
    for cheaper in data["cheaper"]:
        other = catalog.get(cheaper["model"])
        assert other is not None
        assert set(asked.input_modalities) <= set(other.input_modalities)
        assert set(asked.output_modalities) <= set(other.output_modalities)
        assert {"tools", "structured_outputs"} & set(asked.capabilities) <= set(other.capabilities)
        assert (other.context_length or 0) >= data["prompt_tokens"] + data["completion_tokens"]


async def test_estimate_cost_arguments_get_clear_errors(tmp_path: Path, simulator: Simulator) -> None:
    async with connected(tmp_path, simulator) as client:
        both = await client.call_tool(
            "estimate_cost", {"model": MODEL, "prompt": "a", "messages": [{"role": "user", "content": "a"}]}
        )
        neither = await client.call_tool("estimate_cost", {"model": MODEL})
        unknown = await client.call_tool("estimate_cost", {"model": "openai/gpt4o", "prompt": "a"})
        zero = await client.call_tool("estimate_cost", {"model": MODEL, "prompt": "a", "max_tokens": 0})
    assert (
        both.is_error
        and neither.is_error
        and "either `prompt`" in text_of(both)
        and "either `prompt`" in text_of(neither)
    )
    assert unknown.is_error and "openai/gpt-4o" in text_of(unknown)
    assert zero.is_error and "`max_tokens` must be a positive integer" in text_of(zero)
    assert chat_requests(simulator) == 0


async def test_the_spending_arguments_stay_within_their_context_allowance(tmp_path: Path, simulator: Simulator) -> None:
    async with connected(tmp_path, simulator) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    estimate = tools["estimate_cost"]
    read = json.dumps(
        [{"name": estimate.name, "description": estimate.description, "inputSchema": estimate.input_schema}]
    )
    assert len(read.encode()) <= 380
    assert estimate.annotations is not None and estimate.annotations.read_only_hint is True
    for name in ("chat_with_model", "chat_with_vision"):
        argument = json.dumps({"max_cost_usd": tools[name].input_schema["properties"]["max_cost_usd"]})
        assert len(argument.encode()) <= 80


async def test_max_cost_usd_refuses_a_call_whose_worst_case_is_above_it_before_sending(
    tmp_path: Path, simulator: Simulator
) -> None:
    async with connected(tmp_path, simulator) as client:
        refused = await client.call_tool("chat_with_model", {**ASK, "max_tokens": 1000, "max_cost_usd": 0.001})
        vision = await client.call_tool(
            "chat_with_vision",
            {**ASK, "images": ["https://example.com/a.png"], "max_tokens": 1000, "max_cost_usd": 0.001},
        )
        assert chat_requests(simulator) == 0
        allowed = await client.call_tool("chat_with_model", {**ASK, "max_tokens": 1000, "max_cost_usd": 0.02})
        bad = await client.call_tool("chat_with_model", {**ASK, "max_cost_usd": -1})
    assert (
        refused.is_error
        and "Not sent: openai/gpt-4o" in text_of(refused)
        and "above max_cost_usd=$0.001" in text_of(refused)
    )
    assert vision.is_error and "above max_cost_usd=$0.001" in text_of(vision)
    assert not allowed.is_error and chat_requests(simulator) == 1
    assert bad.is_error and "`max_cost_usd` must be a number of US dollars" in text_of(bad)


@pytest.mark.parametrize(
    ("tool", "extra"),
    [
        ("chat_with_model", {}),
        ("chat_with_model", {"stream": True}),
        ("chat_with_model", {"background": True}),
        ("chat_with_vision", {"images": ["https://example.com/a.png"]}),
    ],
)
async def test_a_daily_budget_refuses_every_chat_path_before_any_upstream_request(
    tmp_path: Path, simulator: Simulator, tool: str, extra: dict[str, Any]
) -> None:
    async with connected(tmp_path, simulator, budget_daily_usd="0.005") as client:
        result = await client.call_tool(tool, {**ASK, "max_tokens": 1000, **extra})
    assert result.is_error
    assert "the $0.005 budget (OPENROUTER_BUDGET_DAILY_USD) is spent today" in text_of(result)
    assert chat_requests(simulator) == 0


async def test_a_background_call_holds_its_worst_case_until_its_job_ends(tmp_path: Path, simulator: Simulator) -> None:
    gate = Gate()
    ask = {**ASK, "max_tokens": 1000, "background": True}  # up to ~$0.01 each
    async with connected(tmp_path, simulator, gate=gate, budget_daily_usd="0.015") as client:
        started = structured_of(await client.call_tool("chat_with_model", ask))
        await gate.arrived.wait()
        second = await client.call_tool("chat_with_model", ask)
        assert second.is_error and "held by calls still running" in text_of(second)
        gate.opened.set()
        with anyio.fail_after(5):
            done = structured_of(
                await client.call_tool("get_job_result", {"job_id": started["job_id"], "wait_seconds": 30})
            )
        third = await client.call_tool("chat_with_model", {**ask, "background": False})
    assert done["status"] == "done"
    assert not third.is_error, text_of(third)


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # MCP 2026-07-28 (input_required) and 2025-11-25 (a request)
async def test_a_costly_call_is_sent_once_the_user_confirms(tmp_path: Path, simulator: Simulator, mode: str) -> None:
    questions: list[str] = []
    async with connected(
        tmp_path, simulator, answers=["accept"], questions=questions, mode=mode, confirm_above_usd="0.005"
    ) as client:
        result = await client.call_tool("chat_with_model", {**ASK, "max_tokens": 1000})
    assert not result.is_error, text_of(result)
    assert structured_of(result)["cost_usd"] > 0 and chat_requests(simulator) == 1
    (question,) = questions
    assert question.startswith("Send openai/gpt-4o (~") and "could cost up to $0.01" in question
    assert "Spent today: $0.00." in question


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("answer", ["decline", "cancel"])
async def test_a_declined_or_cancelled_confirmation_sends_nothing(
    tmp_path: Path, simulator: Simulator, mode: str, answer: Action
) -> None:
    async with connected(tmp_path, simulator, answers=[answer], mode=mode, confirm_above_usd="0.005") as client:
        result = await client.call_tool("chat_with_model", {**ASK, "max_tokens": 1000})
        cheap = await client.call_tool("chat_with_model", {**ASK, "max_tokens": 10})  # below the threshold: not asked
    assert result.is_error and "Not sent: you did not confirm openai/gpt-4o" in text_of(result)
    assert not cheap.is_error and chat_requests(simulator) == 1


async def test_accepting_with_the_box_unticked_sends_nothing(tmp_path: Path, simulator: Simulator) -> None:
    unticked = ElicitResult(action="accept", content={"send": False})
    async with connected(tmp_path, simulator, answers=[unticked], confirm_above_usd="0.005") as client:
        result = await client.call_tool("chat_with_model", {**ASK, "max_tokens": 1000})
    assert result.is_error and "Not sent" in text_of(result) and chat_requests(simulator) == 0


async def test_a_client_without_elicitation_is_refused_naming_the_setting(tmp_path: Path, simulator: Simulator) -> None:
    async with connected(tmp_path, simulator, confirm_above_usd="0.005") as client:
        result = await client.call_tool("chat_with_model", {**ASK, "max_tokens": 1000})
    assert result.is_error and "OPENROUTER_CONFIRM_ABOVE_USD" in text_of(result)
    assert "does not support MCP elicitation" in text_of(result) and chat_requests(simulator) == 0


async def test_every_chat_answer_carries_the_sessions_running_total_summed_exactly(
    tmp_path: Path, simulator: Simulator
) -> None:
    async with connected(tmp_path, simulator) as client:
        first = await client.call_tool("chat_with_model", {**ASK, "messages": "one two three"})
        second = await client.call_tool("chat_with_vision", {**ASK, "images": ["https://example.com/a.png"]})
    one, two = structured_of(first), structured_of(second)
    assert one["session_cost_usd"] == one["cost_usd"]
    total = Decimal(str(one["cost_usd"])) + Decimal(str(two["cost_usd"]))
    assert one["cost_usd"] != two["cost_usd"] and two["session_cost_usd"] == float(total)
    assert text_of(second).endswith(f" · session so far: ${format_usd(total, max_decimals=8)}")
