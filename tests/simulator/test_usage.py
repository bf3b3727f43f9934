"""The simulator's `usage` is what it bills: prompt caching, reasoning, BYOK, server tools, and the 2025
shape without `cost`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.simulator import Fault, Simulator

from .wire import AUTH, Wire

pytestmark = pytest.mark.anyio
LONG = "The CAP theorem says a distributed store picks two of consistency, availability, partitions. " * 60


async def chat(http: httpx.AsyncClient, headers: dict[str, str] = AUTH, **body: Any) -> dict[str, Any]:
    response = await http.post("chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert isinstance(reply, dict)
    return reply


def cached_system(text: str) -> dict[str, Any]:
    return {"role": "system", "content": [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]}


async def test_usage_adds_up_to_the_cost_billed_to_the_key_and_the_generation(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    reply = await chat(http, model="openai/gpt-4o", messages=[{"role": "user", "content": "hi"}])
    usage = reply["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    prompt, completion = Decimal("0.0000025"), Decimal("0.00001")
    expected = prompt * usage["prompt_tokens"] + completion * usage["completion_tokens"]
    assert Decimal(str(usage["cost"])) == expected
    assert usage["cost_details"]["upstream_inference_prompt_cost"] == float(prompt * usage["prompt_tokens"])
    (account,) = simulator.accounts.values()
    assert account.ledger[-1][1] == expected
    assert simulator.generations[reply["id"]]["total_cost"] == usage["cost"]


async def test_anthropic_writes_the_marked_prefix_then_reads_it_back(http: httpx.AsyncClient) -> None:
    question = {"role": "user", "content": "Summarise it."}
    first = (await chat(http, model="anthropic/claude-sonnet-4.6", messages=[cached_system(LONG), question]))["usage"]
    details = first["prompt_tokens_details"]
    assert details["cached_tokens"] == 0 and details["cache_write_tokens"] > 1024
    follow_up = [cached_system(LONG), question, {"role": "assistant", "content": "Two of three."}, question]
    second = (await chat(http, model="anthropic/claude-sonnet-4.6", messages=follow_up))["usage"]
    assert second["prompt_tokens_details"]["cached_tokens"] == details["cache_write_tokens"]
    assert second["prompt_tokens_details"]["cache_write_tokens"] == 0
    assert second["prompt_tokens"] > second["prompt_tokens_details"]["cached_tokens"]
    # Cached tokens cost a tenth, written ones a quarter more: the same prompt costs less the second time.
    assert (
        second["cost_details"]["upstream_inference_prompt_cost"]
        < first["cost_details"]["upstream_inference_prompt_cost"]
    )


async def test_a_longer_marked_prefix_reads_the_old_one_and_writes_the_rest(http: httpx.AsyncClient) -> None:
    question = {"role": "user", "content": "Summarise it."}
    await chat(http, model="anthropic/claude-sonnet-4.6", messages=[cached_system(LONG), question])
    marked_question = {
        "role": "user",
        "content": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
    }
    details = (await chat(http, model="anthropic/claude-sonnet-4.6", messages=[cached_system(LONG), marked_question]))[
        "usage"
    ]["prompt_tokens_details"]
    assert details["cached_tokens"] > 1024 and details["cache_write_tokens"] > 1024


async def test_unmarked_anthropic_prompts_and_short_prompts_are_not_cached(http: httpx.AsyncClient) -> None:
    for _ in range(2):
        unmarked = await chat(http, model="anthropic/claude-sonnet-4.6", messages=[{"role": "user", "content": LONG}])
        short = await chat(http, model="openai/gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert unmarked["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    assert short["usage"]["prompt_tokens_details"]["cached_tokens"] == 0


async def test_openai_caches_a_repeated_prompt_prefix_by_itself_in_steps_of_128(http: httpx.AsyncClient) -> None:
    opening = [{"role": "system", "content": LONG}, {"role": "user", "content": "And?"}]
    first = (await chat(http, model="openai/gpt-4o", messages=opening))["usage"]
    later = [*opening, {"role": "assistant", "content": "Partitions happen."}, {"role": "user", "content": "So?"}]
    second = (await chat(http, model="openai/gpt-4o", messages=later))["usage"]
    cached = second["prompt_tokens_details"]["cached_tokens"]
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    assert cached % 128 == 0 and first["prompt_tokens"] - 128 < cached <= first["prompt_tokens"]
    other_key = {"Authorization": "Bearer sk-or-v1-someone-else"}
    assert (await chat(http, other_key, model="openai/gpt-4o", messages=later))["usage"]["prompt_tokens_details"][
        "cached_tokens"
    ] == 0


async def test_a_byok_call_costs_nothing_and_reports_the_upstream_cost(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    byok = {"Authorization": "Bearer sk-or-v1-byok-team"}
    usage = (await chat(http, byok, model="google/gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}]))[
        "usage"
    ]
    assert usage["cost"] == 0 and usage["is_byok"] is True
    assert usage["cost_details"]["upstream_inference_cost"] > 0
    assert simulator.accounts["sk-or-v1-byok-team"].ledger[-1][1] == 0
    simulator.add_fault("byok")
    scripted = (await chat(http, model="openai/gpt-4o", messages=[{"role": "user", "content": "hi"}]))["usage"]
    assert scripted["cost"] == 0 and scripted["is_byok"] is True


async def test_a_reply_without_cost_is_still_billed(http: httpx.AsyncClient, simulator: Simulator) -> None:
    simulator.add_fault("no_cost")
    reply = await chat(http, model="openai/gpt-5-mini", messages=[{"role": "user", "content": "hi"}])
    usage = reply["usage"]
    assert set(usage) == {"prompt_tokens", "completion_tokens", "total_tokens", "completion_tokens_details"}
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
    assert simulator.generations[reply["id"]]["total_cost"] > 0


async def test_a_stream_can_also_omit_the_cost(http: httpx.AsyncClient, simulator: Simulator) -> None:
    simulator.add_fault(Fault(omit_cost=True))
    body = {"model": "openai/o3", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    usage = Wire.parse((await http.post("chat/completions", json=body, headers=AUTH)).text).usage()
    assert "cost" not in usage and usage["completion_tokens"] > 0


async def test_prompts_past_the_tier_are_billed_at_the_long_context_price(http: httpx.AsyncClient) -> None:
    huge = "word " * 820_000  # about 205k tokens
    usage = (await chat(http, model="google/gemini-2.5-pro", messages=[{"role": "user", "content": huge}]))["usage"]
    assert usage["prompt_tokens"] > 200_000
    assert usage["cost_details"]["upstream_inference_prompt_cost"] == pytest.approx(usage["prompt_tokens"] * 2.5e-6)


async def test_a_prompt_past_the_context_window_is_refused(http: httpx.AsyncClient) -> None:
    body = {"model": "openai/gpt-4", "messages": [{"role": "user", "content": "x" * 40_000}]}
    response = await http.post("chat/completions", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("This endpoint's maximum context length is 8191 tokens.")
