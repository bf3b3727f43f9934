"""The simulator streams and answers as roughly as OpenRouter: several tokens a chunk, thoughts first,
tool calls in pieces, web citations, images, and the reply's `model` as each provider names it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from .wire import AUTH, Wire

pytestmark = pytest.mark.anyio
HELLO = [{"role": "user", "content": "Tell me about the weather in Paris tomorrow"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "unit": {"enum": ["C", "F"]}},
            "required": ["city"],
        },
    },
}
CLOCK_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}


async def streamed(http: httpx.AsyncClient, **body: Any) -> Wire:
    response = await http.post("chat/completions", json={"messages": HELLO, **body, "stream": True}, headers=AUTH)
    assert response.status_code == 200, response.text
    return Wire.parse(response.text)


async def whole(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await http.post("chat/completions", json={"messages": HELLO, **body}, headers=AUTH)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert isinstance(reply, dict)
    return reply


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"])
async def test_chunks_carry_several_tokens_and_usage_counts_tokens_not_chunks(
    http: httpx.AsyncClient, model: str
) -> None:
    wire = await streamed(http, model=model)
    content_chunks = [d for d in wire.deltas() if d.get("content")]
    usage = wire.usage()
    assert usage["completion_tokens"] > len(content_chunks) >= 2
    assert max(len(d["content"].split()) for d in content_chunks) >= 3
    same = await whole(http, model=model)
    assert wire.text() == same["choices"][0]["message"]["content"]
    assert usage["completion_tokens"] == same["usage"]["completion_tokens"]


async def test_the_stream_is_compact_utf8_json_as_on_the_wire(http: httpx.AsyncClient) -> None:
    body = {"model": "openai/gpt-4o-mini", "messages": HELLO, "stream": True}
    raw = (await http.post("chat/completions", json=body, headers=AUTH)).content
    assert b'data: {"id":"gen-' in raw and b'"object":"chat.completion.chunk"' in raw
    assert "×".encode() in raw  # not escaped as \u00d7


async def test_a_reasoning_model_streams_its_thoughts_before_its_answer(http: httpx.AsyncClient) -> None:
    wire = await streamed(http, model="openai/gpt-5-mini")  # reasoning is on by default for it
    assert wire.kinds()[:2] == ["reasoning_details", "content"]
    thought = wire.text("reasoning")
    assert thought.startswith("The user sent 1 message")
    details = [d for delta in wire.deltas() for d in delta.get("reasoning_details") or []]
    assert {d["type"] for d in details} == {"reasoning.summary", "reasoning.encrypted"}
    usage = wire.usage()
    reasoning_tokens = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning_tokens == len(thought.split()) > 0
    assert usage["completion_tokens"] == reasoning_tokens + len(wire.text().split())


async def test_anthropic_thinks_only_when_asked_and_signs_its_thoughts(http: httpx.AsyncClient) -> None:
    plain = await streamed(http, model="anthropic/claude-sonnet-4.6")
    assert plain.text("reasoning") == "" and plain.usage()["completion_tokens_details"]["reasoning_tokens"] == 0
    thinking = await streamed(http, model="anthropic/claude-sonnet-4.6", reasoning={"effort": "high"})
    details = [d for delta in thinking.deltas() for d in delta.get("reasoning_details") or []]
    assert details[-1]["format"] == "anthropic-claude-v1" and details[-1]["signature"]
    assert len(thinking.text("reasoning").split()) == thinking.usage()["completion_tokens_details"]["reasoning_tokens"]


async def test_excluded_reasoning_is_billed_but_not_sent(http: httpx.AsyncClient) -> None:
    wire = await streamed(http, model="qwen/qwen3-8b", reasoning={"exclude": True})
    assert wire.text("reasoning") == ""
    assert wire.usage()["completion_tokens_details"]["reasoning_tokens"] > 0
    assert len(wire.comments) > 3  # the hidden thought shows only as keep-alives


async def test_thoughts_count_against_max_tokens(http: httpx.AsyncClient) -> None:
    reply = await whole(http, model="openai/gpt-5-mini", max_tokens=10)
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "length" and choice["message"]["content"] == ""
    assert reply["usage"]["completion_tokens"] == reply["usage"]["completion_tokens_details"]["reasoning_tokens"] == 10


async def test_a_tool_call_streams_its_name_first_then_its_arguments_in_pieces(http: httpx.AsyncClient) -> None:
    wire = await streamed(http, model="openai/gpt-4o-mini", tools=[WEATHER_TOOL], tool_choice="required")
    fragments = [f for delta in wire.deltas() for f in delta.get("tool_calls") or []]
    first, rest = fragments[0], fragments[1:]
    assert first["function"] == {"name": "get_weather", "arguments": ""} and first["id"].startswith("call_")
    assert len(rest) >= 3 and all(set(f) == {"index", "function"} for f in rest)
    arguments = json.loads("".join(f["function"]["arguments"] for f in rest))
    assert arguments == {"city": "Tell me about the weather in Paris tomorrow", "days": 42, "unit": "C"}
    assert wire.text() == ""
    assert [c["choices"][0]["finish_reason"] for c in wire.chunks if c["choices"]][-2:] == ["tool_calls"] * 2


async def test_several_tools_are_called_in_parallel_unless_the_request_says_not_to(http: httpx.AsyncClient) -> None:
    both = await whole(http, model="openai/gpt-4.1", tools=[WEATHER_TOOL, CLOCK_TOOL])
    assert [c["function"]["name"] for c in both["choices"][0]["message"]["tool_calls"]] == ["get_weather", "get_time"]
    one = await whole(http, model="openai/gpt-4.1", tools=[WEATHER_TOOL, CLOCK_TOOL], parallel_tool_calls=False)
    assert len(one["choices"][0]["message"]["tool_calls"]) == 1
    named = {"type": "function", "function": {"name": "get_time"}}
    chosen = await whole(http, model="openai/gpt-4.1", tools=[WEATHER_TOOL, CLOCK_TOOL], tool_choice=named)
    assert [c["function"]["name"] for c in chosen["choices"][0]["message"]["tool_calls"]] == ["get_time"]


async def test_claude_says_a_few_words_before_its_tool_call_and_finishes_with_tool_use(
    http: httpx.AsyncClient,
) -> None:
    reply = await whole(http, model="anthropic/claude-haiku-4.5", tools=[WEATHER_TOOL])
    choice = reply["choices"][0]
    assert choice["message"]["content"] == "I'll call get_weather for that."
    assert choice["message"]["tool_calls"][0]["id"].startswith("toolu_01")
    assert (choice["finish_reason"], choice["native_finish_reason"]) == ("tool_calls", "tool_use")


async def test_after_a_tool_result_the_model_answers_in_text(http: httpx.AsyncClient) -> None:
    messages = [
        *HELLO,
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function", "function": {}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 °C, cloudy"},
    ]
    reply = await whole(http, model="openai/gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL])
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "stop" and "tool_calls" not in choice["message"]
    assert "roles: user, assistant, tool" in choice["message"]["content"]


async def test_tools_for_a_model_without_tool_support_find_no_endpoint(http: httpx.AsyncClient) -> None:
    body = {"model": "deepseek/deepseek-r1", "messages": HELLO, "tools": [WEATHER_TOOL]}
    response = await http.post("chat/completions", json=body, headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("No endpoints found that support tool use.")


@pytest.mark.parametrize("web", [{"model": "openai/gpt-4o-mini:online"}, {"plugins": [{"id": "web"}]}])
async def test_a_web_search_cites_its_sources_and_bills_the_search(
    http: httpx.AsyncClient, web: dict[str, Any]
) -> None:
    body = {"model": "openai/gpt-4o-mini", **web}
    reply = await whole(http, **body)
    assert reply["model"] == "openai/gpt-4o-mini"
    annotations = reply["choices"][0]["message"]["annotations"]
    assert len(annotations) == 5 and {a["type"] for a in annotations} == {"url_citation"}
    assert {"url", "title", "content", "start_index", "end_index"} <= set(annotations[0]["url_citation"])
    usage = reply["usage"]
    assert usage["server_tool_use_details"]["web_search_requests"] == 1
    assert usage["cost"] == pytest.approx(usage["cost_details"]["upstream_inference_cost"] + 5 * 0.004)
    plain = await whole(http, model="openai/gpt-4o-mini")
    assert usage["prompt_tokens"] > plain["usage"]["prompt_tokens"]  # the results were read
    wire = await streamed(http, **body)
    assert wire.kinds() == ["content", "annotations"]
    assert [a for d in wire.deltas() for a in d.get("annotations") or []] == annotations


async def test_an_image_model_draws_when_the_request_asks_for_images(http: httpx.AsyncClient) -> None:
    model = "google/gemini-2.5-flash-image"
    reply = await whole(http, model=model, modalities=["image", "text"])
    (image,) = reply["choices"][0]["message"]["images"]
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith("data:image/png;base64,")
    usage = reply["usage"]
    assert usage["completion_tokens_details"]["image_tokens"] == 1290
    assert usage["completion_tokens"] == 1290 + len(reply["choices"][0]["message"]["content"].split())
    assert "images" not in (await whole(http, model=model))["choices"][0]["message"]
    wire = await streamed(http, model=model, modalities=["image", "text"])
    assert wire.kinds() == ["content", "images"]


@pytest.mark.parametrize(
    ("requested", "answered"),
    [
        ("anthropic/claude-sonnet-4.6", "anthropic/claude-4.6-sonnet-20260217"),
        ("anthropic/claude-sonnet-4-5", "anthropic/claude-4.5-sonnet-20250929"),
        ("anthropic/claude-haiku-4.5", "anthropic/claude-4.5-haiku-20251001"),
        ("openai/gpt-4.1-mini", "openai/gpt-4.1-mini"),
        ("google/gemini-2.5-flash", "google/gemini-2.5-flash"),
        ("qwen/qwen3-8b:free", "qwen/qwen3-8b:free"),
    ],
)
async def test_the_reply_names_the_model_as_each_provider_does(
    http: httpx.AsyncClient, simulator: Simulator, requested: str, answered: str
) -> None:
    assert (await whole(http, model=requested))["model"] == answered
    assert (await streamed(http, model=requested)).chunks[0]["model"] == answered


def test_anthropic_slugs_carry_the_version_date_not_the_listing_date(simulator: Simulator) -> None:
    import time

    haiku = simulator.find_model("anthropic/claude-haiku-4.5")
    assert haiku is not None
    listed = time.strftime("%Y%m%d", time.gmtime(haiku["created"]))
    assert haiku["canonical_slug"] == "anthropic/claude-4.5-haiku-20251001" and listed != "20251001"
    assert simulator.find_model(haiku["canonical_slug"]) is haiku


async def test_models_fallbacks_answer_with_the_first_model_that_can(http: httpx.AsyncClient) -> None:
    reply = await whole(http, models=["acme/retired-model", "deepseek/deepseek-chat-v3.1:free", "openai/gpt-4o-mini"])
    assert reply["model"] == "openai/gpt-4o-mini"
