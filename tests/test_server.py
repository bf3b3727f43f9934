"""The MCP tools, in process, through the official client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Fault, Simulator

from .helpers import FAKE_KEY, make_settings, structured_of, text_of

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(settings: Settings, transport: httpx.ASGITransport) -> AsyncIterator[Client]:
    async with Client(create_server(settings, transport=transport)) as connected:
        yield connected


async def test_the_tool_list_is_small_flat_and_annotated(client: Client) -> None:
    tools = (await client.list_tools()).tools
    names = {t.name for t in tools}
    assert {"chat_with_model", "list_available_models"} <= names
    wire = json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools])
    assert len(wire.encode()) <= 24 * 1024
    # What a model reads of every tool (names, descriptions, input schemas): the context budget.
    read = json.dumps([{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools])
    assert len(read.encode()) <= 8000
    by_name = {t.name: t for t in tools}
    chat = by_name["chat_with_model"]
    assert set(chat.input_schema["required"]) == {"messages"}
    assert chat.input_schema["properties"]["model"]["type"] == "string"
    assert chat.output_schema is not None and "cost_usd" in chat.output_schema["properties"]
    listing_annotations = by_name["list_available_models"].annotations
    assert listing_annotations is not None and listing_annotations.read_only_hint is True
    assert chat.annotations is not None and chat.annotations.read_only_hint is False
    for tool in tools:
        assert tool.description and "\n" not in tool.description.strip()


async def test_chat_returns_the_reply_with_model_tokens_and_cost(client: Client, simulator: Simulator) -> None:
    result = await client.call_tool(
        "chat_with_model",
        {"model": "anthropic/claude-haiku-4.5", "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 50},
    )
    assert not result.is_error
    data = structured_of(result)
    assert data["text"].startswith("[simulated anthropic/claude-haiku-4.5] Received 1 message")
    assert data["requested_model"] == "anthropic/claude-haiku-4.5"
    assert data["model"] == "anthropic/claude-4.5-haiku-20251001"  # Anthropic answers with its dated slug
    assert data["provider"] == "Anthropic" and data["finish_reason"] == "stop"
    assert data["cost_usd"] > 0 and data["generation_id"].startswith("gen-")
    assert data["usage"]["completion_tokens"] > 0
    assert "cost: $" in text_of(result)
    sent = simulator.events_of("request")[0].detail["body"]
    assert sent == {
        "model": "anthropic/claude-haiku-4.5",
        "messages": [{"role": "user", "content": "Say hi"}],
        "max_tokens": 50,
        "stream": False,
    }


async def test_a_plain_prompt_string_is_accepted_as_one_user_message(client: Client, simulator: Simulator) -> None:
    result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "What is 2+2?"})
    assert not result.is_error
    sent = simulator.events_of("request")[0].detail["body"]
    assert sent["messages"] == [{"role": "user", "content": "What is 2+2?"}]
    assert "temperature" not in sent and "top_p" not in sent


async def test_only_the_parameters_the_caller_gave_are_sent(client: Client, simulator: Simulator) -> None:
    await client.call_tool(
        "chat_with_model",
        {"model": "openai/gpt-4o", "messages": "x", "temperature": 0, "seed": 7, "stop": ["END"], "top_p": 0.5},
    )
    sent = simulator.events_of("request")[0].detail["body"]
    assert {k: sent[k] for k in ("temperature", "seed", "stop", "top_p")} == {
        "temperature": 0,
        "seed": 7,
        "stop": ["END"],
        "top_p": 0.5,
    }
    assert "max_tokens" not in sent


async def test_streaming_reports_progress_and_returns_the_whole_text(client: Client) -> None:
    updates: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, message))

    result = await client.call_tool(
        "chat_with_model",
        {"model": "anthropic/claude-sonnet-4.6", "messages": "Tell me a story", "stream": True},
        progress_callback=on_progress,
    )
    assert not result.is_error
    data = structured_of(result)
    assert data["streamed"] is True and data["cost_usd"] > 0
    values = [p for p, _ in updates]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert int(values[-1]) == data["usage"]["completion_tokens"]  # whole part = tokens so far
    assert updates[0][1] == "waiting for anthropic/claude-sonnet-4.6…"
    assert data["text"].endswith(updates[-1][1] or "")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"model": "openai/gpt-4o", "messages": []}, "must be a non-empty list"),
        ({"model": "openai/gpt-4o", "messages": ""}, "empty string"),
        ({"model": "openai/gpt-4o", "messages": [{"role": "wizard", "content": "x"}]}, "role 'wizard'"),
        ({"model": "openai/gpt-4o", "messages": [{"role": "user"}]}, 'has no "content"'),
        ({"model": "openai/gpt-4o", "messages": ["hello"]}, "must be an object"),
        ({"model": 42, "messages": "x"}, "`model` must be a model id string"),
        ({"model": "openai/gpt-4o", "messages": "x", "max_tokens": 0}, "`max_tokens` must be a positive integer"),
        ({"model": "openai/gpt-4o", "messages": "x", "temperature": 3.5}, "`temperature` must be between 0 and 2"),
        ({"model": "openai/gpt-4o", "messages": "x", "top_p": 0}, "`top_p` must be greater than 0"),
    ],
)
async def test_bad_arguments_get_a_clear_error_and_send_nothing(
    client: Client, simulator: Simulator, arguments: dict[str, object], expected: str
) -> None:
    result = await client.call_tool("chat_with_model", arguments)
    assert result.is_error
    assert expected in text_of(result)
    assert simulator.events_of("request") == []


async def test_an_unknown_model_names_the_three_closest_ids(client: Client) -> None:
    result = await client.call_tool("chat_with_model", {"model": "openai/gpt4o", "messages": "hi"})
    assert result.is_error
    message = text_of(result)
    assert "Unknown model 'openai/gpt4o'" in message
    suggestions = message.split("Did you mean: ")[1].split("?")[0].split(", ")
    assert len(suggestions) == 3 and suggestions[0] == "openai/gpt-4o"


async def test_a_missing_key_says_where_to_set_it(tmp_path: Path, transport: httpx.ASGITransport) -> None:
    async with Client(create_server(make_settings(tmp_path, api_key=None), transport=transport)) as client:
        tools = await client.list_tools()  # listing works without a key
        assert tools.tools
        result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
    assert result.is_error
    message = text_of(result)
    assert "OPENROUTER_API_KEY" in message and ".env" in message and "config" in message


async def test_errors_never_contain_the_key(tmp_path: Path, simulator: Simulator) -> None:
    key = "sk-or-v1-secret-value-987654321"
    simulator.add_fault(Fault(status=400, body={"error": {"message": f"bad key {key} sent", "code": 400}}))
    settings = make_settings(tmp_path, api_key=key)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
    assert result.is_error
    assert key not in text_of(result) and "sk-or-…[redacted]" in text_of(result)
    assert FAKE_KEY not in text_of(result)


async def test_credits_errors_tell_the_user_to_add_credits(client: Client, simulator: Simulator) -> None:
    simulator.add_fault("credits")
    result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
    assert result.is_error and "add credits at https://openrouter.ai/settings/credits" in text_of(result)


async def test_a_mid_stream_error_returns_the_partial_text(client: Client, simulator: Simulator) -> None:
    simulator.add_fault(Fault(error_after_tokens=3))
    result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi", "stream": True})
    assert result.is_error
    message = text_of(result)
    assert "Provider timed out" in message
    assert message.endswith("Partial reply received before the error:\n[simulated openai/gpt-4o] Received")


async def test_list_available_models_filters_by_provider_prefix_in_any_case(client: Client) -> None:
    result = await client.call_tool("list_available_models", {"provider": "Anthropic/"})
    lines = text_of(result).splitlines()[1:]
    assert lines and all(line.startswith("anthropic/") for line in lines)
    assert (
        "anthropic/claude-sonnet-4.6 | Anthropic: Claude Sonnet 4.6 | ctx 1,000,000 | in $3.00 / out $15.00 per 1M"
        " | tools, reasoning, vision, files, web_search" in lines
    )
    assert structured_of(result)["total_matches"] == len(lines)


async def test_list_available_models_shows_free_and_variable_prices(client: Client) -> None:
    text = text_of(await client.call_tool("list_available_models", {"provider": "openrouter"}))
    assert "openrouter/auto | Auto Router | ctx 2,000,000 | in variable / out variable per 1M" in text
    text = text_of(await client.call_tool("list_available_models", {"search": "qwen3 8b"}))
    assert "qwen/qwen3-8b:free | Qwen: Qwen3 8B (free) | ctx 131,072 | in free / out free per 1M" in text


async def test_an_unknown_provider_lists_real_ones(client: Client) -> None:
    result = await client.call_tool("list_available_models", {"provider": "openia"})
    assert result.is_error and "Providers include: " in text_of(result)


# -- catalogue tools ----------------------------------------------------------------------------


async def test_list_available_models_filters_and_pages_with_structured_results(client: Client) -> None:
    arguments = {"supports": ["vision", "tools"], "max_price_per_million": [1, 5], "sort": "price", "limit": 5}
    result = await client.call_tool("list_available_models", arguments)
    assert not result.is_error
    data = structured_of(result)
    assert len(data["models"]) == 5 and data["total_matches"] > 5 and data["next_offset"] == 5
    assert data["catalogue_size"] >= 300 and data["source"] == "network"
    assert all({"vision", "tools"} <= set(m["capabilities"]) for m in data["models"])
    prices = [m["input_usd_per_million"] for m in data["models"]]
    assert prices == sorted(prices) and max(prices) <= 1
    header = text_of(result).splitlines()[0]
    assert header.startswith(f"Models 1–5 of {data['total_matches']} matching") and "Next page: offset=5." in header
    following = await client.call_tool("list_available_models", {**arguments, "offset": 5})
    assert structured_of(following)["models"][0]["id"] not in {m["id"] for m in data["models"]}
    assert structured_of(following)["source"] == "memory"


async def test_bad_filters_are_tool_errors_that_list_the_choices(client: Client) -> None:
    result = await client.call_tool("list_available_models", {"supports": ["vision", "mind_reading"]})
    assert result.is_error and "use any of: tools, structured_outputs" in text_of(result)
    result = await client.call_tool("list_available_models", {"sort": "best"})
    assert result.is_error and "`sort` must be one of" in text_of(result)


async def test_no_match_says_so_plainly(client: Client) -> None:
    result = await client.call_tool("list_available_models", {"search": "no-such-model-anywhere"})
    assert not result.is_error and text_of(result).startswith("No models match")
    assert structured_of(result)["total_matches"] == 0


async def test_list_vision_models_equals_supports_vision(client: Client) -> None:
    vision = await client.call_tool("list_vision_models", {"limit": 100})
    same = await client.call_tool("list_available_models", {"supports": ["vision"], "limit": 100})
    assert structured_of(vision)["models"] == structured_of(same)["models"]
    assert all("vision" in m["capabilities"] for m in structured_of(vision)["models"])


async def test_get_model_info_tells_everything_including_providers(client: Client) -> None:
    result = await client.call_tool("get_model_info", {"model": "anthropic/claude-sonnet-4.6"})
    assert not result.is_error
    info = structured_of(result)
    assert info["context_length"] == 1_000_000 and info["max_output_tokens"] == 64000
    assert info["prices"]["input"] == "$3.00 per 1M tokens"
    assert info["prices"]["output"] == "$15.00 per 1M tokens"
    assert info["prices"]["cache read"] == "$0.30 per 1M tokens"
    assert info["prices"]["web search"] == "$0.01 per web search"
    assert info["prices"]["above 200,000 prompt tokens"] == "in $6.00 / out $22.50 per 1M"
    assert "vision" in info["capabilities"] and "tools" in info["supported_parameters"]
    assert info["providers"] and info["providers"][0]["provider"] == "Anthropic"
    text = text_of(result)
    assert "Context: 1,000,000 tokens; max output: 64,000 tokens" in text
    assert "Providers (" in text and "uptime" in text


async def test_get_model_info_accepts_variants_and_suggests_for_typos(client: Client) -> None:
    online = await client.call_tool("get_model_info", {"model": "openai/gpt-4o:online"})
    assert not online.is_error and structured_of(online)["id"] == "openai/gpt-4o"
    typo = await client.call_tool("get_model_info", {"model": "google/gemini-2.5-flsh"})
    assert typo.is_error and "Did you mean: google/gemini-2.5-flash" in text_of(typo)


async def test_refresh_model_cache_fetches_again(client: Client, simulator: Simulator) -> None:
    await client.call_tool("list_available_models", {"provider": "openai"})
    result = await client.call_tool("refresh_model_cache", {})
    assert not result.is_error and "Catalogue refreshed:" in text_of(result)
    assert len([e for e in simulator.events_of("request") if e.path == "/models"]) == 2


async def test_a_failed_refresh_answers_from_the_copy_it_has_and_says_so(tmp_path: Path, simulator: Simulator) -> None:
    settings = make_settings(tmp_path, max_retries=0)  # no back-off waits in this test
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        await client.call_tool("list_available_models", {"provider": "openai"})
        down = {"error": {"message": "down", "code": 503}}
        simulator.add_fault(Fault(path="/models", status=503, body=down, times=None))
        result = await client.call_tool("list_available_models", {"provider": "openai", "refresh": True})
        refresh = await client.call_tool("refresh_model_cache", {})
    assert not result.is_error
    assert text_of(result).startswith("Warning: the catalogue could not be refreshed")
    assert "down" in structured_of(result)["stale_reason"]
    assert refresh.is_error and "could not be refreshed" in text_of(refresh)


async def test_chat_with_cache_true_is_answered_locally_the_second_time(client: Client, simulator: Simulator) -> None:
    arguments = {"model": "openai/gpt-4o", "messages": "2+2?", "temperature": 0, "cache": True}
    first = await client.call_tool("chat_with_model", arguments)
    second = await client.call_tool("chat_with_model", arguments)
    assert structured_of(second)["cached"] is True and structured_of(second)["cost_usd"] == 0
    assert structured_of(first)["text"] == structured_of(second)["text"]
    assert "cached: no charge" in text_of(second)
    assert len(simulator.events_of("request")) == 1
