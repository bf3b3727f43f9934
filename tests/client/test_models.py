"""The typed wire models of the catalogue and account endpoints: recorded payloads, odd payloads,
and the simulator's routes through the client."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.client import (
    Credits,
    Endpoint,
    Generation,
    KeyInfo,
    ModelEndpoints,
    NotFoundError,
    PermissionDeniedError,
)
from mcp_server_openrouter.simulator import Simulator

from ..helpers import CAPTURES, FAKE_KEY, FakeClock, make_client

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}


def key_capture() -> dict[str, Any]:
    (capture,) = CAPTURES.glob("key__*.json")
    data: dict[str, Any] = json.loads(capture.read_text())
    return data


# -- parsing --------------------------------------------------------------------------


def test_the_recorded_key_info_reads_as_an_uncapped_key() -> None:
    info = KeyInfo.parse(key_capture())
    assert info.label == "sk-or-v1-0fa...240"
    assert info.limit is None and info.limit_remaining is None
    assert info.usage == Decimal("0.65017511")
    assert info.is_free_tier is False
    assert (info.rate_limit_requests, info.rate_limit_interval) == (40, "10s")
    # The 2025 payload had no per-period usage yet.
    assert info.usage_daily is info.usage_weekly is info.usage_monthly is None


def test_key_info_reads_the_same_wrapped_in_data_or_bare() -> None:
    assert KeyInfo.parse({"data": key_capture()}) == KeyInfo.parse(key_capture())


def test_a_boolean_limit_is_not_read_as_a_number() -> None:
    info = KeyInfo.parse({"data": {"limit": True, "usage": False, "limit_remaining": 7.5, "is_free_tier": 1}})
    assert info.limit is None and info.usage is None
    assert info.limit_remaining == Decimal("7.5")
    assert info.is_free_tier is None


def test_odd_payloads_become_empty_models_instead_of_errors() -> None:
    junk_payloads: tuple[object, ...] = (None, [], "text", {"data": None}, {"data": []})
    for junk in junk_payloads:
        assert KeyInfo.parse(junk) == KeyInfo()
        assert Generation.parse(junk) == Generation()
        assert Credits.parse(junk) == Credits()
        assert ModelEndpoints.parse(junk) == ModelEndpoints()


def test_an_endpoint_reads_missing_prices_as_free_and_minus_one_as_variable() -> None:
    endpoint = Endpoint.parse(
        {
            "provider_name": "Router",
            "pricing": {"prompt": "-1", "completion": "0.000002", "discount": 0},
            "uptime_last_30m": True,
            "status": 0,
            "supported_parameters": ["tools", 3, "seed"],
            "quantization": None,
        }
    )
    assert endpoint.pricing.prompt is None
    assert endpoint.pricing.completion == Decimal("0.000002")
    assert endpoint.pricing.request == Decimal(0) and endpoint.pricing.discount == Decimal(0)
    assert endpoint.uptime_last_30m is None  # a boolean is not an uptime
    assert endpoint.supported_parameters == ("tools", "seed")
    assert endpoint.status == 0 and endpoint.quantization is None


def test_model_endpoints_skip_entries_that_are_not_objects() -> None:
    parsed = ModelEndpoints.parse({"data": {"id": "a/b", "endpoints": [{"provider_name": "X"}, "junk", None]}})
    assert parsed.id == "a/b" and [e.provider_name for e in parsed.endpoints] == ["X"]


def test_credits_give_a_balance_only_when_both_figures_are_known() -> None:
    assert Credits.parse({"data": {"total_credits": 10, "total_usage": 2.25}}).balance == Decimal("7.75")
    assert Credits.parse({"data": {"total_credits": 10}}).balance is None


def test_a_generation_keeps_native_token_counts_and_costs_as_decimals() -> None:
    generation = Generation.parse(
        {
            "data": {
                "id": "gen-1",
                "total_cost": 0.0076509169000000005,
                "native_tokens_reasoning": 12,
                "native_tokens_cached": 100,
                "latency": 812,
                "finish_reason": "stop",
                "is_byok": False,
            }
        }
    )
    assert generation.total_cost == Decimal("0.0076509169000000005")
    assert (generation.native_tokens_reasoning, generation.native_tokens_cached) == (12, 100)
    assert generation.latency == 812.0 and generation.finish_reason == "stop" and generation.is_byok is False


# -- through the client, against the simulator ----------------------------------------


@pytest.mark.anyio
async def test_key_info_shows_the_spend_of_the_calls_made_with_the_key(transport: httpx.ASGITransport) -> None:
    async with make_client(transport) as client:
        before = await client.key_info()
        completion = await client.chat(BODY)
        after = await client.key_info()
    assert completion.usage is not None and completion.usage.cost is not None
    assert after.label == f"{FAKE_KEY[:12]}...{FAKE_KEY[-3:]}"
    # A key has history from before this test: what the call cost shows as the difference.
    for field in ("usage", "usage_daily", "usage_monthly"):
        spent_before, spent_after = getattr(before, field), getattr(after, field)
        assert spent_before is not None and spent_after - spent_before == completion.usage.cost, field
    assert after.is_management_key is False


@pytest.mark.anyio
async def test_a_generation_can_be_looked_up_once_its_stats_are_ready() -> None:
    clock = FakeClock(1_800_000_000.0)
    simulator = Simulator(clock=clock)
    async with make_client(httpx.ASGITransport(app=simulator.app)) as client:
        completion = await client.chat(BODY)
        assert completion.id is not None
        with pytest.raises(NotFoundError, match="Generation not found"):
            await client.generation(completion.id)  # like OpenRouter: not yet, a moment after the reply
        clock.now += simulator.generation_delay
        generation = await client.generation(completion.id)
    assert completion.usage is not None
    assert generation.id == completion.id and generation.model == completion.model
    assert generation.total_cost == completion.usage.cost
    assert generation.tokens_prompt == completion.usage.prompt_tokens
    assert generation.native_tokens_completion == completion.usage.completion_tokens
    assert generation.provider_name == completion.provider
    assert generation.streamed is False and generation.cancelled is False
    assert generation.latency is not None and generation.created_at is not None


@pytest.mark.anyio
async def test_an_unknown_generation_is_not_found(transport: httpx.ASGITransport) -> None:
    async with make_client(transport) as client:
        with pytest.raises(NotFoundError, match="Generation not found"):
            await client.generation("gen-never-made")


@pytest.mark.anyio
async def test_credits_are_read_with_a_management_key(transport: httpx.ASGITransport) -> None:
    async with make_client(transport, api_key="sk-or-v1-mgmt-0001") as client:
        credits = await client.credits()
    assert credits.total_credits is not None and credits.total_credits > 0
    assert credits.total_usage == Decimal(0) and credits.balance == credits.total_credits


@pytest.mark.anyio
async def test_credits_are_refused_to_an_ordinary_key(transport: httpx.ASGITransport) -> None:
    async with make_client(transport) as client:
        with pytest.raises(PermissionDeniedError, match="Only management keys"):
            await client.credits()


@pytest.mark.anyio
async def test_model_endpoints_list_each_provider_with_its_prices(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    async with make_client(transport) as client:
        found = await client.model_endpoints("anthropic/claude-sonnet-4.6")
    model = simulator.find_model("anthropic/claude-sonnet-4.6")
    assert model is not None
    assert found.id == "anthropic/claude-sonnet-4.6" and found.name == model["name"]
    first = found.endpoints[0]
    assert first.provider_name == "Anthropic" and first.name == "Anthropic | anthropic/claude-sonnet-4.6"
    assert first.pricing.prompt == Decimal(model["pricing"]["prompt"])
    assert first.context_length == model["context_length"]
    assert first.max_completion_tokens == model["top_provider"]["max_completion_tokens"]
    assert first.uptime_last_30m == 99.5 and first.quantization is None and first.status == 0
    assert "tools" in first.supported_parameters


@pytest.mark.anyio
async def test_a_routers_endpoint_prices_read_as_variable(transport: httpx.ASGITransport) -> None:
    async with make_client(transport) as client:
        found = await client.model_endpoints("openrouter/auto")
    assert found.endpoints and all(e.pricing.prompt is None for e in found.endpoints)
