"""OpenRouter's chat options through `chat_with_model`: checked before sending, sent as the API
takes them, and what they bring back (tool calls, citations, reasoning, JSON) returned."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator

from .helpers import make_settings, structured_of, text_of

pytestmark = pytest.mark.anyio

MODEL = "openai/gpt-4o-mini"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
async def client(settings: Settings, transport: httpx.ASGITransport) -> AsyncIterator[Client]:
    async with Client(create_server(settings, transport=transport)) as connected:
        yield connected


def sent(simulator: Simulator) -> dict[str, Any]:
    body: dict[str, Any] = simulator.events_of("request")[-1].detail["body"]
    return body


async def chat(client: Client, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool("chat_with_model", {"model": MODEL, "messages": "Weather in Paris?", **arguments})
    assert not result.is_error, text_of(result)
    return structured_of(result)


async def test_the_options_are_sent_as_openrouter_takes_them_and_only_when_given(
    client: Client, simulator: Simulator
) -> None:
    await chat(
        client,
        system="Be brief.",
        fallback_models=["anthropic/claude-haiku-4.5"],
        provider={"sort": "price", "ignore": ["DeepInfra"], "data_collection": "deny"},
        frequency_penalty=0.5,
        presence_penalty=-0.5,
        web_search=True,
    )
    body = sent(simulator)
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["models"] == [MODEL, "anthropic/claude-haiku-4.5"]
    assert body["provider"] == {"sort": "price", "ignore": ["DeepInfra"], "data_collection": "deny"}
    assert (body["frequency_penalty"], body["presence_penalty"]) == (0.5, -0.5)
    assert body["plugins"] == [{"id": "web"}]
    await chat(client)
    assert set(sent(simulator)) == {"model", "messages", "stream"}


async def test_tool_calls_come_back_with_their_arguments_parsed(client: Client, simulator: Simulator) -> None:
    for stream in (False, True):
        answer = await chat(client, tools=[WEATHER], tool_choice="auto", stream=stream)
        (call,) = answer["tool_calls"]
        assert call["name"] == "get_weather" and isinstance(call["arguments"], dict)
        assert set(call["arguments"]) == {"city"} and call["id"]
        assert answer["finish_reason"] == "tool_calls"


async def test_web_search_lists_its_sources_as_citations(client: Client) -> None:
    result = await client.call_tool("chat_with_model", {"model": MODEL, "messages": "news", "web_search": True})
    answer = structured_of(result)
    assert answer["citations"] and all(c["url"].startswith("http") for c in answer["citations"])
    assert "sources: " in text_of(result)


async def test_the_reasoning_text_is_returned_only_when_reasoning_was_asked_for(client: Client) -> None:
    thinker = "deepseek/deepseek-r1"  # reasons by default, and shows its reasoning
    plain = await chat(client, model=thinker)
    assert "reasoning" not in plain and plain["usage"]["reasoning_tokens"] > 0
    asked = await chat(client, model=thinker, reasoning={"effort": "high"})
    assert asked["reasoning"]


async def test_json_output_is_parsed_into_structured_content(client: Client) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "celsius": {"type": "number"}}}
    answer = await chat(client, response_format={"type": "json_schema", "json_schema": {"name": "w", "schema": schema}})
    assert set(answer["parsed"]) == {"city", "celsius"}


def test_a_reply_that_is_not_json_when_json_was_asked_is_an_error_holding_the_raw_text() -> None:
    from mcp.server.mcpserver.exceptions import ToolError

    from mcp_server_openrouter.chat.result import summarize
    from mcp_server_openrouter.client import ChatCompletion
    from mcp_server_openrouter.errors import ReplyNotJSONError
    from mcp_server_openrouter.server._tooling import tool_errors

    fenced = summarize(ChatCompletion(text='```json\n{"a": 1}\n```'), MODEL, streamed=False, want_json=True)
    assert fenced.parsed == {"a": 1}
    with pytest.raises(ReplyNotJSONError) as refused:
        summarize(ChatCompletion(text="Sure! It is sunny."), MODEL, streamed=False, want_json=True)
    assert refused.value.partial_text == "Sure! It is sunny."
    with pytest.raises(ToolError) as caught, tool_errors("chat_with_model"):
        raise refused.value
    assert "not valid JSON" in str(caught.value)
    assert str(caught.value).endswith("The reply as received:\nSure! It is sunny.")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"provider": {"sortt": "price"}}, "`provider` has no option 'sortt'; use: order"),
        ({"provider": {"sort": "cheapest"}}, "`provider.sort` must be one of: price, throughput, latency"),
        ({"provider": "cheap"}, "`provider` must be an object"),
        ({"reasoning": {"effort": "max"}}, "`reasoning.effort` must be one of: minimal, low, medium, high"),
        ({"reasoning": {"effort": "low", "max_tokens": 10}}, "takes `effort` or `max_tokens`, not both"),
        ({"response_format": {"type": "xml"}}, '`response_format.type` must be "json_object" or "json_schema"'),
        ({"tools": [{"type": "function"}]}, 'tools[0] must be {"type": "function", "function": {...}}'),
        ({"tool_choice": "sometimes"}, "`tool_choice` must be one of: auto, none, required"),
        ({"fallback_models": ["a/b", "c/d", "e/f", "g/h"]}, "`fallback_models` takes at most 3 models"),
        ({"system": "  "}, "`system` must be a non-empty string"),
        ({"frequency_penalty": 3}, "frequency_penalty"),
    ],
)
async def test_bad_options_are_refused_before_anything_is_sent(
    client: Client, simulator: Simulator, arguments: dict[str, Any], words: str
) -> None:
    result = await client.call_tool("chat_with_model", {"model": MODEL, "messages": "hi", **arguments})
    assert result.is_error and words in text_of(result)
    assert simulator.events_of("request") == []


async def test_a_call_without_a_model_uses_the_default_model_and_fallbacks_from_the_settings(
    tmp_path: Path, simulator: Simulator, transport: httpx.ASGITransport
) -> None:
    settings = make_settings(
        tmp_path,
        default_model="anthropic/claude-haiku-4.5",
        fallback_models="openai/gpt-4o-mini, mistralai/mistral-small",
    )
    async with Client(create_server(settings, transport=transport)) as configured:
        answer = structured_of(await configured.call_tool("chat_with_model", {"messages": "hi"}))
        own = structured_of(
            await configured.call_tool(
                "chat_with_model", {"messages": "hi", "model": MODEL, "fallback_models": ["x/y"]}
            )
        )
    assert answer["requested_model"] == "anthropic/claude-haiku-4.5"
    first, second = [e.detail["body"] for e in simulator.events_of("request")]
    assert first["models"] == ["anthropic/claude-haiku-4.5", "openai/gpt-4o-mini", "mistralai/mistral-small"]
    assert second["models"] == [MODEL, "x/y"] and own["requested_model"] == MODEL


async def test_a_call_without_a_model_and_no_default_says_what_to_do(client: Client, simulator: Simulator) -> None:
    result = await client.call_tool("chat_with_model", {"messages": "hi"})
    assert result.is_error and "`model` is missing" in text_of(result) and "OPENROUTER_DEFAULT_MODEL" in text_of(result)
    assert simulator.events_of("request") == []


async def test_an_empty_fallback_list_turns_the_configured_fallbacks_off_for_one_call(
    tmp_path: Path, simulator: Simulator, transport: httpx.ASGITransport
) -> None:
    settings = make_settings(tmp_path, fallback_models="openai/gpt-4o-mini")
    async with Client(create_server(settings, transport=transport)) as configured:
        result = await configured.call_tool(
            "chat_with_model", {"messages": "hi", "model": MODEL, "fallback_models": []}
        )
    assert not result.is_error and "models" not in sent(simulator)


def test_more_configured_fallbacks_than_openrouter_takes_are_refused_naming_the_setting(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="OPENROUTER_FALLBACK_MODELS names 4 models; at most 3"):
        make_settings(tmp_path, fallback_models="a/b, c/d, e/f, g/h")


def test_json_cut_short_by_max_tokens_says_to_ask_for_more_and_what_it_cost() -> None:
    from mcp_server_openrouter.chat.result import summarize
    from mcp_server_openrouter.client import ChatCompletion
    from mcp_server_openrouter.errors import ReplyNotJSONError

    cut = ChatCompletion(text='{"answ', finish_reason="length", model=MODEL)
    with pytest.raises(ReplyNotJSONError, match=r"It was cut at max_tokens: ask for more\. \(openai/gpt-4o-mini"):
        summarize(cut, MODEL, streamed=False, want_json=True)
