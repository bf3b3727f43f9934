"""The retry policy on its own, and the client's `on_retry` hook."""

from __future__ import annotations

import logging

import httpx
import pytest

from mcp_server_openrouter.client import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    OpenRouterError,
    RateLimitError,
    ReplyLostError,
    ReplyTimeoutError,
    RetryPolicy,
    ServiceUnavailableError,
    StreamError,
)
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import FAKE_KEY, make_client

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "a secret prompt"}]}


def unavailable() -> ServiceUnavailableError:
    return ServiceUnavailableError("No instances available", status=503)


def rate_limited(reset_at: float | None) -> RateLimitError:
    return RateLimitError("Rate limit exceeded", status=429, reset_at=reset_at)


class FakeSleep:
    """Records the waits the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class RetryLog:
    """An `on_retry` hook that remembers its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float, str]] = []

    async def __call__(self, attempt: int, wait: float, error: OpenRouterError) -> None:
        self.calls.append((attempt, wait, type(error).__name__))


def test_the_backoff_ceiling_doubles_from_half_a_second_up_to_eight() -> None:
    policy = RetryPolicy(max_retries=10, random=lambda: 0.999999)
    waits = [policy.wait(unavailable(), n, now=0.0) for n in range(6)]
    assert waits == pytest.approx([0.5, 1.0, 2.0, 4.0, 8.0, 8.0], rel=1e-5)


def test_full_jitter_draws_each_wait_anywhere_between_zero_and_the_ceiling() -> None:
    assert RetryPolicy(random=lambda: 0.0).wait(unavailable(), 2, now=0.0) == 0.0
    assert RetryPolicy(random=lambda: 0.25).wait(unavailable(), 2, now=0.0) == 0.5
    assert RetryPolicy(random=lambda: 0.5).wait(unavailable(), 1, now=0.0) == 0.5


def test_no_retry_once_the_retries_are_spent() -> None:
    policy = RetryPolicy(max_retries=2, random=lambda: 0.5)
    assert policy.wait(unavailable(), 1, now=0.0) == 0.5
    assert policy.wait(unavailable(), 2, now=0.0) is None


def test_three_retries_by_default() -> None:
    policy = RetryPolicy(random=lambda: 0.5)
    assert policy.max_retries == 3 and policy.max_wait == 60.0
    assert policy.wait(unavailable(), 2, now=0.0) == 1.0
    assert policy.wait(unavailable(), 3, now=0.0) is None


def test_errors_that_a_retry_cannot_fix_are_not_retried() -> None:
    assert RetryPolicy().wait(BadRequestError("bad", status=400), 0, now=0.0) is None


def test_a_connection_failure_is_retried() -> None:
    assert RetryPolicy(random=lambda: 0.5).wait(APIConnectionError("refused"), 0, now=0.0) == 0.25


def test_a_rate_limit_reset_is_waited_out_exactly_however_far_away() -> None:
    policy = RetryPolicy(random=lambda: 0.9)
    assert policy.wait(rate_limited(reset_at=1_000.0 + 2.5), 0, now=1_000.0) == 2.5
    assert policy.wait(rate_limited(reset_at=1_000.0 + 3_600.0), 0, now=1_000.0) == 3_600.0
    assert policy.wait(rate_limited(reset_at=999.0), 0, now=1_000.0) == 0.0


def test_a_rate_limit_without_a_reset_time_backs_off_as_usual() -> None:
    assert RetryPolicy(random=lambda: 0.5).wait(rate_limited(reset_at=None), 1, now=0.0) == 0.5


