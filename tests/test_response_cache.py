"""The opt-in response cache: only identical deterministic requests, only while fresh."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter.chat import build_body
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.response_cache import ResponseCache, is_deterministic, request_key
from mcp_server_openrouter.service import OpenRouterService
from mcp_server_openrouter.simulator import Simulator

from .conftest import make_settings

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_deterministic_means_temperature_zero_or_a_seed() -> None:
    assert is_deterministic({"temperature": 0})
    assert is_deterministic({"seed": 1, "temperature": 0.9})
    assert not is_deterministic({"temperature": 0.2})
    assert not is_deterministic({})


def test_the_key_changes_with_any_part_of_the_request() -> None:
    body = build_body("openai/gpt-4o", "hi", temperature=0)
    key = request_key("https://a/v1", body)
    assert key == request_key("https://a/v1", dict(reversed(list(body.items()))))  # order does not matter
    assert key != request_key("https://b/v1", body)
    assert key != request_key("https://a/v1", build_body("openai/gpt-4o", "hi!", temperature=0))
    assert key != request_key("https://a/v1", build_body("openai/gpt-4o", "hi", temperature=0, max_tokens=5))
    assert key != request_key("https://a/v1", build_body("openai/gpt-4o-mini", "hi", temperature=0))


def test_entries_expire_with_the_ttl_and_the_oldest_go_beyond_the_bound(tmp_path: Path) -> None:
    clock = Clock()
    cache = ResponseCache(tmp_path / "r.sqlite3", ttl_seconds=100, max_entries=2, clock=clock)
    assert cache.get("a") is None
    cache.put("a", "m", {"text": "A"})
    clock.now += 1
    cache.put("b", "m", {"text": "B"})
    clock.now += 1
    cache.put("c", "m", {"text": "C"})
    assert cache.get("a") is None and cache.get("b") == {"text": "B"} and cache.get("c") == {"text": "C"}
    assert cache.describe()["entries"] == 2
    clock.now += 100
    assert cache.get("c") is None


def test_a_corrupt_database_is_ignored_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    cache = ResponseCache(path, ttl_seconds=100, max_entries=10)
    assert cache.get("a") is None
    cache.put("a", "m", {"text": "A"})
    assert any("response cache" in m for m in caplog.messages)


async def run_twice(service: OpenRouterService, **kwargs: object) -> tuple[object, object]:
    body = build_body("openai/gpt-4o", "What is 2+2?", temperature=0)
    first = await service.chat(dict(body), **kwargs)  # type: ignore[arg-type]
    second = await service.chat(dict(body), **kwargs)  # type: ignore[arg-type]
    return first, second


async def test_cache_true_answers_an_identical_call_locally_at_zero_cost(tmp_path: Path, simulator: Simulator) -> None:
    service = OpenRouterService(make_settings(tmp_path), transport=httpx.ASGITransport(app=simulator.app))
    try:
        first, second = await run_twice(service, cache=True)
    finally:
        await service.aclose()
    assert first.cached is False and first.cost_usd > 0  # type: ignore[attr-defined]
    assert second.cached is True and second.cost_usd == 0  # type: ignore[attr-defined]
    assert second.text == first.text and second.generation_id == first.generation_id  # type: ignore[attr-defined]
    assert "cached: no charge" in second.footer()  # type: ignore[attr-defined]
    assert len(simulator.events_of("request")) == 1


async def test_the_setting_caches_deterministic_calls_only(tmp_path: Path, simulator: Simulator) -> None:
    settings = make_settings(tmp_path, cache_responses=True)
    service = OpenRouterService(settings, transport=httpx.ASGITransport(app=simulator.app))
    try:
        await run_twice(service)
        creative = build_body("openai/gpt-4o", "a poem", temperature=0.9)
        await service.chat(dict(creative))
        await service.chat(dict(creative))
        _, opted_out = await run_twice(service, cache=False)
    finally:
        await service.aclose()
    assert opted_out.cached is False  # type: ignore[attr-defined]
    assert len(simulator.events_of("request")) == 1 + 2 + 2


@pytest.mark.parametrize(
    ("overrides", "body_args", "stream", "words"),
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
    body_args: dict[str, object],
    stream: bool,
    words: str,
) -> None:
    service = OpenRouterService(make_settings(tmp_path, **overrides), transport=httpx.ASGITransport(app=simulator.app))
    try:
        with pytest.raises(InvalidArgumentError, match=words):
            await service.chat(build_body("openai/gpt-4o", "hi", **body_args), stream=stream, cache=True)  # type: ignore[arg-type]
    finally:
        await service.aclose()
    assert simulator.events_of("request") == []
