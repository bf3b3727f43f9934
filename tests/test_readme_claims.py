"""README claims that no other test could fail for: the tools, their errors, the caches, the settings.

Each test names the claim it guards (the claim → test table lists them). A claim that is false
today has a strict `xfail` test here, so the suite passes now and fails the day the code (or the
README) changes, whichever way it goes.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import stat
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import platformdirs
import pytest
from mcp import Client
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import SecretStr, ValidationError

from mcp_server_openrouter import errors
from mcp_server_openrouter.app import WARM_UP_IDLE_SECONDS, build_client, make_app, open_app
from mcp_server_openrouter.catalog import ModelQuery
from mcp_server_openrouter.catalog.model import Catalog
from mcp_server_openrouter.catalog.service import PAGE_CACHE_BYTES, is_outage
from mcp_server_openrouter.chat import ChatRequest
from mcp_server_openrouter.client import RetryPolicy
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.server._tooling import tool_errors
from mcp_server_openrouter.simulator import Fault, Simulator, build_catalog
from mcp_server_openrouter.storage import StoredCatalog
from mcp_server_openrouter.storage.catalog_file import CatalogFile

from .helpers import FAKE_KEY, FakeClock, make_settings, structured_of, text_of

pytestmark = pytest.mark.anyio

START = 1_800_000_000.0  # a fake clock's first reading
CAPABILITIES = ["tools", "structured_outputs", "reasoning", "vision", "files", "audio", "image_output", "web_search"]
SORTS = ["provider", "price", "context", "newest", "name"]


@pytest.fixture
async def client(settings: Settings, transport: httpx.ASGITransport) -> AsyncIterator[Client]:
    async with Client(create_server(settings, transport=transport)) as connected:
        yield connected


async def schemas(client: Client) -> dict[str, dict[str, Any]]:
    return {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}


def requests_to(simulator: Simulator, suffix: str) -> int:
    return len([e for e in simulator.events_of("request") if e.path.endswith(suffix)])


# -- Tools: arguments, annotations, results ----------------------------------------------------


async def test_chat_with_model_takes_exactly_the_documented_arguments_and_does_not_stream_by_default(
    client: Client,
) -> None:
    schema = (await schemas(client))["chat_with_model"]
    assert set(schema["properties"]) == {
        "model",
        "messages",
        "stream",
        "max_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "cache",
        "background",
        "system",
        "fallback_models",
        "provider",
        "reasoning",
        "response_format",
        "tools",
        "tool_choice",
        "web_search",
        "frequency_penalty",
        "presence_penalty",
        "images",
        "files",
        "pdf_engine",
        "modalities",
        "save_images",
        "require_parameters",
        "max_cost_usd",
    }
    assert set(schema["required"]) == {"messages"}  # model: OPENROUTER_DEFAULT_MODEL may stand in
    # A false default is left out of the schema (an omitted boolean is false); a true one would show.
    assert schema["properties"]["stream"].get("default", False) is False
    assert schema["properties"]["background"].get("default", False) is False
    messages = schema["properties"]["messages"]["anyOf"]
    assert {"type": "string"} in messages and any(option.get("type") == "array" for option in messages)


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        (
            "list_available_models",
            {
                "provider",
                "search",
                "input_modality",
                "output_modality",
                "supports",
                "max_price_per_million",
                "min_context",
                "free_only",
                "sort",
                "limit",
                "offset",
                "refresh",
            },
        ),
        ("list_vision_models", {"provider", "limit", "offset"}),
        ("get_model_info", {"model"}),
        ("refresh_model_cache", set()),
    ],
)
async def test_the_catalogue_tools_take_exactly_the_documented_arguments(
    client: Client, tool: str, arguments: set[str]
) -> None:
    schema = (await schemas(client))[tool]
    assert set(schema.get("properties", {})) == arguments
    assert set(schema.get("required", [])) == ({"model"} if tool == "get_model_info" else set())


# The other tools of the Tools table: arguments, required ones, defaults a schema shows, read-only.
OTHER_TOOLS: list[tuple[str, set[str], set[str], bool]] = [
    (
        "chat_with_vision",
        {"model", "messages", "images", "stream", "max_tokens", "temperature", "background", "max_cost_usd"},
        {"messages", "images"},
        False,
    ),
    ("estimate_cost", {"model", "prompt", "messages", "max_tokens"}, {"model"}, True),
    (
        "benchmark_models",
        {
            *("models", "prompt", "runs", "delay_seconds", "max_tokens", "temperature", "system", "parallel"),
            *("max_cost_usd", "save_report", "background"),
        },
        {"models", "prompt"},
        False,
    ),
    (
        "ask_panel",
        {"models", "prompt", "judge_model", "criteria", "max_tokens", "max_cost_usd", "background"},
        {"models", "prompt"},
        False,
    ),
]


@pytest.mark.parametrize(("tool", "arguments", "required", "read_only"), OTHER_TOOLS, ids=[t[0] for t in OTHER_TOOLS])
async def test_the_other_tools_take_exactly_the_documented_arguments(
    client: Client, tool: str, arguments: set[str], required: set[str], read_only: bool
) -> None:
    listed = {t.name: t for t in (await client.list_tools()).tools}[tool]
    schema = listed.input_schema
    assert set(schema.get("properties", {})) == arguments
    assert set(schema.get("required", [])) == required
    assert (listed.annotations is not None and listed.annotations.read_only_hint is True) is read_only
    if tool == "benchmark_models":  # runs=1 and parallel=true show; background=false is left out
        properties = schema["properties"]
        assert properties["runs"]["default"] == 1 and properties["parallel"]["default"] is True
        assert properties["background"].get("default", False) is False


async def test_supports_and_sort_offer_exactly_the_documented_choices(client: Client) -> None:
    properties = (await schemas(client))["list_available_models"]["properties"]
    assert properties["supports"]["items"]["enum"] == CAPABILITIES
    assert properties["sort"]["enum"] == SORTS
    refused = await client.call_tool("list_available_models", {"supports": ["telepathy"]})
    assert refused.is_error and f"use any of: {', '.join(CAPABILITIES)}" in text_of(refused)
    refused = await client.call_tool("list_available_models", {"sort": "best"})
    assert refused.is_error and f"must be one of: {', '.join(SORTS)}" in text_of(refused)


async def test_the_three_catalogue_lookups_are_marked_read_only(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in ("list_available_models", "list_vision_models", "get_model_info"):
        annotations = tools[name].annotations
        assert annotations is not None and annotations.read_only_hint is True, name


async def test_list_available_models_pages_50_models_by_default_and_at_most_100(client: Client) -> None:
    default = structured_of(await client.call_tool("list_available_models", {}))
    assert len(default["models"]) == 50 and default["next_offset"] == 50
    largest = structured_of(await client.call_tool("list_available_models", {"limit": 100}))
    assert len(largest["models"]) == 100
    too_many = await client.call_tool("list_available_models", {"limit": 101})
    assert too_many.is_error and "from 1 to 100" in text_of(too_many)


async def test_a_chat_result_carries_every_documented_field(client: Client) -> None:
    result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o-mini", "messages": "hi"})
    data = structured_of(result)
    documented = {"text", "model", "requested_model", "provider", "finish_reason", "usage", "cost_usd", "generation_id"}
    assert documented <= set(data)
    assert data["cached"] is False


async def test_get_model_info_shows_description_modalities_defaults_cutoff_expiry_and_every_non_zero_price(
    client: Client, simulator: Simulator
) -> None:
    base = next(m for m in simulator.models if m["id"] == "openai/gpt-4o")
    simulator.models.append(
        {
            **base,
            "id": "acme/everything",
            "canonical_slug": "acme/everything",
            "name": "Acme: Everything",
            "description": "Knows everything.",
            "pricing": {
                "prompt": "0.000001",
                "completion": "0.000002",
                "internal_reasoning": "0",  # zero: left out
                "request": "0.005",
                "image": "0.004",
                "web_search": "0.01",
                "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.000002", "completion": "0.000004"}],
            },
            "default_parameters": {"temperature": 0.7, "top_p": None},
            "knowledge_cutoff": "2025-01-31",
            "expiration_date": "2027-06-30",
        }
    )
    result = await client.call_tool("get_model_info", {"model": "acme/everything"})
    assert not result.is_error, text_of(result)
    info = structured_of(result)
    assert info["description"] == "Knows everything."
    assert info["prices"] == {
        "input": "$1.00 per 1M tokens",
        "output": "$2.00 per 1M tokens",
        "request": "$0.005 per request",
        "image": "$0.004 per image",
        "web search": "$0.01 per web search",
        "above 200,000 prompt tokens": "in $2.00 / out $4.00 per 1M",
    }
    architecture = base["architecture"]
    assert info["input_modalities"] == architecture["input_modalities"]
    assert info["output_modalities"] == architecture["output_modalities"]
    assert info["default_parameters"] == {"temperature": 0.7}
    assert (info["knowledge_cutoff"], info["expiration_date"]) == ("2025-01-31", "2027-06-30")
    text = text_of(result)
    assert "Defaults: temperature=0.7" in text and "Knowledge cutoff: 2025-01-31" in text
    assert "Expires: 2027-06-30" in text


async def test_get_model_info_lists_each_provider_from_the_endpoints_with_context_price_quantization_and_uptime(
    client: Client, simulator: Simulator
) -> None:
    info = structured_of(await client.call_tool("get_model_info", {"model": "qwen/qwen3-8b"}))
    (asked,) = [e for e in simulator.events_of("request") if e.path == "/models/endpoints"]
    assert asked.detail["model"] == "qwen/qwen3-8b"
    deepinfra = next(p for p in info["providers"] if p["provider"] == "DeepInfra")
    assert deepinfra["quantization"] == "bf16"
    assert deepinfra["context_length"] > 0 and deepinfra["uptime_last_30m"] > 0
    assert {"input_usd_per_million", "output_usd_per_million"} <= set(deepinfra)


@pytest.mark.parametrize("suffix", [":free", ":nitro", ":floor", ":online", ":thinking", ":extended"])
async def test_every_documented_variant_suffix_resolves_to_its_base_model(client: Client, suffix: str) -> None:
    result = await client.call_tool("get_model_info", {"model": f"openai/gpt-4o{suffix}"})
    assert not result.is_error, text_of(result)
    assert structured_of(result)["id"] == "openai/gpt-4o"


async def test_refresh_model_cache_replaces_the_file_a_restarted_server_reads(
    settings: Settings, simulator: Simulator
) -> None:
    transport = httpx.ASGITransport(app=simulator.app)
    base = next(m for m in simulator.models if m["id"] == "openai/gpt-4o")
    async with Client(create_server(settings, transport=transport)) as client:
        await client.call_tool("list_available_models", {"provider": "openai"})
        simulator.models.append({**base, "id": "openai/gpt-9-preview", "canonical_slug": "openai/gpt-9-preview"})
        refreshed = await client.call_tool("refresh_model_cache", {})
        in_memory = await client.call_tool("get_model_info", {"model": "openai/gpt-9-preview"})
    async with Client(create_server(settings, transport=transport)) as restarted:
        listed = structured_of(await restarted.call_tool("list_available_models", {"search": "gpt-9-preview"}))
    assert not refreshed.is_error and not in_memory.is_error
    assert listed["source"] == "file" and [m["id"] for m in listed["models"]] == ["openai/gpt-9-preview"]


# -- Tools: errors that say what to do ----------------------------------------------------------


async def test_a_rate_limit_error_says_when_the_limit_resets(client: Client, simulator: Simulator) -> None:
    simulator.add_fault("free_daily_cap")
    result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
    assert result.is_error and "rate limited; try again after 2100-01-01 00:00:00 UTC" in text_of(result)


async def test_a_provider_error_shows_the_providers_own_reason(client: Client, simulator: Simulator) -> None:
    simulator.add_fault("provider_400")
    result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
    assert result.is_error
    assert "Crucible returned an error: Model supports at most 1 image per prompt." in text_of(result)


async def test_a_dropped_stream_returns_its_partial_text_and_the_session_goes_on(
    client: Client, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(drop_after_tokens=5))
    arguments = {"model": "openai/gpt-4o", "messages": "hi"}
    broken = await client.call_tool("chat_with_model", {**arguments, "stream": True})
    after = await client.call_tool("chat_with_model", arguments)
    assert broken.is_error
    assert "Partial reply received before the error:\n[simulated openai/gpt-4o]" in text_of(broken)
    assert not after.is_error and structured_of(after)["text"]


async def test_without_a_copy_a_catalogue_outage_is_a_tool_error_that_says_so(
    tmp_path: Path, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(path="/models", status=503, body={"error": {"message": "down", "code": 503}}, times=None))
    settings = make_settings(tmp_path, max_retries=0)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        result = await client.call_tool("list_available_models", {"provider": "openai"})
    assert result.is_error
    assert "OpenRouter error 503: down" in text_of(result) and "retry shortly" in text_of(result)


async def test_a_failed_refresh_after_a_restart_answers_from_the_file_and_says_how_old_it_is(
    tmp_path: Path, simulator: Simulator
) -> None:
    settings = make_settings(tmp_path, max_retries=0)
    two_hours_ago = time.time() - 2 * 3600 - 30
    CatalogFile(settings.model_cache_file).save_sync(StoredCatalog(build_catalog(), settings.base_url, two_hours_ago))
    simulator.add_fault(Fault(path="/models", status=503, body={"error": {"message": "down", "code": 503}}, times=None))
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        result = await client.call_tool("list_available_models", {"provider": "openai"})
    assert not result.is_error
    assert text_of(result).startswith("Warning: the catalogue could not be refreshed")
    assert "answering from the copy fetched 2 h 0 min ago" in text_of(result)
    assert requests_to(simulator, "/models") == 1  # it did try the network first


@pytest.mark.parametrize(
    "error",
    [
        errors.APIConnectionError("network down"),
        errors.APITimeoutError("timed out"),
        errors.RequestTimeoutError("timed out", status=408),
        errors.APIStatusError("internal error", status=500),
        errors.ServiceUnavailableError("bad gateway", status=502),
        errors.ServiceUnavailableError("unavailable", status=503),
        errors.ServiceUnavailableError("gateway timeout", status=504),
        errors.GatewayError("edge timeout", status=524),
    ],
    ids=lambda e: type(e).__name__,
)
def test_network_failures_5xx_and_timeouts_let_the_catalogue_answer_from_its_copy(error: Exception) -> None:
    assert is_outage(error)


def test_errors_a_copy_cannot_help_with_are_not_outages() -> None:
    assert not is_outage(errors.NotFoundError("no such endpoint", status=404))
    assert not is_outage(errors.AuthenticationError("User not found.", status=401))


def _instance(cls: type[errors.OpenRouterMCPError]) -> errors.OpenRouterMCPError:
    """An instance of any class of the tree, whatever its constructor takes."""
    build: Callable[..., errors.OpenRouterMCPError] = cls
    try:
        parameters = inspect.signature(cls).parameters
    except ValueError:  # no constructor of its own: Exception's
        return build("it broke")
    if "message" not in parameters and "problem" not in parameters:
        return build()
    if "status" in parameters and parameters["status"].default is inspect.Parameter.empty:
        return build("it broke", status=500)
    return build("it broke")


ERROR_TREE = sorted(
    (v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, errors.OpenRouterMCPError)),
    key=lambda cls: cls.__name__,
)


def test_every_error_of_the_tree_becomes_a_tool_error_with_the_key_redacted() -> None:
    assert len(ERROR_TREE) > 15
    for cls in ERROR_TREE:
        with pytest.raises(ToolError) as caught, tool_errors("chat_with_model"):
            raise _instance(cls)
        assert str(caught.value), cls.__name__
    with pytest.raises(ToolError) as caught, tool_errors("chat_with_model"):
        raise errors.StreamError("the stream broke", partial_text=f"Your key is {FAKE_KEY}.", status=502)
    assert FAKE_KEY not in str(caught.value) and "Your key is sk-or-…[redacted]." in str(caught.value)
    with pytest.raises(ToolError) as caught, tool_errors("chat_with_model"):
        raise KeyError(f"a bug quoting {FAKE_KEY}")
    assert FAKE_KEY not in str(caught.value) and "failed unexpectedly" in str(caught.value)


KEY_SHAPES = ["sk-or-v1-fake-test-key-0042", "sk-proj-Ab.cd+ef/gh=ij_0042", "gsk_Qz7+Kx9/Wp3=Tq5.Zb6_0042"]


@pytest.mark.parametrize("key", KEY_SHAPES)
async def test_the_key_is_redacted_from_tool_errors_whatever_its_shape_and_when_url_encoded(
    tmp_path: Path, key: str
) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers["authorization"].removeprefix("Bearer ")
        message = f"bad key {sent}; in a URL: ?key={quote(sent, safe='')}"
        return httpx.Response(400, json={"error": {"message": message, "code": 400}})

    settings = make_settings(tmp_path, api_key=key, max_retries=0)
    async with Client(create_server(settings, transport=httpx.MockTransport(echo))) as client:
        result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
    text = text_of(result)
    assert result.is_error and "bad key" in text
    assert key not in text and quote(key, safe="") not in text
    marker = "sk-or-…[redacted]" if key.startswith("sk-or-") else "[redacted key]"
    assert f"bad key {marker}" in text


# -- The model cache ----------------------------------------------------------------------------


async def test_cache_memory_items_bounds_the_page_lru_and_pages_are_bounded_to_4_mb(
    tmp_path: Path, simulator: Simulator
) -> None:
    transport = httpx.ASGITransport(app=simulator.app)
    openai, anthropic = ModelQuery.build(provider="openai"), ModelQuery.build(provider="anthropic")
    async with open_app(make_settings(tmp_path, cache_memory_items=1), transport=transport) as app:
        first, _ = await app.catalog.list_models(openai)
        again, _ = await app.catalog.list_models(openai)
        await app.catalog.list_models(anthropic)  # takes the only entry
        evicted, _ = await app.catalog.list_models(openai)
        assert app.catalog._pages.max_weight == PAGE_CACHE_BYTES == 4 * 1024 * 1024
    assert again is first and evicted is not first


async def test_provider_data_is_fetched_once_per_model_while_fresh(client: Client, simulator: Simulator) -> None:
    for _ in range(3):
        assert not (await client.call_tool("get_model_info", {"model": "openai/gpt-4o"})).is_error
    assert requests_to(simulator, "/endpoints") == 1


async def test_the_file_layer_follows_cache_ttl_hours_across_restarts(tmp_path: Path, simulator: Simulator) -> None:
    clock = FakeClock(START)
    settings = make_settings(tmp_path)  # CACHE_TTL_HOURS at its default, 1
    transport = httpx.ASGITransport(app=simulator.app)
    sources: list[str] = []
    for advance in (0, 59 * 60, 2 * 60):  # restarts at +59 min (fresh) and +61 min (expired)
        clock.now += advance
        async with open_app(settings, transport=transport, clock=clock) as app:
            _, snapshot = await app.catalog.list_models(ModelQuery.build(provider="openai"))
            sources.append(snapshot.source)
    assert sources == ["network", "file", "network"]


async def test_cached_replies_expire_after_cache_ttl_hours(tmp_path: Path, simulator: Simulator) -> None:
    clock = FakeClock(START)
    question = ChatRequest.create(model="openai/gpt-4o-mini", messages="2+2?", temperature=0)
    async with open_app(make_settings(tmp_path), transport=httpx.ASGITransport(app=simulator.app), clock=clock) as app:
        await app.chat.chat(question, cache=True)
        clock.now += 59 * 60
        fresh = await app.chat.chat(question, cache=True)
        clock.now += 2 * 60
        expired = await app.chat.chat(question, cache=True)
    assert fresh.cached is True and expired.cached is False
    assert requests_to(simulator, "/chat/completions") == 2


async def test_the_response_cache_file_keeps_the_newest_cache_responses_max_entries_replies(
    tmp_path: Path, simulator: Simulator
) -> None:
    clock = FakeClock(START)
    settings = make_settings(tmp_path, cache_responses_max_entries=2)

    def ask(prompt: str) -> ChatRequest:
        return ChatRequest.create(model="openai/gpt-4o-mini", messages=prompt, temperature=0)

    async with open_app(settings, transport=httpx.ASGITransport(app=simulator.app), clock=clock) as app:
        for prompt in ("one", "two", "three"):
            await app.chat.chat(ask(prompt), cache=True)
            clock.now += 1
        newest = await app.chat.chat(ask("three"), cache=True)
        oldest = await app.chat.chat(ask("one"), cache=True)  # dropped first
    assert newest.cached is True and oldest.cached is False
    assert settings.response_cache_file == tmp_path / "cache" / "openrouter_responses.sqlite3"
    assert settings.response_cache_file.is_file()
    assert settings.response_cache_file.parent == settings.model_cache_file.parent


async def test_with_cache_responses_on_streamed_calls_bypass_the_response_cache(
    tmp_path: Path, simulator: Simulator
) -> None:
    settings = make_settings(tmp_path, cache_responses=True)
    arguments = {"model": "openai/gpt-4o-mini", "messages": "2+2?", "temperature": 0, "stream": True}
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        first = await client.call_tool("chat_with_model", arguments)
        second = await client.call_tool("chat_with_model", arguments)
    assert not first.is_error and not second.is_error
    assert structured_of(second)["cached"] is False
    assert requests_to(simulator, "/chat/completions") == 2


async def test_cache_ttl_zero_sends_every_call_upstream_and_writes_no_file(
    tmp_path: Path, simulator: Simulator
) -> None:
    settings = make_settings(tmp_path, cache_ttl_hours=0, cache_responses=True)
    question = {"model": "openai/gpt-4o-mini", "messages": "2+2?", "temperature": 0}
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        for _ in range(2):
            assert not (await client.call_tool("list_available_models", {"provider": "openai"})).is_error
            assert not (await client.call_tool("get_model_info", {"model": "openai/gpt-4o"})).is_error
            assert structured_of(await client.call_tool("chat_with_model", question))["cached"] is False
    assert requests_to(simulator, "/models") == 4  # each list and each lookup fetched the catalogue
    assert requests_to(simulator, "/endpoints") == 2 and requests_to(simulator, "/chat/completions") == 2
    assert not settings.cache_dir.exists() or list(settings.cache_dir.iterdir()) == []


def test_the_response_cache_gives_up_on_a_database_locked_for_more_than_half_a_second(tmp_path: Path) -> None:
    from mcp_server_openrouter.storage.responses import SQLiteResponseStore

    store = SQLiteResponseStore(tmp_path / "r.sqlite3", ttl_seconds=60, max_entries=10)
    assert store._db.busy_timeout == 0.5  # how the lock test in storage/ stays short


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
async def test_a_cache_directory_readable_by_others_is_tightened_with_a_warning_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="mcp_server_openrouter.storage"):
        await CatalogFile(directory / "openrouter_model_cache.json").save(StoredCatalog([{"id": "a/b"}], "http://a", 1))
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert any(str(directory) in m and "readable by others" in m for m in caplog.messages)


async def test_a_catalogue_file_dated_in_the_future_is_logged_ignored_and_replaced(
    tmp_path: Path, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path)
    ten_years_on = START + 10 * 365 * 86400
    CatalogFile(settings.model_cache_file).save_sync(
        StoredCatalog(build_catalog()[:5], settings.base_url, ten_years_on)
    )
    clock = FakeClock(START)
    with caplog.at_level(logging.DEBUG, logger="mcp_server_openrouter"):
        async with open_app(settings, transport=httpx.ASGITransport(app=simulator.app), clock=clock) as app:
            _, snapshot = await app.catalog.list_models(ModelQuery.build(provider="openai"))
    assert snapshot.source == "network"  # ignored...
    assert json.loads(settings.model_cache_file.read_text())["fetched_at"] == START  # ...replaced...
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(str(settings.model_cache_file) in m for m in warnings)  # ...and logged


# -- Usage ledger ---------------------------------------------------------------------------------


async def test_the_ledger_is_usage_sqlite3_in_the_data_dir_and_holds_neither_text_nor_key(
    settings: Settings, transport: httpx.ASGITransport
) -> None:
    prompt = "Tell me about the okapi-quartz-7731 please"
    async with Client(create_server(settings, transport=transport)) as connected:
        result = await connected.call_tool("chat_with_model", {"model": "openai/gpt-4o-mini", "messages": prompt})
    reply = text_of(result).split("\n\n— ")[0]  # the reply, without the footer of figures
    assert not result.is_error and len(reply) > 40
    ledger = settings.data_dir / "usage.sqlite3"
    assert ledger == settings.usage_file and ledger.is_file()
    stored = b"".join(path.read_bytes() for path in ledger.parent.glob("usage.sqlite3*"))
    assert b"chat_with_model" in stored  # the row is there, under its tool
    for secret in (prompt, "okapi-quartz", reply, FAKE_KEY):
        assert secret.encode() not in stored, secret


async def test_max_cost_usd_is_checked_here_and_never_sent_to_openrouter(client: Client, simulator: Simulator) -> None:
    arguments = {"model": "openai/gpt-4o-mini", "messages": "hi", "max_tokens": 50, "max_cost_usd": 1}
    result = await client.call_tool("chat_with_model", arguments)
    assert not result.is_error
    (sent,) = [e.detail["body"] for e in simulator.events_of("request") if e.path.endswith("/chat/completions")]
    assert "max_cost_usd" not in json.dumps(sent) and "provider" not in sent  # nor mapped to provider.max_price


# -- Configuration --------------------------------------------------------------------------------

# The Configuration table: variable, setting, documented default.
DEFAULTS: list[tuple[str, str, object]] = [
    ("OPENROUTER_API_KEY", "api_key", None),
    ("OPENROUTER_BASE_URL", "base_url", "https://openrouter.ai/api/v1"),
    ("OPENROUTER_APP_URL", "app_url", "https://pypi.org/project/mcp-server-openrouter/"),
    ("OPENROUTER_APP_TITLE", "app_title", "openrouter-mcp"),
    ("OPENROUTER_TIMEOUT", "timeout_seconds", 300),
    ("OPENROUTER_CONNECT_TIMEOUT", "connect_timeout_seconds", 10),
    ("OPENROUTER_MAX_STREAM_SECONDS", "max_stream_seconds", 1800),
    ("OPENROUTER_MAX_RETRIES", "max_retries", 3),
    ("OPENROUTER_MAX_RETRY_WAIT", "max_retry_wait_seconds", 60),
    ("OPENROUTER_MAX_CONCURRENCY", "max_concurrency", 8),
    ("OPENROUTER_FREE_RPM", "free_requests_per_minute", 20),
    ("OPENROUTER_FOREGROUND_TIMEOUT", "foreground_timeout_seconds", 50),
    ("OPENROUTER_MCP_MAX_OUTPUT_TOKENS", "max_output_tokens", 20000),
    ("OPENROUTER_MCP_JOB_TTL", "job_ttl_seconds", 3600),
    ("OPENROUTER_MCP_MAX_JOBS", "max_jobs", 100),
    ("CACHE_TTL_HOURS", "cache_ttl_hours", 1),
    ("CACHE_MEMORY_ITEMS", "cache_memory_items", 256),
    ("CACHE_RESPONSES", "cache_responses", False),
    ("CACHE_RESPONSES_MAX_ENTRIES", "cache_responses_max_entries", 1000),
    ("OPENROUTER_MCP_REPORTS_DIR", "reports_dir", None),
    ("OPENROUTER_MCP_PROGRESS_INTERVAL", "progress_interval_seconds", 0.25),
    ("OPENROUTER_DEFAULT_MODEL", "default_model", None),
    ("OPENROUTER_FALLBACK_MODELS", "fallback_models", ""),
    ("OPENROUTER_ALLOWED_DIRS", "allowed_dirs", ""),
    ("OPENROUTER_MCP_MAX_IMAGE_BYTES", "max_image_bytes", 20 * 1024 * 1024),
    ("OPENROUTER_MCP_MAX_IMAGE_SIDE", "max_image_side", 4096),
    ("OPENROUTER_MCP_MAX_FILE_BYTES", "max_file_bytes", 50 * 1024 * 1024),
    ("OPENROUTER_MCP_LOG_LEVEL", "log_level", "INFO"),
    ("OPENROUTER_BUDGET_DAILY_USD", "budget_daily_usd", None),
    ("OPENROUTER_BUDGET_MONTHLY_USD", "budget_monthly_usd", None),
    ("OPENROUTER_CONFIRM_ABOVE_USD", "confirm_above_usd", None),
    ("MCP_HTTP_TOKEN", "http_token", None),
    ("MCP_HTTP_ALLOWED_HOSTS", "http_allowed_hosts", ""),
    ("OPENROUTER_MCP_DASHBOARD_PORT", "dashboard_port", None),
]
# A value for each variable, and what the setting then holds.
VALUES: list[tuple[str, str, str, object]] = [
    ("OPENROUTER_API_KEY", "api_key", "sk-or-v1-from-the-table", SecretStr("sk-or-v1-from-the-table")),
    ("OPENROUTER_BASE_URL", "base_url", "http://localhost:1234/v1", "http://localhost:1234/v1"),
    ("OPENROUTER_APP_URL", "app_url", "https://example.com/app", "https://example.com/app"),
    ("OPENROUTER_APP_TITLE", "app_title", "my-app", "my-app"),
    ("OPENROUTER_TIMEOUT", "timeout_seconds", "12.5", 12.5),
    ("OPENROUTER_CONNECT_TIMEOUT", "connect_timeout_seconds", "3", 3),
    ("OPENROUTER_MAX_STREAM_SECONDS", "max_stream_seconds", "0", 0),
    ("OPENROUTER_MAX_RETRIES", "max_retries", "5", 5),
    ("OPENROUTER_MAX_RETRY_WAIT", "max_retry_wait_seconds", "7.5", 7.5),
    ("OPENROUTER_MAX_CONCURRENCY", "max_concurrency", "2", 2),
    ("OPENROUTER_FREE_RPM", "free_requests_per_minute", "0", 0),
    ("OPENROUTER_FOREGROUND_TIMEOUT", "foreground_timeout_seconds", "20", 20),
    ("OPENROUTER_MCP_MAX_OUTPUT_TOKENS", "max_output_tokens", "5000", 5000),
    ("OPENROUTER_MCP_JOB_TTL", "job_ttl_seconds", "60", 60),
    ("OPENROUTER_MCP_MAX_JOBS", "max_jobs", "3", 3),
    ("CACHE_TTL_HOURS", "cache_ttl_hours", "0", 0),
    ("CACHE_MEMORY_ITEMS", "cache_memory_items", "7", 7),
    ("CACHE_RESPONSES", "cache_responses", "true", True),
    ("CACHE_RESPONSES_MAX_ENTRIES", "cache_responses_max_entries", "9", 9),
    ("OPENROUTER_MCP_CACHE_DIR", "cache_dir", "/tmp/or-cache", Path("/tmp/or-cache")),
    ("OPENROUTER_MCP_DATA_DIR", "data_dir", "/tmp/or-data", Path("/tmp/or-data")),
    ("OPENROUTER_MCP_REPORTS_DIR", "reports_dir", "/tmp/or-reports", Path("/tmp/or-reports")),
    ("OPENROUTER_MCP_PROGRESS_INTERVAL", "progress_interval_seconds", "1.5", 1.5),
    ("OPENROUTER_DEFAULT_MODEL", "default_model", "openai/gpt-4o-mini", "openai/gpt-4o-mini"),
    ("OPENROUTER_FALLBACK_MODELS", "fallback_models", "a/b, c/d", "a/b, c/d"),
    ("OPENROUTER_ALLOWED_DIRS", "allowed_dirs", "/srv/pictures", "/srv/pictures"),
    ("OPENROUTER_MCP_MAX_IMAGE_BYTES", "max_image_bytes", "1048576", 1048576),
    ("OPENROUTER_MCP_MAX_IMAGE_SIDE", "max_image_side", "1024", 1024),
    ("OPENROUTER_MCP_MAX_FILE_BYTES", "max_file_bytes", "2048", 2048),
    ("OPENROUTER_MCP_LOG_LEVEL", "log_level", "debug", "DEBUG"),
    ("OPENROUTER_BUDGET_DAILY_USD", "budget_daily_usd", "2.50", Decimal("2.50")),
    ("OPENROUTER_BUDGET_MONTHLY_USD", "budget_monthly_usd", "40", Decimal("40")),
    ("OPENROUTER_CONFIRM_ABOVE_USD", "confirm_above_usd", "0.10", Decimal("0.10")),
    ("MCP_HTTP_TOKEN", "http_token", "a-table-token-of-32-characters-x", SecretStr("a-table-token-of-32-characters-x")),
    ("MCP_HTTP_ALLOWED_HOSTS", "http_allowed_hosts", "mcp.example.org,proxy:8443", "mcp.example.org,proxy:8443"),
    ("OPENROUTER_MCP_DASHBOARD_PORT", "dashboard_port", "8766", 8766),
]


@pytest.mark.parametrize(("variable", "name", "default"), DEFAULTS, ids=[row[0] for row in DEFAULTS])
def test_each_setting_of_the_configuration_table_has_its_documented_default(
    variable: str, name: str, default: object
) -> None:
    assert getattr(Settings(_env_file=None), name) == default, variable


def test_allowed_dirs_default_to_the_working_and_home_directories_and_split_on_the_path_separator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings(_env_file=None).allowed_roots() == (tmp_path.resolve(), Path.home().resolve())
    (tmp_path / "a").mkdir()
    chosen = Settings(_env_file=None, allowed_dirs=f"{tmp_path / 'a'}{os.pathsep} ~ ")
    assert chosen.allowed_roots() == ((tmp_path / "a").resolve(), Path.home().resolve())


def test_the_directories_default_to_the_platform_cache_and_data_dirs_and_reports_under_data(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # conftest points the XDG directories into tmp_path
    assert settings.cache_dir == tmp_path / "cache" / "openrouter-mcp"
    assert settings.data_dir == tmp_path / "data" / "openrouter-mcp"
    assert settings.resolved_reports_dir == settings.data_dir / "reports"


@pytest.mark.parametrize(("variable", "name", "raw", "expected"), VALUES, ids=[row[0] for row in VALUES])
def test_each_variable_of_the_configuration_table_sets_its_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, name: str, raw: str, expected: object
) -> None:
    monkeypatch.setenv(variable, raw)
    assert getattr(Settings(_env_file=None), name) == expected


def test_the_timeouts_and_retries_reach_the_client(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, timeout_seconds=12.5, connect_timeout_seconds=3, max_retries=5)
    client = build_client(settings)
    assert (client.timeout, client.connect_timeout, client.retry_policy.max_retries) == (12.5, 3, 5)


async def test_the_app_url_and_title_are_sent_as_referer_and_both_title_headers(
    tmp_path: Path, simulator: Simulator
) -> None:
    settings = make_settings(tmp_path, app_url="https://example.com/app", app_title="my-app")
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        await client.call_tool("chat_with_model", {"model": "openai/gpt-4o-mini", "messages": "hi"})
    headers = simulator.events_of("request")[0].detail["headers"]
    assert headers["http-referer"] == "https://example.com/app"
    assert headers["x-openrouter-title"] == headers["x-title"] == "my-app"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (408, errors.RequestTimeoutError("timed out", status=408)),
        (429, errors.RateLimitError("slow down", status=429)),
        (500, errors.APIStatusError("internal", status=500)),
        (502, errors.ServiceUnavailableError("bad gateway", status=502)),
        (503, errors.ServiceUnavailableError("unavailable", status=503)),
        (504, errors.ServiceUnavailableError("gateway timeout", status=504)),
        (0, errors.APIConnectionError("refused")),
    ],
)
def test_408_429_5xx_and_connection_failures_are_retried_with_backoff(
    status: int, error: errors.OpenRouterError
) -> None:
    # Full jitter: a draw of 0.5 is half of each doubling ceiling (0.5 s, 1 s, 2 s); then no more retries.
    policy = RetryPolicy(max_retries=3, random=lambda: 0.5)
    assert [policy.wait(error, n, now=0.0) for n in range(4)] == [0.25, 0.5, 1.0, None], status


def test_spaces_and_quotes_around_values_in_a_dotenv_file_are_stripped() -> None:
    Path(".env").write_text(
        'CACHE_TTL_HOURS = "5" \n'
        "OPENROUTER_APP_TITLE='my-app'\n"
        'OPENROUTER_BASE_URL=  "http://localhost:1234/v1"  \n'
        'OPENROUTER_MCP_LOG_LEVEL= "debug" \n'
        "CACHE_MEMORY_ITEMS= 12 \n"
    )
    settings = Settings()
    assert settings.cache_ttl_hours == 5 and settings.app_title == "my-app"
    assert settings.base_url == "http://localhost:1234/v1" and settings.log_level == "DEBUG"
    assert settings.cache_memory_items == 12


def test_spaces_inside_the_quotes_are_stripped_for_the_key_and_the_base_url_only() -> None:
    Path(".env").write_text(
        'OPENROUTER_API_KEY=" sk-or-v1-abc "\nOPENROUTER_BASE_URL=" https://example.com/api/v1 "\n'
        'OPENROUTER_APP_TITLE=" my-app "\n'
    )
    settings = Settings()
    assert settings.key() == "sk-or-v1-abc" and settings.base_url == "https://example.com/api/v1"
    assert settings.app_title == " my-app "  # as the README says: other values keep them


def test_a_key_with_a_line_break_inside_is_refused_saying_where_without_quoting_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-abc\ndef0123")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    text = str(refused.value)
    assert "the key has a line break inside it (at character 13 of 20)" in text
    assert "abc" not in text and "def0123" not in text


def test_a_refused_setting_can_be_moved_to_the_environment_or_deleted_from_its_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mcp_server_openrouter.errors import UnsafeSettingsError

    monkeypatch.setenv("OPENROUTER_API_KEY", "gsk_from_the_environment_0042")
    Path(".env").write_text("OPENROUTER_MCP_DATA_DIR=./data\n")
    with pytest.raises(UnsafeSettingsError) as refused:
        Settings()
    message = str(refused.value)
    assert "sets OPENROUTER_MCP_DATA_DIR" in message and "Set OPENROUTER_MCP_DATA_DIR in the environment" in message
    assert f"or delete it from {Path('.env').resolve()}" in message


def test_config_path_says_where_each_directory_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp_server_openrouter.cli import main

    monkeypatch.setenv("OPENROUTER_MCP_CACHE_DIR", str(tmp_path / "elsewhere"))
    user = Path(platformdirs.user_config_dir("openrouter-mcp", appauthor=False)) / ".env"
    user.parent.mkdir(parents=True)
    user.write_text(f"OPENROUTER_MCP_DATA_DIR={tmp_path / 'kept'}\n")
    assert main(["config-path"]) == 0
    out = capsys.readouterr().out
    assert f"cache dir: {tmp_path / 'elsewhere'} (from the environment)" in out
    assert f"data dir: {tmp_path / 'kept'} (from the user config .env ({user.resolve()}))" in out
    assert f"reports dir: {tmp_path / 'kept' / 'reports'} (from the data dir)" in out
    assert "api key: not set" in out


# -- What the server does to be fast -------------------------------------------------------------


def test_each_models_line_and_summary_are_built_once() -> None:
    model = Catalog.parse(build_catalog()[:3]).models[0]
    assert model.line() is model.line() and model.summary is model.summary


def test_the_background_warm_up_waits_for_a_tenth_of_a_second_of_quiet(settings: Settings) -> None:
    assert WARM_UP_IDLE_SECONDS == 0.1 and make_app(settings).warm_up_idle_seconds == 0.1


# -- The simulator ----------------------------------------------------------------------------------


def test_the_simulated_catalogue_has_385_models() -> None:
    assert len(Simulator().models) == 385


def test_the_simulated_catalogue_spans_more_than_50_providers() -> None:
    assert len({m["id"].split("/")[0] for m in Simulator().models}) > 50


async def test_simulated_streams_send_keep_alives_before_between_and_after_their_chunks(simulator: Simulator) -> None:
    body = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator.app)) as http:
        response = await http.post(
            "http://sim/api/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {FAKE_KEY}"}
        )
    events = [block.strip() for block in response.text.split("\n\n") if block.strip()]
    kinds = ["comment" if e.startswith(":") else "done" if e == "data: [DONE]" else "chunk" for e in events]
    first_chunk, last_chunk = kinds.index("chunk"), len(kinds) - 1 - kinds[::-1].index("chunk")
    assert kinds[0] == "comment"  # before
    assert "comment" in kinds[first_chunk:last_chunk]  # between
    finish = next(i for i, e in enumerate(events) if '"finish_reason":"stop"' in e.replace(" ", ""))
    assert "comment" in kinds[finish + 1 :]  # after the finish chunk


async def test_a_simulated_key_has_ten_dollars_of_credit_and_any_sk_or_key_is_accepted(simulator: Simulator) -> None:
    body = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator.app)) as http:
        chat = await http.post(
            "http://sim/api/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-or-made-up-42"}
        )
        credits = await http.get("http://sim/api/v1/credits", headers={"Authorization": "Bearer sk-or-v1-mgmt-7"})
    assert chat.status_code == 200
    assert credits.json()["data"]["total_credits"] == 10
