"""The `on_request` hook: exactly one `RequestRecord` per upstream HTTP request."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import count
from typing import Any

import anyio
import httpx
import pytest

from mcp_server_openrouter.client import ChoiceError, Delta, OpenRouterClient, RequestRecord
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import FAKE_KEY, Records, make_client, no_sleep

pytestmark = pytest.mark.anyio

PROMPT = "a prompt nobody else may read"
BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}]}


class Ticks:
    """A monotonic clock that advances by one on every reading."""

    def __init__(self) -> None:
        self._ticks: Iterator[int] = count(1)

    def __call__(self) -> float:
        return float(next(self._ticks))


def metered(transport: httpx.AsyncBaseTransport, hook: Records, **overrides: Any) -> OpenRouterClient:
    return make_client(transport, on_request=hook, monotonic=Ticks(), sleep=no_sleep, **overrides)


async def test_a_plain_chat_makes_one_record_with_its_usage_cost_and_generation_id(
    transport: httpx.ASGITransport,
) -> None:
    hook = Records()
    async with metered(transport, hook) as client:
        completion = await client.chat(BODY)
    (record,) = hook.records
    assert (record.method, record.path, record.model, record.attempt, record.stream) == (
        "POST",
        "/chat/completions",
        "openai/gpt-4o-mini",
        1,
        False,
    )
    assert (record.sent, record.first_byte, record.first_token, record.ended) == (1.0, 2.0, None, 3.0)
    assert (record.status, record.error_kind) == (200, None)
    assert record.usage == completion.usage and completion.usage is not None
    assert record.cost == completion.usage.cost and record.cost is not None and record.cost > 0
    assert record.generation_id == completion.id and record.generation_id is not None
    assert record.duration == 2.0


async def test_a_retried_chat_makes_one_record_per_attempt(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("unavailable")
    hook = Records()
    async with metered(transport, hook) as client:
        await client.chat(BODY)
    first, second = hook.records
    assert (first.attempt, first.status, first.error_kind) == (1, 503, "ServiceUnavailableError")
    assert first.usage is None and first.cost is None and first.generation_id is None
    assert (second.attempt, second.status, second.error_kind) == (2, 200, None)
    assert second.cost is not None and first.ended <= second.sent


async def test_a_stream_is_recorded_when_it_ends_with_its_first_token_usage_and_cost(
    transport: httpx.ASGITransport,
) -> None:
    hook = Records()
    async with metered(transport, hook) as client, client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            pass
        assert hook.records == []  # not before the stream has ended
    completion = stream.completion()
    (record,) = hook.records
    assert record.stream and (record.status, record.error_kind) == (200, None)
    assert (record.sent, record.first_byte, record.first_token, record.ended) == (1.0, 2.0, 3.0, 4.0)
    assert record.usage == completion.usage and completion.usage is not None
    assert record.cost == completion.usage.cost and record.cost is not None and record.cost > 0
    assert record.generation_id == completion.id


async def test_a_stream_whose_provider_reports_an_error_is_recorded_as_a_choice_error(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(error_after_tokens=3))
    hook = Records()
    async with metered(transport, hook) as client, client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            pass
    with pytest.raises(ChoiceError, match="Provider timed out"):
        stream.completion()
    (record,) = hook.records
    assert (record.status, record.error_kind) == (200, "ChoiceError")
    assert record.first_token is not None


async def test_a_stream_left_early_is_recorded(transport: httpx.ASGITransport) -> None:
    hook = Records()
    async with metered(transport, hook) as client, client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            break
    (record,) = hook.records
    assert record.error_kind == "StreamError"  # what `completion()` would raise: the reply is incomplete


async def test_a_cancelled_stream_is_still_recorded(transport: httpx.ASGITransport) -> None:
    recorded_despite_cancellation: list[RequestRecord] = []

    async def slow_hook(record: RequestRecord) -> None:
        await anyio.lowlevel.checkpoint()  # would raise if the hook were not shielded
        recorded_despite_cancellation.append(record)

    async with make_client(transport, on_request=slow_hook) as client:
        with anyio.CancelScope() as scope:
            async with client.stream_chat(BODY) as stream:
                async for event in stream.events():
                    if isinstance(event, Delta):
                        scope.cancel()
                        await anyio.lowlevel.checkpoint()
    assert scope.cancelled_caught
    (record,) = recorded_despite_cancellation
    assert record.error_kind == "CancelledError"  # the tests run on asyncio
    assert record.first_token is not None


async def test_a_failing_request_is_recorded_with_its_error_kind_and_status(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    from mcp_server_openrouter.client import InsufficientCreditsError

    simulator.add_fault("credits")
    hook = Records()
    async with metered(transport, hook) as client:
        with pytest.raises(InsufficientCreditsError):
            await client.chat(BODY)
    (record,) = hook.records
    assert (record.status, record.error_kind, record.usage, record.first_token) == (
        402,
        "InsufficientCreditsError",
        None,
        None,
    )


async def test_a_request_that_never_got_an_answer_has_no_status() -> None:
    from mcp_server_openrouter.client import APIConnectionError

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    hook = Records()
    async with metered(httpx.MockTransport(refuse), hook, max_retries=1) as client:
        with pytest.raises(APIConnectionError):
            await client.list_models()
    assert [(r.attempt, r.method, r.path, r.model) for r in hook.records] == [
        (1, "GET", "/models", None),
        (2, "GET", "/models", None),
    ]
    assert all(r.status is None and r.first_byte is None and r.error_kind == "APIConnectionError" for r in hook.records)


async def test_a_reply_that_is_an_error_at_200_is_recorded_as_that_error(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    from mcp_server_openrouter.client import ResponseError

    simulator.add_fault(Fault(empty_choices=True))
    hook = Records()
    async with metered(transport, hook) as client:
        with pytest.raises(ResponseError, match="no choices"):
            await client.chat(BODY)
    (record,) = hook.records
    assert (record.status, record.error_kind) == (200, "ResponseError")


async def test_a_hook_that_raises_never_breaks_the_call_and_is_logged_without_secrets(
    transport: httpx.ASGITransport, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(record: RequestRecord) -> None:
        raise RuntimeError(f"ledger is full (key {FAKE_KEY})")

    with caplog.at_level(logging.WARNING):
        async with make_client(transport, on_request=broken) as client:
            completion = await client.chat(BODY)
            async with client.stream_chat(BODY) as stream:
                async for _ in stream.events():
                    pass
    assert completion.text and stream.completion().text
    assert caplog.text.count("on_request hook failed for POST /chat/completions (attempt 1): RuntimeError") == 2
    assert FAKE_KEY not in caplog.text and PROMPT not in caplog.text


async def test_a_missing_key_sends_nothing_and_records_nothing(transport: httpx.ASGITransport) -> None:
    from mcp_server_openrouter.client import MissingAPIKeyError

    hook = Records()
    async with metered(transport, hook, api_key=None) as client:
        with pytest.raises(MissingAPIKeyError):
            await client.chat(BODY)
    assert hook.records == []


async def test_a_views_hook_meters_only_the_views_requests(transport: httpx.ASGITransport) -> None:
    hook = Records()
    async with make_client(transport) as client:
        await client.with_options(on_request=hook).key_info()
        await client.key_info()
    (record,) = hook.records
    assert (record.method, record.path, record.status, record.usage, record.cost) == ("GET", "/key", 200, None, None)
