"""Every real recorded payload parses: the contract with OpenRouter's live API."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from mcp_server_openrouter.catalog import Catalog
from mcp_server_openrouter.client import (
    AuthenticationError,
    InsufficientCreditsError,
    InvalidModelError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    StreamAccumulator,
)
from mcp_server_openrouter.client._errors import status_error
from mcp_server_openrouter.client._models import ChatCompletion
from mcp_server_openrouter.client._streaming import Data, iter_events

from .helpers import CAPTURES, SHARED_CAPTURES


def captures(prefix: str, suffix: str) -> list[Path]:
    found = sorted(p for p in CAPTURES.iterdir() if p.name.startswith(prefix) and p.name.endswith(suffix))
    assert found, f"no {prefix}*{suffix} captures in {CAPTURES}"
    return found


def test_the_repo_holds_every_capture_of_the_shared_reference_unchanged() -> None:
    if not SHARED_CAPTURES.is_dir():
        pytest.skip(f"DRIFT GUARD NOT RUN: {SHARED_CAPTURES} (shared/ beside the checkout, as CI has it) is missing")
    shared = {p.name: p.read_bytes() for p in SHARED_CAPTURES.iterdir() if p.is_file()}
    ours = {p.name: p.read_bytes() for p in CAPTURES.iterdir() if p.is_file()}
    missing = sorted(set(shared) - set(ours))
    changed = sorted(name for name in set(shared) & set(ours) if shared[name] != ours[name])
    assert not missing, f"copy these new captures into tests/captures: {missing}"
    assert not changed, f"these captures differ from the shared reference; copy them again: {changed}"


def test_every_capture_has_its_source_note() -> None:
    for payload in [*CAPTURES.glob("*.json"), *CAPTURES.glob("*.sse")]:
        assert payload.with_suffix(".src.txt").is_file(), payload.name


@pytest.mark.parametrize("path", captures("chat-nonstream", ".json"), ids=lambda p: p.stem)
def test_non_streaming_captures_parse_into_a_completion(path: Path) -> None:
    body = json.loads(path.read_text())
    completion = ChatCompletion.parse(body)
    assert completion.id and completion.id.startswith("gen-")
    assert completion.model and completion.provider
    assert completion.finish_reason in {"stop", "length", "tool_calls"}
    assert completion.usage is not None and completion.usage.total_tokens
    raw_cost = body["usage"].get("cost")
    if raw_cost is None:
        assert completion.usage.cost is None
    else:
        assert completion.usage.cost == Decimal(str(raw_cost))
    if completion.finish_reason == "tool_calls":
        assert completion.tool_calls and completion.tool_calls[0]["function"]["name"]
    else:
        assert completion.text


def test_a_byok_capture_reports_zero_cost_and_the_upstream_cost() -> None:
    (path,) = [p for p in captures("chat-nonstream", ".json") if "byok" in p.name]
    usage = ChatCompletion.parse(json.loads(path.read_text())).usage
    assert usage is not None
    assert usage.cost == 0 and usage.is_byok is True
    assert usage.upstream_cost == Decimal("0.0003253")


def test_the_cache_capture_reports_cached_and_written_tokens() -> None:
    (path,) = [p for p in captures("chat-nonstream", ".json") if "cache-read-write" in p.name]
    usage = ChatCompletion.parse(json.loads(path.read_text())).usage
    assert usage is not None and usage.cached_tokens == 3211 and usage.cache_write_tokens == 115


@pytest.mark.parametrize("path", captures("chat-stream", ".sse"), ids=lambda p: p.stem)
def test_streaming_captures_assemble_the_whole_reply_with_usage(path: Path) -> None:
    lines = path.read_text().splitlines()
    accumulator = StreamAccumulator()
    pieces = []
    keepalives = 0
    for event in iter_events(lines):
        if isinstance(event, Data):
            pieces.append(accumulator.feed_data(event.data).text)
        else:
            keepalives += 1
    completion = accumulator.finish()
    assert keepalives >= 2
    assert accumulator.done
    assert completion.text == "".join(pieces) and completion.text
    assert completion.finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens
    assert completion.usage.cost is not None and completion.usage.cost > 0
    assert completion.id and completion.id.startswith("gen-")


def test_the_o3_stream_ignores_encrypted_reasoning_details() -> None:
    (path,) = captures("chat-stream__pydantic-ai__o3", ".sse")
    accumulator = StreamAccumulator()
    for event in iter_events(path.read_text().splitlines()):
        if isinstance(event, Data):
            accumulator.feed_data(event.data)
    completion = accumulator.finish()
    assert completion.reasoning is None
    assert completion.text.startswith("I")


EXPECTED_ERRORS = {
    "error-400-upstream": (ProviderError, "supports at most 1 image per prompt"),
    "error-400__": (InvalidModelError, "is not a valid model ID"),
    "error-401__code-quotes__user-not-found": (AuthenticationError, "User not found."),
    "error-401__issues__no-auth": (AuthenticationError, "No auth credentials found"),
    "error-401__issues__no-cookie": (AuthenticationError, "No cookie auth credentials found"),
    "error-402": (InsufficientCreditsError, "can only afford 10114"),
    "error-404__issues__no-endpoints-capability": (NotFoundError, "tool_choice"),
    "error-404__issues__no-endpoints-found": (NotFoundError, "No endpoints found for"),
    "error-429-openrouter": (RateLimitError, "limited to 8 requests per minute"),
    "error-429-upstream": (ProviderError, "temporarily rate-limited upstream"),
}


@pytest.mark.parametrize("path", captures("error-", ".json"), ids=lambda p: p.stem)
def test_error_captures_become_typed_errors_that_keep_openrouters_words(path: Path) -> None:
    body = json.loads(path.read_text())
    status = int(path.name.split("-")[1].split("_")[0])
    error = status_error(status, body)
    matches = [v for k, v in EXPECTED_ERRORS.items() if path.name.startswith(k)]
    assert len(matches) == 1, path.name
    cls, words = matches[0]
    assert type(error) is cls
    assert words in str(error)
    assert error.status == status


def test_the_rate_limit_capture_gives_its_reset_time_in_seconds() -> None:
    (path,) = captures("error-429-openrouter", ".json")
    error = status_error(429, json.loads(path.read_text()))
    assert isinstance(error, RateLimitError)
    assert error.reset_at == 1783519380.0
    assert "2026-07-08" in str(error)


def test_the_upstream_429_is_retryable_and_names_the_provider() -> None:
    (path,) = captures("error-429-upstream", ".json")
    error = status_error(429, json.loads(path.read_text()))
    assert isinstance(error, ProviderError)
    assert error.retryable and error.provider_name == "Google"
    assert "Provider returned error" not in str(error)


def test_the_models_list_capture_parses_with_missing_zero_prices_and_override_lists() -> None:
    (path,) = captures("models-list", ".json")
    catalog = Catalog.parse(json.loads(path.read_text())["data"])
    sonnet = catalog.get("anthropic/claude-sonnet-4")
    assert sonnet is not None
    assert sonnet.prompt_price.label() == "$3.00" and sonnet.completion_price.label() == "$15.00"
    assert sonnet.context_length == 1_000_000
    assert "image" in sonnet.input_modalities
    gpt4o = catalog.get("openai/gpt-4o")
    assert gpt4o is not None and gpt4o.prompt_price.label() == "$2.50"


def test_the_models_entry_capture_parses() -> None:
    (path,) = captures("models-entry", ".json")
    catalog = Catalog.parse([json.loads(path.read_text())])
    model = catalog.get("qwen/qwen3-8b")
    assert model is not None
    assert model.prompt_price.label() == "$0.117" and model.completion_price.label() == "$0.455"
    assert "tools" in model.supported_parameters


def test_a_moderation_error_names_its_reasons() -> None:
    body = {"error": {"code": 403, "message": "Input flagged", "metadata": {"reasons": ["violence", "hate"]}}}
    assert "flagged by moderation (violence, hate)" in str(status_error(403, body))
