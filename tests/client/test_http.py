"""The HTTP client against the in-process simulator and hand-made transports."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter.client import (
    APIConnectionError,
    AuthenticationError,
    ChoiceError,
    InsufficientCreditsError,
    MissingAPIKeyError,
    OpenRouterClient,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseError,
    ServiceUnavailableError,
    StreamError,
)
from mcp_server_openrouter.client._http import attribution_headers
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import CAPTURES, FAKE_KEY, make_settings


class FakeSleep:
    """Records the waits the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(settings: Settings, transport: httpx.AsyncBaseTransport, **kwargs: object) -> OpenRouterClient:
    explicit = {
        "api_key": settings.key(),
        "base_url": settings.base_url,
        "max_retries": settings.max_retries,
        "default_headers": attribution_headers(settings.app_url, settings.app_title),
    }
    return OpenRouterClient(**explicit, transport=transport, **kwargs)  # type: ignore[arg-type]


pytestmark = pytest.mark.anyio

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}


async def test_a_chat_sends_the_key_and_attribution_headers_and_returns_the_reply(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    async with make_client(settings, transport) as client:
        completion = await client.chat(BODY)
    assert completion.text.startswith("[simulated openai/gpt-4o-mini] Received 1 message")
    assert completion.usage is not None and completion.usage.cost is not None and completion.usage.cost > 0
    (request,) = simulator.events_of("request")
    headers = request.detail["headers"]
    assert headers["http-referer"] == settings.app_url
    assert headers["x-openrouter-title"] == headers["x-title"] == "openrouter-mcp"
    assert "authorization" not in headers  # the simulator never logs it; the request was authorised
    assert request.detail["body"] == {**BODY, "stream": False}


async def test_a_missing_key_fails_before_anything_is_sent(tmp_path: Path, simulator: Simulator) -> None:
    settings = make_settings(tmp_path, api_key=None)
    async with make_client(settings, httpx.ASGITransport(app=simulator.app)) as client:
        with pytest.raises(MissingAPIKeyError, match="OPENROUTER_API_KEY"):
            await client.chat(BODY)
    assert simulator.events_of("request") == []


async def test_a_revoked_key_is_an_authentication_error_without_the_key_in_it(
    tmp_path: Path, simulator: Simulator
) -> None:
    key = "sk-or-v1-revoked-abcdef123456"
    simulator.revoked.add(key)
    settings = make_settings(tmp_path, api_key=key)
    async with make_client(settings, httpx.ASGITransport(app=simulator.app)) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.chat(BODY)
    assert "User not found." in str(caught.value)
    assert key not in str(caught.value)


async def test_server_errors_are_retried_with_backoff_then_succeed(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("unavailable", times=2)
    sleep = FakeSleep()
    # Full jitter: each wait is the random draw's share of the doubling ceiling (0.5 s, then 1 s).
    async with make_client(settings, transport, sleep=sleep, random=lambda: 0.5) as client:
        completion = await client.chat(BODY)
    assert completion.text
    assert sleep.waits == [0.25, 0.5]
    assert len(simulator.events_of("request")) == 3


async def test_retries_stop_after_the_configured_number(tmp_path: Path, simulator: Simulator) -> None:
    simulator.add_fault("bad_gateway", times=None)
    sleep = FakeSleep()
    settings = make_settings(tmp_path, max_retries=1)
    half = make_client(settings, httpx.ASGITransport(app=simulator.app), sleep=sleep, random=lambda: 0.5)
    async with half as client:
        with pytest.raises(ServiceUnavailableError, match="retry shortly"):
            await client.chat(BODY)
    assert sleep.waits == [0.25]


async def test_a_rate_limit_waits_until_its_reset_time(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    now = 1_800_000_000.0
    simulator.add_fault(
        Fault(
            status=429,
            body={"error": {"message": "Rate limit exceeded", "code": 429}},
            headers={"X-RateLimit-Reset": str(int((now + 3) * 1000))},
        )
    )
    sleep = FakeSleep()
    async with make_client(settings, transport, sleep=sleep, clock=lambda: now) as client:
        await client.chat(BODY)
    assert sleep.waits == [3.0]


async def test_a_daily_cap_that_resets_hours_away_is_not_retried(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("free_daily_cap")
    sleep = FakeSleep()
    async with make_client(settings, transport, sleep=sleep, clock=lambda: 1_800_000_000.0) as client:
        with pytest.raises(RateLimitError, match="try again after 2100-01-01 00:00:00 UTC") as caught:
            await client.chat(BODY)
    assert sleep.waits == []
    assert caught.value.reset_at == 4_102_444_800.0


async def test_retry_after_is_honoured_when_there_is_no_reset_header(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(
        Fault(status=429, body={"error": {"message": "slow down", "code": 429}}, headers={"Retry-After": "2"})
    )
    sleep = FakeSleep()
    async with make_client(settings, transport, sleep=sleep, clock=lambda: 100.0) as client:
        await client.chat(BODY)
    assert sleep.waits == [2.0]


async def test_credits_errors_are_not_retried_and_say_where_to_add_credits(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("credits")
    sleep = FakeSleep()
    async with make_client(settings, transport, sleep=sleep) as client:
        with pytest.raises(InsufficientCreditsError, match="settings/credits"):
            await client.chat(BODY)
    assert sleep.waits == []


async def test_the_simulator_refuses_a_request_the_key_cannot_afford(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    async with make_client(settings, transport) as client:
        with pytest.raises(InsufficientCreditsError, match="can only afford"):
            await client.chat({**BODY, "model": "openai/gpt-4", "max_tokens": 10_000_000})


async def test_a_provider_error_shows_the_providers_reason(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("provider_400")
    async with make_client(settings, transport) as client:
        with pytest.raises(ProviderError) as caught:
            await client.chat(BODY)
    assert "Crucible returned an error: Model supports at most 1 image per prompt." in str(caught.value)
    assert caught.value.status == 400 and not caught.value.retryable


async def test_a_200_carrying_an_error_is_an_error(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("error_at_200")
    async with make_client(settings, transport) as client:
        with pytest.raises(ResponseError, match="Internal error in the provider"):
            await client.chat(BODY)


async def test_a_reply_without_choices_is_an_error(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(empty_choices=True))
    async with make_client(settings, transport) as client:
        with pytest.raises(ResponseError, match="no choices"):
            await client.chat(BODY)


async def test_an_unreachable_server_is_a_connection_error_naming_the_base_url(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sleep = FakeSleep()
    settings = make_settings(tmp_path)
    async with make_client(settings, httpx.MockTransport(refuse), sleep=sleep) as client:
        with pytest.raises(APIConnectionError, match="OPENROUTER_BASE_URL"):
            await client.list_models()
    assert len(sleep.waits) == settings.max_retries


async def test_a_stream_yields_deltas_and_keepalives_then_the_completion(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    from mcp_server_openrouter.client import KeepAlive

    async with make_client(settings, transport) as client, client.stream_chat(BODY) as stream:
        events = [event async for event in stream.events()]
        completion = stream.completion()
    texts = [e.text for e in events if not isinstance(e, KeepAlive)]
    assert sum(isinstance(e, KeepAlive) for e in events) >= 3
    assert "".join(texts) == completion.text
    assert completion.finish_reason == "stop" and completion.usage is not None
    (request,) = simulator.events_of("request")
    assert request.detail["body"]["stream"] is True


@pytest.mark.parametrize("shape", [1, 2, 3, 4])
async def test_every_mid_stream_error_shape_raises_with_the_partial_text(
    shape: int, settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(error_after_tokens=4, error_shape=shape))  # type: ignore[arg-type]
    async with make_client(settings, transport) as client, client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            pass
        with pytest.raises(ChoiceError, match="Provider timed out") as caught:
            stream.completion()
    assert caught.value.partial_text == "[simulated openai/gpt-4o-mini] Received 1"
    assert caught.value.provider and f"(provider: {caught.value.provider})" in str(caught.value)
    assert caught.value.code == 504 and caught.value.retryable


async def test_a_dropped_stream_is_an_error_that_keeps_the_partial_text(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(drop_after_tokens=2))
    async with make_client(settings, transport) as client, client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            pass
        with pytest.raises(StreamError, match="ended before the reply was complete") as caught:
            stream.completion()
    assert caught.value.partial_text == "[simulated openai/gpt-4o-mini]"


async def test_an_http_error_on_a_stream_is_raised_before_any_event(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("moderation")
    async with make_client(settings, transport) as client:
        with pytest.raises(PermissionDeniedError, match="flagged by moderation"):
            async with client.stream_chat(BODY):
                pass


async def test_list_models_asks_for_every_output_modality(
    settings: Settings, transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    async with make_client(settings, transport) as client:
        models = await client.list_models()
    assert len(models) == len(simulator.models)
    assert simulator.events_of("request")[0].detail["query"] == {"output_modalities": "all"}


async def test_key_info_reads_both_the_wrapped_and_the_bare_shape(tmp_path: Path) -> None:
    (capture,) = CAPTURES.glob("key__*.json")
    bare = json.loads(capture.read_text())

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {FAKE_KEY}"
        return httpx.Response(200, json=bare if request.url.path.endswith("/key") else {"data": bare})

    async with make_client(make_settings(tmp_path), httpx.MockTransport(answer)) as client:
        info = await client.key_info()
    assert (info.rate_limit_requests, info.rate_limit_interval) == (40, "10s")
    assert info.limit is None and info.label == "sk-or-v1-0fa...240"


async def test_the_generation_id_falls_back_to_the_header_when_the_body_has_none(tmp_path: Path) -> None:
    body = {"choices": [{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body, headers={"X-Generation-Id": "gen-from-header"})

    async with make_client(make_settings(tmp_path), httpx.MockTransport(answer)) as client:
        completion = await client.chat(BODY)
    assert completion.id == "gen-from-header" and completion.text == "ok"