@pytest.mark.anyio
async def test_the_on_retry_hook_hears_each_attempt_its_wait_and_the_error(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("unavailable", times=2)
    hook, sleep = RetryLog(), FakeSleep()
    async with make_client(transport, on_retry=hook, sleep=sleep, random=lambda: 0.5) as client:
        await client.chat(BODY)
    assert hook.calls == [(2, 0.25, "ServiceUnavailableError"), (3, 0.5, "ServiceUnavailableError")]
    assert sleep.waits == [0.25, 0.5]


@pytest.mark.anyio
async def test_a_per_call_on_retry_hook_wins_over_the_clients(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(
        Fault(status=429, body={"error": {"message": "slow down", "code": 429}}, headers={"Retry-After": "2"})
    )
    default, per_call = RetryLog(), RetryLog()
    async with make_client(transport, on_retry=default, sleep=FakeSleep(), clock=lambda: 100.0) as client:
        await client.chat(BODY, on_retry=per_call)
    assert per_call.calls == [(2, 2.0, "RateLimitError")]
    assert default.calls == []


@pytest.mark.anyio
async def test_a_stream_call_reports_its_retries_to_its_own_hook(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("bad_gateway")
    hook = RetryLog()
    async with (
        make_client(transport, sleep=FakeSleep(), random=lambda: 0.5) as client,
        client.stream_chat(BODY, on_retry=hook) as stream,
    ):
        async for _ in stream.events():
            pass
    assert stream.completion().text
    assert hook.calls == [(2, 0.25, "ServiceUnavailableError")]


@pytest.mark.anyio
async def test_an_on_retry_hook_that_raises_does_not_stop_the_retry(
    transport: httpx.ASGITransport, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.add_fault("unavailable")

    async def broken(attempt: int, wait: float, error: OpenRouterError) -> None:
        raise RuntimeError(f"progress channel closed for {FAKE_KEY}")

    with caplog.at_level(logging.WARNING):
        async with make_client(transport, on_retry=broken, sleep=FakeSleep()) as client:
            completion = await client.chat(BODY)
    assert completion.text
    assert "on_retry hook failed: RuntimeError" in caplog.text
    assert FAKE_KEY not in caplog.text


@pytest.mark.anyio
async def test_a_stream_that_broke_after_its_body_started_is_never_sent_again(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(drop_after_tokens=2))
    hook = RetryLog()
    async with make_client(transport, on_retry=hook, sleep=FakeSleep()) as client, client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            pass
    with pytest.raises(StreamError, match="ended before the reply was complete"):
        stream.completion()
    assert hook.calls == []
    assert len(simulator.events_of("request")) == 1


# -- never buy a reply twice: which failures are retried ----------------------------------------------

NOT_SENT = [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout]
SENT = [httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError, httpx.WriteTimeout]


def failing_with(error: type[httpx.TransportError], calls: list[str]) -> httpx.MockTransport:
    def fail(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        raise error("scripted failure", request=request)

    return httpx.MockTransport(fail)


@pytest.mark.anyio
@pytest.mark.parametrize("error", NOT_SENT, ids=lambda e: e.__name__)
async def test_a_chat_that_never_reached_the_service_is_retried(error: type[httpx.TransportError]) -> None:
    calls: list[str] = []
    async with make_client(failing_with(error, calls), sleep=FakeSleep()) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.chat(BODY)
    assert len(calls) == 4 and caught.value.retryable  # the first try and 3 retries


@pytest.mark.anyio
@pytest.mark.parametrize("error", SENT, ids=lambda e: e.__name__)
async def test_a_chat_whose_answer_was_lost_after_sending_is_never_sent_again(
    error: type[httpx.TransportError],
) -> None:
    calls: list[str] = []
    expected = ReplyTimeoutError if issubclass(error, httpx.TimeoutException) else ReplyLostError
    async with make_client(failing_with(error, calls), sleep=FakeSleep()) as client:
        with pytest.raises(expected, match="may still have processed and billed it"):
            await client.chat(BODY)
        with pytest.raises(expected):
            async with client.stream_chat(BODY):
                pass
    assert calls == ["POST /api/v1/chat/completions"] * 2


@pytest.mark.anyio
@pytest.mark.parametrize("error", SENT, ids=lambda e: e.__name__)
async def test_a_read_that_fails_after_sending_is_retried_for_a_get(error: type[httpx.TransportError]) -> None:
    calls: list[str] = []
    expected = APITimeoutError if issubclass(error, httpx.TimeoutException) else APIConnectionError
    async with make_client(failing_with(error, calls), sleep=FakeSleep()) as client:
        with pytest.raises(expected) as caught:
            await client.credits()
    assert type(caught.value) is expected and len(calls) == 4
