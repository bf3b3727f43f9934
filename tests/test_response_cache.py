"""The opt-in response cache: only identical deterministic requests, only while fresh.

The store itself (TTL, bound, a corrupt file) is tested in `tests/storage/test_responses.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.chat import ChatRequest, ChatResult
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.simulator import Simulator

from .helpers import make_settings

pytestmark = pytest.mark.anyio


def request(prompt: str = "hi", model: str = "openai/gpt-4o", **options: Any) -> ChatRequest:
    return ChatRequest.create(model=model, messages=prompt, **options)


def test_deterministic_means_temperature_zero_or_a_seed() -> None:
    assert request(temperature=0).deterministic
    assert request(seed=1, temperature=0.9).deterministic
    assert not request(temperature=0.2).deterministic
    assert not request().deterministic


def test_the_key_changes_with_any_part_of_the_request() -> None:
    key = request(temperature=0).cache_key("https://a/v1")
    assert key == request(temperature=0).cache_key("https://a/v1")
    assert key != request(temperature=0).cache_key("https://b/v1")
    assert key != request("hi!", temperature=0).cache_key("https://a/v1")
    assert key != request(temperature=0, max_tokens=5).cache_key("https://a/v1")
    assert key != request(model="openai/gpt-4o-mini", temperature=0).cache_key("https://a/v1")


async def run_twice(app: AppContext, cache: bool | None = None) -> tuple[ChatResult, ChatResult]:
    question = request("What is 2+2?", temperature=0)
    return await app.chat.chat(question, cache=cache), await app.chat.chat(question, cache=cache)


async def test_cache_true_answers_an_identical_call_locally_at_zero_cost(app: AppContext, simulator: Simulator) -> None:
    first, second = await run_twice(app, cache=True)
    assert first.cached is False and first.cost_usd is not None and first.cost_usd > 0
    assert second.cached is True and second.cost_usd == 0
    assert second.text == first.text and second.generation_id == first.generation_id
    assert "cached: no charge" in second.footer()
    assert len(simulator.events_of("request")) == 1


async def test_the_setting_caches_deterministic_calls_only(tmp_path: Path, simulator: Simulator) -> None:
    settings = make_settings(tmp_path, cache_responses=True)
    async with open_app(settings, transport=httpx.ASGITransport(app=simulator.app)) as app:
        await run_twice(app)
        creative = request("a poem", temperature=0.9)
        await app.chat.chat(creative)
        await app.chat.chat(creative)
        _, opted_out = await run_twice(app, cache=False)
    assert opted_out.cached is False
    assert len(simulator.events_of("request")) == 1 + 2 + 2


@pytest.mark.parametrize(
    ("overrides", "options", "stream", "words"),
    [
        ({}, {"temperature": 0.5}, False, "needs a deterministic request"),
        ({}, {"temperature": 0}, True, "does not apply to streamed calls"),
        ({"cache_ttl_hours": 0}, {"seed": 3}, False, "CACHE_TTL_HOURS=0"),
    ],
)
async def test_cache_true_that_cannot_apply_is_refused_with_the_reason(
    tmp_path: Path,
    simulator: Simulator,
    overrides: dict[str, object],
    options: dict[str, Any],
    stream: bool,
    words: str,
) -> None:
    settings = make_settings(tmp_path, **overrides)
    async with open_app(settings, transport=httpx.ASGITransport(app=simulator.app)) as app:
        with pytest.raises(InvalidArgumentError, match=words):
            await app.chat.chat(request(**options), stream=stream, cache=True)
    assert simulator.events_of("request") == []
